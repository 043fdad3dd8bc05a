/**
 * A throwaway PostgreSQL server for a test: `initdb` into a temporary directory, `postgres` on
 * a free port on 127.0.0.1 (trust auth, no fsync: a test's data is disposable), stopped and
 * removed on `dispose()`. Uses Debian's PostgreSQL (`apt-get install postgresql`; `.ci/run`
 * installs it) or the binaries in `PG_BIN`. As root (CI), the server runs as the `postgres`
 * user, since PostgreSQL refuses to run as root.
 *
 * ```ts
 * const pg = await startPostgres();      // skip the test when absent: postgresMissing()
 * after(() => pg.dispose());
 * const url = pg.url;                     // postgres://bambam@127.0.0.1:PORT/bambam
 * ```
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A TCP port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

export interface RunningPostgres {
  /** Connection URL for the `bambam` database. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (data kept): for "the database went away" tests. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its data. Safe to call twice. */
  dispose(): Promise<void>;
}

/** The directory of PostgreSQL's server binaries, or undefined when none is installed. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN && existsSync(path.join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

/** Why a PostgreSQL test cannot run here, or undefined when it can. */
export function postgresMissing(): string | undefined {
  return postgresBinDir()
    ? undefined
    : 'PostgreSQL is not installed (apt-get install postgresql, or set PG_BIN); .ci/run installs it';
}

export async function startPostgres(): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(postgresMissing());
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bambam-pg-'));
  const data = path.join(dir, 'data');
  // As root: run PostgreSQL's programs as the postgres user (Node's spawn sets uid/gid itself,
  // so signals reach postgres directly, with no runuser in between).
  const user: { uid?: number; gid?: number } = {};
  if (asRoot) {
    user.uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    user.gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, user.uid, user.gid);
  }
  const run = (command: string, args: string[]) => {
    execFileSync(command, args, { stdio: 'pipe', cwd: dir, ...user });
  };
  run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'bambam', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  let server: ChildProcess | undefined;
  let output = '';

  async function start(): Promise<void> {
    server = spawn(
      path.join(bin!, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir, ...user },
    );
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) throw new Error(`postgres exited:\n${output}`);
      try {
        execFileSync(path.join(bin!, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-q']);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`postgres did not accept connections in 30 s:\n${output}`);
  }

  async function stop(): Promise<void> {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    // SIGINT is PostgreSQL's "fast shutdown": clients are disconnected at once.
    running.kill('SIGINT');
    await exited;
  }

  await start();
  execFileSync(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'bambam', 'bambam']);
  let disposed = false;
  return {
    url: `postgres://bambam@127.0.0.1:${port}/bambam`,
    port,
    stop,
    start,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
