/**
 * `npm start` stops cleanly when npm's own PID gets SIGINT or SIGTERM (how process managers stop
 * it), not only on Ctrl+C to the whole process group: npm, the start script, the engine, the
 * studio and whatever they started all exit, and both ports are free again. Uses the studio
 * build that `npm test` (turbo) makes before the end-to-end tests; skips without one.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const STUDIO_BUILT = existsSync(path.join(REPO, 'apps/web/.next/BUILD_ID'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Every process below `pid`, from /proc (they lead process groups of their own). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
};

async function until(what: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await what()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return what();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`npm start stops on ${signal} to npm's PID: every child exits, both ports are free`, async (t) => {
    if (!STUDIO_BUILT) return t.skip('the studio is not built (apps/web/.next): run `npm run build` first');
    const [studioPort, enginePort] = [await freePort(), await freePort()];
    const npm: ChildProcess = spawn('npm', ['start'], {
      cwd: REPO,
      env: { ...process.env, PORT: String(studioPort), ENGINE_PORT: String(enginePort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    npm.stdout!.on('data', (chunk) => (output += chunk));
    npm.stderr!.on('data', (chunk) => (output += chunk));
    const npmExit = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    let tree: number[] = [];
    try {
      const running = await until(() => output.includes('Bam Bam is running'), 180_000);
      assert.ok(running, `npm start did not come up:\n${output}`);
      assert.ok(await accepts(studioPort), 'the studio listens');
      assert.ok(await accepts(enginePort), 'the engine listens');
      tree = descendants(npm.pid!);
      assert.ok(tree.length >= 3, `start, engine and studio run under npm (${tree.length} processes)`);

      const started = performance.now();
      process.kill(npm.pid!, signal);
      const stopped = await until(() => !alive(npm.pid!) && tree.every((pid) => !alive(pid)), 10_000);
      const ms = performance.now() - started;
      const left = tree
        .filter(alive)
        .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      assert.ok(stopped, `still running ${ms.toFixed(0)} ms after ${signal}: ${left.join('; ')}\n${output}`);
      console.log(`${signal}: npm and ${tree.length} processes under it exited in ${ms.toFixed(0)} ms`);
      assert.equal(await npmExit, 0, output);
      assert.equal(await accepts(studioPort), false, 'the studio port is free');
      assert.equal(await accepts(enginePort), false, 'the engine port is free');
    } finally {
      for (const pid of [npm.pid!, ...tree]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
}
