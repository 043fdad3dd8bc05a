/**
 * Test helpers for the registry's tests: a real registry service on a free port in a temp
 * data dir, and real bundles built from plugin source text with the sandbox's compiler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePlugin, PluginSandbox } from '@bambam/runtime';
import sdkPackage from '@bambam/sdk/package.json' with { type: 'json' };
import { sha256Hex } from './blobs.ts';
import { createRegistryService, type RegistryService, type RegistryServiceOptions } from './index.ts';
import type { Manifest } from './manifest.ts';
import { createToken } from './tokens.ts';
import type { RegistryLogger } from './types.ts';
import { soundFacts } from './validate.ts';

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
  version: '${spec.version ?? '1.0.0'}',
  description: '${spec.description ?? 'A test drum.'}',
  sounds: { hit: { kind: 'tone', instrument: 'MembraneSynth', note: '${spec.note ?? 'C2'}', duration: 0.1, length: 0.3 } },
  params: { gain: { type: 'number', default: 1, min: 0, max: 2 } },
  onFrame(frame, ctx) { if (frame.hands.length > 0) ctx.play('hit'); },
});
`;
}

export interface Upload {
  manifest: Manifest;
  bundle: Buffer;
  sourceMap: Buffer;
  body: { manifest: Manifest; bundle: string; sourceMap: string };
}

/** Compiles `source` like `bambam build` does and derives its manifest from the loaded plugin. */
export async function buildUpload(source: string, overrides: Partial<Manifest> = {}): Promise<Upload> {
  const compiled = await compilePlugin({ source, filename: 'index.ts' });
  const bundle = Buffer.from(compiled.code);
  const sourceMap = Buffer.from(compiled.sourceMap);
  let facts: Pick<Manifest, 'name' | 'version' | 'description' | 'sounds' | 'params'>;
  try {
    const sandbox = await PluginSandbox.load(compiled);
    const d = sandbox.description;
    facts = {
      name: d.name,
      version: d.version,
      description: d.description,
      sounds: soundFacts(d.sounds),
      params: d.params as Manifest['params'],
    };
    sandbox.dispose();
  } catch {
    // A plugin meant to fail: describe it as its source says.
    facts = {
      name: 'broken',
      version: '1.0.0',
      description: 'Broken.',
      sounds: { hit: { kind: 'tone', instrument: 'MembraneSynth' } },
      params: {},
    };
  }
  const manifest: Manifest = {
    ...facts,
    sdk: `^${sdkPackage.version}`,
    bundle: { sha256: sha256Hex(bundle), size: bundle.length },
    sourceMap: { sha256: sha256Hex(sourceMap), size: sourceMap.length },
    ...overrides,
  } as Manifest;
  return {
    manifest,
    bundle,
    sourceMap,
    body: { manifest, bundle: bundle.toString('base64'), sourceMap: sourceMap.toString('base64') },
  };
}

export interface RunningRegistry {
  url: string;
  dataDir: string;
  service: RegistryService;
  logs: string[];
  token(owner: string): Promise<{ token: string; id: string }>;
  /** Stops the server and the service; the data dir stays (for restart tests). */
  stop(): Promise<void>;
}

/** A real registry service behind a real HTTP server on a free loopback port. */
export async function startRegistry(
  dataDir = mkdtempSync(join(tmpdir(), 'bambam-registry-')),
  options: Partial<RegistryServiceOptions> = {},
): Promise<RunningRegistry> {
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
    async token(owner) {
      const { token, record } = await createToken(service.store, owner);
      return { token, id: record.id };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      await service.dispose();
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** POSTs a publish; returns status and parsed JSON. */
export async function publish(
  url: string,
  body: unknown,
  token?: string,
): Promise<{
  status: number;
  json: { error?: { code: string; message: string; location?: unknown } } & Record<string, unknown>;
}> {
  const response = await fetch(`${url}/api/plugins`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as never };
}
