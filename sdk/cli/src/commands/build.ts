/**
 * `bambam build [dir]`: bundles a plugin into `dist/plugin.js` (+ `plugin.js.map`) and writes
 * `dist/manifest.json`, after proving the bundle loads in the sandbox and its sounds render.
 * The manifest's facts (name, version, sounds, params…) are read from the loaded plugin, so
 * they cannot disagree with the bundle; the registry checks them again on publish.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Manifest } from '@bambam/protocol';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { SDK_VERSION } from '../versions.ts';

/** Exit codes shared by build, publish and install. 2 is a usage error (see command.ts). */
export const EXIT = {
  failure: 1,
  notBuilt: 3,
  unreachable: 4,
  refused: 5,
  notFound: 6,
  integrity: 7,
  noToken: 8,
} as const;

export const DIST = 'dist';
export const BUNDLE_FILE = 'plugin.js';
export const SOURCE_MAP_FILE = 'plugin.js.map';
export const MANIFEST_FILE = 'manifest.json';

export const sha256Hex = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex');

async function sdkRange(dir: string): Promise<string> {
  const fallback = `^${SDK_VERSION}`;
  const path = join(dir, 'package.json');
  if (!existsSync(path)) return fallback;
  try {
    const pkg = JSON.parse(await readFile(path, 'utf8'));
    const declared = pkg.peerDependencies?.['@bambam/sdk'] ?? pkg.dependencies?.['@bambam/sdk'];
    return typeof declared === 'string' && /^[\^~]?\d/.test(declared) ? declared : fallback;
  } catch (error) {
    throw new CommandError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function where(location: { file?: string; line: number; column: number } | undefined): string {
  return location ? ` (${location.file ?? 'plugin'}:${location.line}:${location.column})` : '';
}

/** Builds the plugin in `dir`; returns the manifest it wrote. */
export async function buildPlugin(dir: string, outDir = join(dir, DIST)): Promise<Manifest> {
  const { compilePlugin, PluginError, PluginSandbox, SoundBank, soundFacts } = await import(
    '@bambam/runtime'
  );
  let compiled: Awaited<ReturnType<typeof compilePlugin>>;
  try {
    compiled = await compilePlugin({ entry: dir });
  } catch (error) {
    const e = error as InstanceType<typeof PluginError>;
    throw new CommandError(`does not compile: ${e.message}${where(e.location)}`);
  }
  let sandbox: InstanceType<typeof PluginSandbox>;
  try {
    sandbox = await PluginSandbox.load(compiled);
  } catch (error) {
    const e = error as InstanceType<typeof PluginError>;
    throw new CommandError(`fails to load in the sandbox: ${e.message}${where(e.location)}`);
  }
  const description = sandbox.description;
  sandbox.dispose();
  try {
    await SoundBank.render(description.sounds);
  } catch (error) {
    throw new CommandError(`a sound fails to render: ${(error as Error).message}`);
  }
  const bundle = Buffer.from(compiled.code, 'utf8');
  const map = Buffer.from(compiled.sourceMap, 'utf8');
  const manifest: Manifest = {
    name: description.name,
    version: description.version,
    sdk: await sdkRange(dir),
    description: description.description,
    ...(description.author === undefined ? {} : { author: description.author }),
    sounds: soundFacts(description.sounds),
    params: description.params ?? {},
    bundle: { sha256: sha256Hex(bundle), size: bundle.length },
    sourceMap: { sha256: sha256Hex(map), size: map.length },
  };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, BUNDLE_FILE), bundle);
  await writeFile(join(outDir, SOURCE_MAP_FILE), map);
  await writeFile(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

const build: Command = {
  name: 'build',
  summary: 'Bundle a plugin into dist/ with its manifest (checks it loads and its sounds render)',
  help: `
Usage: bambam build [dir] [--out DIR]

Bundles the plugin in [dir] (default: the current directory; its package.json "main" or
src/index.ts) into one script, loads it in the sandbox, renders its sounds, and writes:
  dist/plugin.js       the bundle
  dist/plugin.js.map   its source map
  dist/manifest.json   name, version, SDK range, description, author, sounds, params, SHA-256

Options:
  --out DIR   output directory (default: <dir>/dist)

Exit codes: 0 built, 1 the plugin does not compile, load or render, 2 usage.

Example:
  bambam build plugins/my-drum
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' } });
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    if (!existsSync(dir)) throw new CommandError(`no such directory: ${dir}`);
    const outDir = values.out ? resolve(io.cwd, values.out) : join(dir, DIST);
    const manifest = await buildPlugin(dir, outDir);
    const shown = relative(io.cwd, outDir) || '.';
    io.stdout.write(
      `Built ${manifest.name}@${manifest.version} → ${join(shown, BUNDLE_FILE)} (${manifest.bundle.size} bytes, sha256 ${manifest.bundle.sha256})\n` +
        `  sounds: ${Object.keys(manifest.sounds).join(', ')}; params: ${Object.keys(manifest.params).join(', ') || 'none'}; sdk ${manifest.sdk}\n`,
    );
    return 0;
  },
};

export default build;
