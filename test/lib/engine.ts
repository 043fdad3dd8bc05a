/**
 * Runs a real engine for a test: a child process of `apps/engine/src/main.ts` (as in
 * production, and on its own event loop so the test's own work does not stall the engine's),
 * on a free port with a throwaway data dir. Ready when `/api/health` answers. Its output is
 * kept so a failing test can print it ({@link RunningEngine.output}).
 *
 * The engine refuses browser pages of origins it does not list (`BAMBAM_ALLOWED_ORIGINS`):
 * it allows the test client page's origin (the page server is opened now, see
 * client/server.ts) besides any origins in `env` (e.g. a studio's, `studioEngineEnv`).
 *
 * ```ts
 * const engine = await startEngine();
 * after(() => engine.dispose());
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_NODE_FLAGS } from '../../apps/engine/src/node-flags.ts';
import { clientPageOrigins } from './client/server.ts';
import { REPO_ROOT } from './fixtures.ts';

export const ENGINE_MAIN = path.join(REPO_ROOT, 'apps', 'engine', 'src', 'main.ts');

export interface EngineOptions {
  /** Extra environment for the engine (e.g. `BAMBAM_TRACKER_MODEL: 'lite'`). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the engine to answer /api/health, ms. Default 60 000 (first run converts models). */
  readonly startTimeoutMs?: number;
  /** Keep at most this many characters of output. Default 200 000. */
  readonly maxOutputChars?: number;
  /** Echo the engine's output to this process's stderr as it comes (`BAMBAM_ENGINE_LOG=1` does too). */
  readonly echo?: boolean;
  /** Node flags added to the engine's own (e.g. `--inspect=127.0.0.1:0` for a diagnosis). */
  readonly nodeFlags?: readonly string[];
}

export interface RunningEngine {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the engine printed so far (stdout and stderr, interleaved), for failure messages. */
  output(): string;
  /** GET a path of the engine, as text. */
  get(pathname: string): Promise<{ status: number; text: string }>;
  /** The /metrics text. */
  metrics(): Promise<string>;
  /** True while the process runs. */
  readonly alive: boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); removes the data dir. Safe to call twice. */
  dispose(graceMs?: number): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
/** Ports this process handed out: a port is free only until someone binds it, so never hand one out twice. */
const handedOut = new Set<number>();

/**
 * A TCP port free on 127.0.0.1 now and not handed out before by this process (a test that asks
 * for the studio's port and then starts the engine on another must not get the same one back).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (!address || typeof address === 'string') throw new Error('could not find a free port');
    if (handedOut.has(address.port)) continue;
    handedOut.add(address.port);
    return address.port;
  }
  throw new Error('could not find a free port not handed out before');
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * The page's origins plus those `env` already allows (`BAMBAM_ALLOWED_ORIGINS`, or its former
 * name `BAMBAM_CORS_ORIGINS`); `*` stays `*`.
 */
function allowedOrigins(pageOrigins: readonly string[], env: Record<string, string | undefined>): string {
  const given = env.BAMBAM_ALLOWED_ORIGINS || env.BAMBAM_CORS_ORIGINS;
  if (given?.trim() === '*') return '*';
  const listed = given ? given.split(',').map((s) => s.trim()) : [];
  return [...new Set([...pageOrigins, ...listed.filter(Boolean)])].join(',');
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEngine(options: EngineOptions = {}): Promise<RunningEngine> {
  if (!existsSync(ENGINE_MAIN)) throw new Error(`the engine's entry point is missing: ${ENGINE_MAIN}`);
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bambam-engine-data-'));
  const maxChars = options.maxOutputChars ?? 200_000;
  const echo = options.echo ?? process.env.BAMBAM_ENGINE_LOG === '1';
  let output = '';
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-maxChars);
    if (echo) process.stderr.write(`[engine] ${text}`);
  };

  const page = await clientPageOrigins();
  const child = spawn(
    process.execPath,
    // BAMBAM_ENGINE_NODE_FLAGS adds Node flags for a diagnosis (e.g. `--trace-gc`).
    [
      ...ENGINE_NODE_FLAGS,
      ...(process.env.BAMBAM_ENGINE_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
      ...(options.nodeFlags ?? []),
      ENGINE_MAIN,
    ],
    {
      cwd: path.dirname(path.dirname(ENGINE_MAIN)),
      env: {
        ...process.env,
        ENGINE_PORT: String(port),
        ENGINE_HOST: '127.0.0.1',
        BAMBAM_DATA_DIR: dataDir,
        // A fixed capacity, so that suites opening several sessions do not depend on the CI box's
        // cores (the estimate); admission tests set their own.
        BAMBAM_MAX_SESSIONS: process.env.BAMBAM_MAX_SESSIONS ?? '8',
        // dispose()'s SIGTERM stops at once; a drain test sets its own grace.
        BAMBAM_DRAIN_GRACE_MS: process.env.BAMBAM_DRAIN_GRACE_MS ?? '0',
        // Every test player comes from this machine: per-client limits would count them as one.
        BAMBAM_CLIENT_MAX_SESSIONS: process.env.BAMBAM_CLIENT_MAX_SESSIONS ?? '64',
        BAMBAM_CLIENT_SESSIONS_PER_MINUTE: process.env.BAMBAM_CLIENT_SESSIONS_PER_MINUTE ?? '600',
        ...options.env,
        BAMBAM_ALLOWED_ORIGINS: allowedOrigins(page.origins, { ...process.env, ...options.env }),
      },
      // The IPC channel only tells the engine when this process is gone (it then stops).
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  child.channel?.unref();
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = exited(child);

  const url = `http://127.0.0.1:${port}`;
  let disposed: Promise<void> | undefined;
  const engine: RunningEngine = {
    url,
    port,
    pid: child.pid ?? -1,
    output: () => output,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async get(pathname) {
      const res = await fetch(new URL(pathname, url), { signal: AbortSignal.timeout(5000) });
      return { status: res.status, text: await res.text() };
    },
    async metrics() {
      const { status, text } = await engine.get('/metrics');
      if (status !== 200) throw new Error(`/metrics answered ${status}: ${text.slice(0, 200)}`);
      return text;
    },
    dispose(graceMs = 5000) {
      disposed ??= (async () => {
        if (engine.alive) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exit;
          clearTimeout(timer);
        }
        await rm(dataDir, { recursive: true, force: true });
        await page.release();
      })();
      return disposed;
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (!engine.alive)
        throw new Error(`the engine exited (code ${child.exitCode}, signal ${child.signalCode})`);
      if (Date.now() > deadline) throw new Error(`the engine did not answer /api/health within the timeout`);
      try {
        const { status } = await engine.get('/api/health');
        if (status === 200) return engine;
      } catch {
        // Not listening yet.
      }
      await Promise.race([delay(200), exit]);
    }
  } catch (error) {
    await engine.dispose(1000);
    throw new Error(`${(error as Error).message}\n--- engine output ---\n${output.slice(-8000)}`);
  }
}
