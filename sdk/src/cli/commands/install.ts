/**
 * `bambam install <name>[@range]`: fetches a published plugin into a local folder,
 * verifying the bundle (and source map) against the SHA-256 in its manifest.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import {
  BUNDLE_FILE,
  EXIT,
  MANIFEST_FILE,
  type PluginManifest,
  SOURCE_MAP_FILE,
  sha256Hex,
} from './build.ts';
import { readConfig, registryMessage, registryRequest, registryUrl } from './publish.ts';

export const DEFAULT_INSTALL_DIR = 'bambam_plugins';
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** `name`, `name@1.2.3`, `name@^1.0.0`. */
export function parseSpec(spec: string): { name: string; range: string } {
  const at = spec.indexOf('@');
  const name = at === -1 ? spec : spec.slice(0, at);
  const range = at === -1 ? '*' : spec.slice(at + 1);
  if (!NAME.test(name)) throw new UsageError(`invalid plugin name '${name}'`);
  if (!range) throw new UsageError(`empty version range in '${spec}'`);
  return { name, range };
}

interface Resolved {
  name: string;
  version: string;
  manifest: PluginManifest;
}

export async function install(
  base: URL,
  spec: { name: string; range: string },
  intoDir: string,
): Promise<{ version: string; dir: string; manifest: PluginManifest }> {
  const query = `/api/plugins/${spec.name}/resolve?range=${encodeURIComponent(spec.range)}`;
  const found = await registryRequest(base, query);
  if (found.status === 404) {
    throw new CommandError(`${spec.name}@${spec.range} not found: ${registryMessage(found)}`, EXIT.notFound);
  }
  if (found.status !== 200)
    throw new CommandError(`registry refused: ${registryMessage(found)}`, EXIT.refused);
  const resolved = JSON.parse(found.body.toString('utf8')) as Resolved;
  const id = `${resolved.name}@${resolved.version}`;
  const download = async (what: string, path: string, expected: string) => {
    const answer = await registryRequest(base, path);
    if (answer.status !== 200) {
      throw new CommandError(
        `could not download the ${what} of ${id}: ${registryMessage(answer)}`,
        EXIT.failure,
      );
    }
    const actual = sha256Hex(answer.body);
    if (actual !== expected) {
      throw new CommandError(
        `the ${what} of ${id} failed verification: expected SHA-256 ${expected}, got ${actual}; nothing was installed`,
        EXIT.integrity,
      );
    }
    return answer.body;
  };
  const versionPath = `/api/plugins/${resolved.name}/${encodeURIComponent(resolved.version)}`;
  const bundle = await download('bundle', `${versionPath}/bundle`, resolved.manifest.bundle.sha256);
  const sourceMap = resolved.manifest.sourceMap
    ? await download('source map', `${versionPath}/sourcemap`, resolved.manifest.sourceMap.sha256)
    : undefined;
  // Written beside the target, then renamed over it: an install is all or nothing.
  const target = join(intoDir, resolved.name);
  const staging = `${target}.installing-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, BUNDLE_FILE), bundle);
  if (sourceMap) await writeFile(join(staging, SOURCE_MAP_FILE), sourceMap);
  await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(resolved.manifest, null, 2)}\n`);
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  return { version: resolved.version, dir: target, manifest: resolved.manifest };
}

const command: Command = {
  name: 'install',
  summary: 'Fetch a published plugin into a local folder (hash verified)',
  help: `
Usage: bambam install <name>[@range] [--dir DIR] [--registry URL]

Resolves <name>@<range> (default: the latest version) on the registry, downloads its bundle
and source map, verifies them against the SHA-256 in the manifest, and writes
<DIR>/<name>/{plugin.js, plugin.js.map, manifest.json}.

Options:
  --dir DIR        where to install (default: ./${DEFAULT_INSTALL_DIR})
  --registry URL   registry (default: env BAMBAM_REGISTRY, config "registry", else http://localhost:3001)

Exit codes: 0 installed, 1 registry error, 2 usage, 4 registry unreachable, 5 refused,
6 not found, 7 verification failed (nothing written).

Examples:
  bambam install bam-drum
  bambam install my-drum@^1.2.0 --dir vendor/plugins
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      dir: { type: 'string' },
      registry: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one <name>[@range]');
    const spec = parseSpec(positionals[0]!);
    const base = registryUrl(values.registry, io.env, await readConfig(io.env));
    const into = resolve(io.cwd, values.dir ?? DEFAULT_INSTALL_DIR);
    const { version, dir } = await install(base, spec, into);
    io.stdout.write(
      `Installed ${spec.name}@${version} into ${relative(io.cwd, dir) || dir} (SHA-256 verified)\n`,
    );
    return 0;
  },
};

export default command;
