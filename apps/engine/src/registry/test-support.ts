/**
 * Test helpers for the plugin routes and the npm plugin source: a real npm registry (Verdaccio,
 * `@bambam/npm-registry`) in a temp data dir with a signed-in account, plugin packages built
 * with the real compile (`buildFromSource`) and published with the real npm CLI, and a real
 * registry service behind a real HTTP server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loginToRegistry, NpmRegistry, npmrcAuthLine, runNpm } from '@bambam/npm-registry';
import sdkPackage from '@bambam/sdk/package.json' with { type: 'json' };
import { buildFromSource } from './from-source.ts';
import { createRegistryService, type RegistryService, type RegistryServiceOptions } from './index.ts';
import type { Manifest } from './manifest.ts';
import { pluginPackageJson } from './npm/plugin-package.ts';
import type { RegistryLogger } from './types.ts';

export interface PluginSpec {
  name?: string;
  version?: string;
  description?: string;
  /** Extra statements at the top of the module (e.g. a throw). */
  prelude?: string;
  note?: string;
}

export function pluginSource(spec: PluginSpec = {}): string {
  return `import { definePlugin } from '@bambam/sdk';
${spec.prelude ?? ''}
export default definePlugin({
  name: '${spec.name ?? 'test-drum'}',
  version: '${spec.version ?? '0.1.0'}',
  description: '${spec.description ?? 'A test drum.'}',
  sounds: { hit: { kind: 'tone', instrument: 'MembraneSynth', note: '${spec.note ?? 'C2'}', duration: 0.1, length: 0.3 } },
  params: { gain: { type: 'number', default: 1, min: 0, max: 2 } },
  onFrame(frame, ctx) { if (frame.hands.length > 0) ctx.play('hit'); },
});
`;
}

/** bam-drum's real source, renamed and versioned (what an author's `src/index.ts` is). */
export async function bamDrumSource(name: string, version: string): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('@bambam/bam-drum'));
  const source = await readFile(entry, 'utf8');
  return source
    .replace(/name: 'bam-drum'/, `name: '${name}'`)
    .replace(/version: '[^']+'/, `version: '${version}'`);
}

/** A package's files: path inside the package → contents. */
export type PackageFiles = Record<string, string | Buffer>;

/** The files `bambam build` would give for `source`, laid out as a plugin package. */
export async function pluginPackage(
  source: string,
  sdkRange = `^${sdkPackage.version}`,
): Promise<PackageFiles> {
  const built = await buildFromSource(source, sdkRange);
  return packageFilesOf(built.manifest, built.bundle, built.sourceMap);
}

export function packageFilesOf(manifest: Manifest, bundle: Buffer, sourceMap: Buffer): PackageFiles {
  return {
    'package.json': JSON.stringify(pluginPackageJson(manifest), null, 2),
    'dist/plugin.js': bundle,
    'dist/plugin.js.map': sourceMap,
    'dist/manifest.json': JSON.stringify(manifest, null, 2),
  };
}

export interface TestNpmRegistry {
  readonly registry: NpmRegistry;
  readonly url: string;
  readonly dataDir: string;
  /** A token of the signed-in test account (npm's login API). */
  readonly token: string;
  /** `npm publish` of a package with these files, with the account's token. */
  publish(files: PackageFiles): Promise<void>;
  /** The stored tarball of `name@version` in Verdaccio's storage. */
  tarballPath(name: string, version: string): string;
  dispose(): Promise<void>;
}

/** A real Verdaccio on a free port, offline (no uplink), with an account signed in. */
export async function startNpmRegistry(): Promise<TestNpmRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bambam-npm-test-'));
  const registry = await NpmRegistry.start({ dataDir, port: 0, uplink: null, logLevel: 'fatal' });
  const token = await loginToRegistry(registry.url, { name: 'alice', password: 'alice-secret-1' });
  const userconfig = join(dataDir, 'npmrc');
  await writeFile(userconfig, `registry=${registry.url}\n${npmrcAuthLine(registry.url, token)}\n`);
  let count = 0;
  return {
    registry,
    url: registry.url,
    dataDir,
    token,
    async publish(files) {
      const dir = join(dataDir, `package-${++count}`);
      for (const [path, contents] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), contents);
      }
      await runNpm(['publish', '--registry', registry.url], {
        cwd: dir,
        env: { npm_config_userconfig: userconfig, npm_config_cache: join(dataDir, 'npm-cache') },
      });
    },
    tarballPath(name, version) {
      const base = name.split('/').pop();
      return join(dataDir, 'npm', 'storage', name, `${base}-${version}.tgz`);
    },
    async dispose() {
      await registry.dispose();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunningService {
  url: string;
  dataDir: string;
  service: RegistryService;
  logs: string[];
  stop(): Promise<void>;
}

/** A real registry service (npm source, saved sources) behind a real HTTP server on a free loopback port. */
export async function startService(
  options: Partial<RegistryServiceOptions> = {},
  dataDir = mkdtempSync(join(tmpdir(), 'bambam-registry-')),
): Promise<RunningService> {
  const logs: string[] = [];
  const logger: RegistryLogger = {
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const service = await createRegistryService({ dataDir, logger, ...options });
  const server: Server = createServer(async (req, res) => {
    for (const route of service.routes) if (await route.handle(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    service,
    logs,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await service.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
