/**
 * `npm start`: builds what is missing (hand models, the studio) with its progress on screen,
 * then runs the engine and the studio together on embedded defaults and prints where to open
 * them. Ctrl+C, or SIGINT/SIGTERM/SIGHUP to this process or to npm's, stops everything.
 *
 * Env: PORT (studio, default 3000), ENGINE_PORT (engine, default 3001), REGISTRY_PORT (the npm
 * registry in the box, default 4873; BAMBAM_NPM_REGISTRY points the engine elsewhere), HOST (default
 * 127.0.0.1; 0.0.0.0 to serve your network — then configure ICE and allowed hosts, see README),
 * BAMBAM_TLS_CERT + BAMBAM_TLS_KEY (PEM files: the studio serves HTTPS). The studio's server
 * (apps/web/server.ts) serves the engine's API and socket.io under its own origin, so pages
 * need only the studio's address; media still flows to the engine's ICE candidates.
 *
 * Run through `scripts/start.mjs` (the Node version check). npm runs scripts with `sh -c`, and
 * sh does not pass a signal on to its child: package.json's `exec node …` makes this process
 * the one npm signals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { ENGINE_NODE_FLAGS } from '../apps/engine/src/node-flags.ts';

const root = path.resolve(import.meta.dirname, '..');
const studioPort = Number(process.env.PORT ?? 3000);
const enginePort = Number(process.env.ENGINE_PORT ?? 3001);
const registryPort = Number(process.env.REGISTRY_PORT ?? 4873);
const host = process.env.HOST ?? '127.0.0.1';
const browserHost = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
/** After a stop signal, what still runs after this long is killed. The engine allows itself 5 s. */
const STOP_GRACE_MS = 8000;
/** A line about the build at least this often, even when the build itself is quiet. */
const HEARTBEAT_MS = 15_000;
/** Turbo's build tasks, named for people. */
const TASK_LABELS: Record<string, string> = {
  '@bambam/hand-tracker': 'hand models',
  '@bambam/web': 'studio',
};

const children = new Set<ChildProcess>();
let stopping: NodeJS.Signals | undefined;

/**
 * Each child leads a process group of its own, so that stopping it reaches what it started too
 * (turbo's tasks, Next's workers). This process forwards Ctrl+C to them.
 */
function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; name: string; pipe?: boolean },
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1', ...options.env },
    stdio: ['ignore', options.pipe ? 'pipe' : 'inherit', options.pipe ? 'pipe' : 'inherit'],
    detached: true,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.on('error', (error) => console.error(`start: could not run ${options.name}: ${error.message}`));
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? 1);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second Ctrl+C: no more waiting.
    for (const child of children) signalGroup(child, 'SIGKILL');
    return;
  }
  stopping = signal;
  if (children.size > 0) console.log(`\nstart: ${signal}, stopping… (again to force)`);
  for (const child of children) signalGroup(child, signal);
  setTimeout(() => {
    for (const child of children) {
      console.error(`start: ${child.spawnargs.slice(0, 3).join(' ')} did not stop in time; killing it`);
      signalGroup(child, 'SIGKILL');
    }
  }, STOP_GRACE_MS).unref();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
// Last resort (an uncaught error here): leave nothing running behind.
process.on('exit', () => {
  for (const child of children) signalGroup(child, 'SIGKILL');
});

/** Streams turbo's build output as `[ 12s studio] …` lines, with a heartbeat when it is quiet. */
function showBuild(build: ChildProcess, firstRun: boolean): void {
  const started = performance.now();
  const elapsed = () => `${Math.round((performance.now() - started) / 1000)}s`.padStart(4);
  let current = 'build';
  let lastLine = performance.now();
  const heartbeat = setInterval(() => {
    if (performance.now() - lastLine < HEARTBEAT_MS) return;
    lastLine = performance.now();
    const usual = firstRun ? '; the first build usually takes 1–2 minutes' : '';
    console.log(`[${elapsed()}] start: still building the ${current}${usual}…`);
  }, 1000);
  build.once('exit', () => clearInterval(heartbeat));
  const onLine = (line: string) => {
    const task = /^(@[\w-]+\/[\w-]+):build: ?(.*)$/.exec(line);
    if (task) {
      const label = TASK_LABELS[task[1]!] ?? task[1]!;
      const text = task[2]!;
      if (/^cache hit/.test(text)) return; // up to date: nothing to say
      if (label !== current) {
        current = label;
        if (/^cache (miss|bypass)/.test(text)) {
          console.log(`[${elapsed()}] start: building the ${label}…`);
          lastLine = performance.now();
          return;
        }
      }
      if (!text.trim()) return;
      console.log(`[${elapsed()} ${label}] ${text}`);
    } else if (line.trim() && !/^\s*(•|Packages in scope|Running build|Remote caching)/.test(line)) {
      console.log(`[${elapsed()}] ${line.trim()}`);
    }
    lastLine = performance.now();
  };
  for (const stream of [build.stdout, build.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
}

/** Resolves once something accepts connections on `port`, or after `timeoutMs` (false). */
async function listening(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  const target = host === '0.0.0.0' ? '127.0.0.1' : host;
  while (performance.now() < deadline && !stopping) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: target }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

// 1. Build what is not built yet. Turbo caches, so this takes seconds after the first time.
const firstRun = !existsSync(path.join(root, 'apps/web/.next/BUILD_ID'));
console.log(
  firstRun
    ? 'start: first run — converting the hand models to ONNX, then building the studio (next build).\n' +
        '       Usually 1–2 minutes; progress below.'
    : 'start: checking builds…',
);
const build = run(bin('turbo'), ['run', 'build', '--output-logs=new-only'], {
  name: 'turbo build',
  pipe: true,
});
showBuild(build, firstRun);
const buildCode = await exited(build);
if (stopping) process.exit(0);
if (buildCode !== 0) {
  console.error(
    'start: the build failed (see above). Fix the error, or run `npm run build` to see every step.',
  );
  process.exit(buildCode);
}

// 2. The engine and the studio, side by side. The studio forwards /api and /socket.io to the
// engine (BAMBAM_ENGINE_UPSTREAM), so the browser only needs the studio's address.
const engineUrl = `http://${browserHost}:${enginePort}`;
const engineConnectHost =
  host === '0.0.0.0'
    ? '127.0.0.1'
    : host === '::'
      ? '[::1]'
      : host.includes(':') && !host.startsWith('[')
        ? `[${host}]`
        : host;
// Certificate paths as the user typed them: relative to where `npm start` ran (npm's INIT_CWD).
const userDir = process.env.INIT_CWD ?? process.cwd();
const tlsEnv: Record<string, string> = {};
for (const name of ['BAMBAM_TLS_CERT', 'BAMBAM_TLS_KEY'] as const) {
  const value = process.env[name]?.trim();
  if (value) tlsEnv[name] = path.resolve(userDir, value);
}
const studioScheme = tlsEnv.BAMBAM_TLS_CERT && tlsEnv.BAMBAM_TLS_KEY ? 'https' : 'http';
const studioUrl = `${studioScheme}://${browserHost}:${studioPort}`;
// The npm registry in the box: authors install @bambam/* from it and publish plugins to it; the
// engine loads plugins from it unless BAMBAM_NPM_REGISTRY names another registry.
const registryUrl = `http://${browserHost}:${registryPort}/`;
const npmRegistry = process.env.BAMBAM_NPM_REGISTRY?.trim() || `http://${engineConnectHost}:${registryPort}/`;
const registry = run(process.execPath, ['apps/npm-registry/src/main.ts'], {
  name: 'the npm registry',
  env: { REGISTRY_PORT: String(registryPort), HOST: host },
});
const engine = run(process.execPath, [...ENGINE_NODE_FLAGS, 'apps/engine/src/main.ts'], {
  name: 'the engine',
  env: { ENGINE_PORT: String(enginePort), HOST: host, BAMBAM_NPM_REGISTRY: npmRegistry },
});
const studio = run(process.execPath, ['server.ts'], {
  cwd: path.join(root, 'apps/web'),
  name: 'the studio',
  env: {
    BAMBAM_ENGINE_UPSTREAM: `http://${engineConnectHost}:${enginePort}`,
    PORT: String(studioPort),
    HOST: host,
    ...tlsEnv,
  },
});

void Promise.all([
  listening(enginePort, 60_000),
  listening(studioPort, 60_000),
  listening(registryPort, 60_000),
]).then(([engineUp, studioUp, registryUp]) => {
  if (!engineUp || !studioUp || stopping) return;
  const registryLine = registryUp
    ? `  Registry: ${registryUrl}  (npm; write an instrument: npm exec --registry=${registryUrl} --package=@bambam/cli -- bambam init my-drum)\n`
    : '  Registry: did not start (see above); plugins load from BAMBAM_NPM_REGISTRY if set.\n';
  console.log(
    `\n  Bam Bam is running.\n  Studio:  ${studioUrl}/play  (allow the camera, then move a hand down)\n` +
      `  Editor:  ${studioUrl}/edit\n  Engine:  served by the studio (${studioUrl}/api, /socket.io); ` +
      `directly at ${engineUrl}  (metrics at ${engineUrl}/metrics)\n${registryLine}  Ctrl+C stops everything.\n`,
  );
});

// If either dies, stop the other and report which.
const engineExit = exited(engine);
const studioExit = exited(studio);
const first = await Promise.race([
  engineExit.then((code) => `engine exited with code ${code}`),
  studioExit.then((code) => `studio exited with code ${code}`),
]);
// Stopped on request: exit 0. One of them died on its own: exit 1.
const died = !stopping;
if (died) {
  console.error(`start: the ${first}; stopping.`);
  stop('SIGTERM');
}
// The registry is not essential to playing: its exit alone stops nothing, but it stops with the rest.
await Promise.all([engineExit, studioExit, exited(registry)]);
process.exit(died ? 1 : 0);
