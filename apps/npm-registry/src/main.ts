/**
 * `npm start -w @bambam/npm-registry`: the registry in the box on its own (REGISTRY_PORT,
 * default 4873), publishing the workspace's built `@bambam/*` packages into it when they changed.
 * `npm start` at the root runs this beside the engine and the studio.
 */
import path from 'node:path';
import { NpmRegistry } from './npm-registry.ts';
import { npmRegistryOptionsFromEnv } from './registry-options.ts';
import { publishWorkspacePackages } from './workspace-publisher.ts';

const root = path.resolve(import.meta.dirname, '../../..');
let registry: NpmRegistry;
try {
  registry = await NpmRegistry.start(npmRegistryOptionsFromEnv());
} catch (error) {
  console.error(`registry: ${(error as Error).message}`);
  process.exit(1);
}
const uplink = registry.options.uplink
  ? `other packages from ${registry.options.uplink}`
  : 'no uplink (offline)';
console.log(`registry: npm registry at ${registry.url} (${uplink})`);
try {
  const reports = await publishWorkspacePackages({
    root,
    registryUrl: registry.url,
    dataDir: registry.options.dataDir,
    onProgress: (line) => console.log(`registry: ${line}`),
  });
  if (reports.length > 0) console.log(`registry: ${reports.length} @bambam packages ready for authors`);
} catch (error) {
  console.error(`registry: could not publish the workspace's packages: ${(error as Error).message}`);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    void registry.dispose().then(() => process.exit(0));
  });
}
