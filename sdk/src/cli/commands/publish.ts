/**
 * `bambam publish [dir]`: uploads a built plugin (`dist/`) to a Bam Bam registry. Also the
 * registry client shared with `bambam install`: where the registry is, which token to use,
 * and requests whose failures become clear {@link CommandError}s with distinct exit codes.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Command, CommandError, type CommandIO, parseCommandArgs, UsageError } from '../command.ts';
import {
  BUNDLE_FILE,
  DIST,
  EXIT,
  MANIFEST_FILE,
  type PluginManifest,
  SOURCE_MAP_FILE,
  sha256Hex,
} from './build.ts';

export const DEFAULT_REGISTRY = 'http://localhost:3001';
/** Publishing waits for the registry to load the bundle in its sandbox and render its sounds. */
const PUBLISH_TIMEOUT_MS = 120_000;
const READ_TIMEOUT_MS = 30_000;

/** `~/.config/bambam/config.json` (or `BAMBAM_CONFIG`): `{ "registry"?: string, "token"?: string }`. */
export interface CliConfig {
  registry?: string;
  token?: string;
}

export function configPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.BAMBAM_CONFIG) return env.BAMBAM_CONFIG;
  const base = env.XDG_CONFIG_HOME ?? (env.HOME ? join(env.HOME, '.config') : undefined);
  return base ? join(base, 'bambam', 'config.json') : undefined;
}

export async function readConfig(env: NodeJS.ProcessEnv): Promise<CliConfig> {
  const path = configPath(env);
  if (!path || !existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CommandError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object')
    throw new CommandError(`config file ${path} must hold a JSON object`);
  const { registry, token } = parsed as Record<string, unknown>;
  return {
    ...(typeof registry === 'string' ? { registry } : {}),
    ...(typeof token === 'string' ? { token } : {}),
  };
}

/** `--registry`, else `BAMBAM_REGISTRY`, else the config file, else {@link DEFAULT_REGISTRY}. */
export function registryUrl(option: string | undefined, env: NodeJS.ProcessEnv, config: CliConfig): URL {
  const raw = option ?? env.BAMBAM_REGISTRY ?? config.registry ?? DEFAULT_REGISTRY;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`invalid registry URL '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`registry URL must be http(s): '${raw}'`);
  return url;
}

const CREATE_TOKEN_HINT =
  'the registry operator creates tokens with `node apps/engine/src/registry/cli.ts token create <owner>`';

/**
 * `--token`, else `BAMBAM_TOKEN`, else the config file. Never printed. A token that cannot be one
 * (not printable ASCII, spaces inside, the docs' `bbt_…` placeholder) is refused here, with exit
 * code 8 like a missing one: sent, it would fail before reaching the registry.
 */
export function publishToken(option: string | undefined, env: NodeJS.ProcessEnv, config: CliConfig): string {
  const file = configPath(env) ?? '~/.config/bambam/config.json';
  const [raw, from] =
    option !== undefined
      ? [option, '--token']
      : env.BAMBAM_TOKEN !== undefined
        ? [env.BAMBAM_TOKEN, 'BAMBAM_TOKEN']
        : [config.token, `"token" in ${file}`];
  const token = raw?.trim();
  if (!token) {
    throw new CommandError(
      `no token: pass --token, set BAMBAM_TOKEN, or put "token" in ${file} (${CREATE_TOKEN_HINT})`,
      EXIT.noToken,
    );
  }
  const problem = tokenProblem(token);
  if (problem) {
    throw new CommandError(
      `the token from ${from} is not a valid token: ${problem}. Use the token the registry operator gave you (it starts with bbt_; ${CREATE_TOKEN_HINT})`,
      EXIT.noToken,
    );
  }
  return token;
}

/** Why `token` cannot be a token, or undefined. Never quotes the token itself. */
export function tokenProblem(token: string): string | undefined {
  if (/^bbt_(…|\.\.\.)$/.test(token)) return 'it is the placeholder `bbt_…` from the documentation';
  if (/\s/.test(token)) return 'it contains a space or line break';
  const bad = [...token].find((char) => char < '!' || char > '~');
  if (bad) {
    const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `it contains U+${code}${bad === '…' ? ' (…)' : ''}, and tokens are plain ASCII`;
  }
  return undefined;
}

export interface RegistryAnswer {
  status: number;
  body: Buffer;
  headers: Headers;
}

/** One request to the registry. Network failures → exit code 4 with the URL (never the token). */
export async function registryRequest(
  base: URL,
  path: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<RegistryAnswer> {
  const url = new URL(path, base);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? READ_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const timedOut = (error as Error).name === 'TimeoutError';
    // fetch rejects a request it cannot even build (a header that is not Latin-1…) with a
    // TypeError without a cause: nothing was sent, so the registry was not "unreachable".
    if (!timedOut && !cause) {
      throw new CommandError(
        `could not send the request to ${base.origin}: ${(error as Error).message}`,
        EXIT.failure,
      );
    }
    const reason = timedOut ? 'timed out' : (cause?.code ?? cause?.message);
    throw new CommandError(
      `registry unreachable at ${base.origin} (${reason}). Start it with \`npm start\` (or \`npm start -w @bambam/engine\`) in the Bam Bam repository, or point --registry or BAMBAM_REGISTRY at a running one`,
      EXIT.unreachable,
    );
  }
  return {
    status: response.status,
    body: Buffer.from(await response.arrayBuffer()),
    headers: response.headers,
  };
}

/** The registry's error message from an `{ error: { message } }` answer, or the status line. */
export function registryMessage(answer: RegistryAnswer): string {
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      error?: { message?: string; location?: { file?: string; line: number; column: number } };
    };
    const message = parsed.error?.message;
    const loc = parsed.error?.location;
    if (message) return loc ? `${message} (${loc.file ?? 'plugin'}:${loc.line}:${loc.column})` : message;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${answer.status}`;
}

async function readBuilt(
  dir: string,
): Promise<{ manifest: PluginManifest; bundle: Buffer; sourceMap?: Buffer }> {
  const dist = join(dir, DIST);
  const manifestPath = join(dist, MANIFEST_FILE);
  const bundlePath = join(dist, BUNDLE_FILE);
  if (!existsSync(manifestPath) || !existsSync(bundlePath)) {
    throw new CommandError(
      `not built: ${manifestPath} is missing; run \`bambam build\` first`,
      EXIT.notBuilt,
    );
  }
  let manifest: PluginManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new CommandError(
      `${manifestPath} is not valid JSON (${(error as Error).message}); rebuild`,
      EXIT.notBuilt,
    );
  }
  const bundle = await readFile(bundlePath);
  if (sha256Hex(bundle) !== manifest.bundle?.sha256) {
    throw new CommandError(
      `${bundlePath} does not match its manifest's SHA-256 (modified after the build?); rebuild`,
      EXIT.notBuilt,
    );
  }
  const mapPath = join(dist, SOURCE_MAP_FILE);
  const sourceMap = existsSync(mapPath) ? await readFile(mapPath) : undefined;
  return { manifest, bundle, ...(sourceMap ? { sourceMap } : {}) };
}

/** Uploads the build in `dir`; `token` is asked for only once the build is known to be there. */
export async function publish(
  dir: string,
  base: URL,
  token: string | (() => string),
): Promise<{ name: string; version: string }> {
  const { manifest, bundle, sourceMap } = await readBuilt(dir);
  const secret = typeof token === 'function' ? token() : token;
  const body = JSON.stringify({
    manifest,
    bundle: bundle.toString('base64'),
    ...(sourceMap ? { sourceMap: sourceMap.toString('base64') } : {}),
  });
  const answer = await registryRequest(base, '/api/plugins', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body,
    timeoutMs: PUBLISH_TIMEOUT_MS,
  });
  if (answer.status === 201) return { name: manifest.name, version: manifest.version };
  const id = `${manifest.name}@${manifest.version}`;
  const reason = registryMessage(answer);
  const refusals: Record<number, string> = {
    400: 'refused (bad upload)',
    401: 'refused (token)',
    403: 'refused (not your plugin)',
    409: 'refused (version exists)',
    413: 'refused (too large)',
    415: 'refused',
    422: 'refused (validation failed)',
  };
  const what = refusals[answer.status];
  const todo: Record<number, string> = {
    401: `; check the token (--token, BAMBAM_TOKEN or the config file): it may be mistyped or revoked (${CREATE_TOKEN_HINT})`,
    403: '; the name belongs to another owner: rename your plugin ("name" in its definition)',
    409: '; versions are immutable: bump "version" in the plugin, `bambam build`, and publish again',
    413: '; make the bundle or its samples smaller',
  };
  if (what) throw new CommandError(`${id} ${what}: ${reason}${todo[answer.status] ?? ''}`, EXIT.refused);
  throw new CommandError(`${id}: the registry failed (HTTP ${answer.status}): ${reason}`, EXIT.failure);
}

const command: Command = {
  name: 'publish',
  summary: 'Upload the built plugin (dist/) to a Bam Bam registry',
  help: `
Usage: bambam publish [dir] [--registry URL] [--token TOKEN]

Uploads [dir]/dist (default: the current directory) as built by \`bambam build\`. The registry
loads it in its sandbox, renders its sounds and checks the manifest before accepting it.
Versions are immutable: bump "version" in the plugin to publish again.

Options:
  --registry URL   registry (default: env BAMBAM_REGISTRY, config "registry", else ${DEFAULT_REGISTRY})
  --token TOKEN    publish token (default: env BAMBAM_TOKEN, else "token" in the config file
                   ~/.config/bambam/config.json or env BAMBAM_CONFIG). Prefer the env or config:
                   command lines are visible to other users of the machine.

Exit codes: 0 published, 1 registry error, 2 usage, 3 not built (or dist/ modified),
4 registry unreachable, 5 refused (token, owner, version exists, too large, invalid),
8 no token, or one that cannot be a token (spaces, non-ASCII, the docs' bbt_… placeholder).

Example:
  BAMBAM_TOKEN=<your token> bambam publish --registry http://localhost:3001
`,
  async run(argv, io: CommandIO) {
    const { values, positionals } = parseCommandArgs(argv, {
      registry: { type: 'string' },
      token: { type: 'string' },
    });
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const config = await readConfig(io.env);
    const base = registryUrl(values.registry, io.env, config);
    const { name, version } = await publish(dir, base, () => publishToken(values.token, io.env, config));
    io.stdout.write(`Published ${name}@${version} to ${base.origin}\n`);
    return 0;
  },
};

export default command;
