import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function start(env: Record<string, string>, { ipc = false } = {}) {
  const child = spawn(process.execPath, ['--no-node-snapshot', MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out };
}

test('main prints where it listens, serves, and stops gracefully on SIGTERM', async () => {
  const { child, output } = start({ ENGINE_PORT: '0' });
  const deadline = Date.now() + 30_000;
  while (!/listening on (http:\/\/\S+)/.test(output()) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
  assert.ok(url, `no listening line in: ${output()}`);
  const health = (await (await fetch(`${url}/api/health`)).json()) as { ok: boolean };
  assert.equal(health.ok, true);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /stopped/);
});

test('started with an IPC channel, main stops when the parent goes away (the channel closes)', async () => {
  const { child, output } = start({ ENGINE_PORT: '0' }, { ipc: true });
  const deadline = Date.now() + 30_000;
  while (!/listening on/.test(output()) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.match(output(), /listening on/);
  child.disconnect(); // what a parent's death does to the channel
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /parent gone, closing 0 session\(s\)[\s\S]*stopped/);
});

test('a bad environment value is a clear error, exit code 2', async () => {
  const { child, output } = start({ ENGINE_PORT: 'eighty' });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(output(), /ENGINE_PORT must be an integer/);
});

/** The next `event` of a socket.io client socket (not a Node EventEmitter, so not `once`). */
function next<T = unknown>(
  socket: { once(event: string, listener: (value: T) => void): unknown },
  event: string,
) {
  return new Promise<T>((resolve) => socket.once(event, resolve));
}

/** Starts main and waits for its listening line. */
async function startListening(env: Record<string, string>) {
  const started = start({ ENGINE_PORT: '0', ...env });
  const deadline = Date.now() + 60_000;
  while (!/listening on (http:\/\/\S+)/.test(started.output()) && Date.now() < deadline) {
    if (started.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(started.output())?.[1];
  assert.ok(url, `no listening line in: ${started.output()}`);
  return { ...started, url };
}

test('PostgreSQL unreachable at start: exit code 2 and an error naming BAMBAM_DATABASE_URL, no password', async () => {
  const { child, output } = start({
    ENGINE_PORT: '0',
    BAMBAM_DATABASE_URL: 'postgres://bambam:hunter2@127.0.0.1:1/bambam',
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2, output());
  assert.match(output(), /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/bambam \(BAMBAM_DATABASE_URL\)/);
  assert.doesNotMatch(output(), /hunter2/);
});

test('SIGTERM drains: health 503 draining, new players refused, players keep playing until the grace, then exit 0', async () => {
  const { io } = await import('socket.io-client');
  const { ServerEvent } = await import('@bambam/protocol');
  const { child, output, url } = await startListening({ BAMBAM_DRAIN_GRACE_MS: '3000' });
  const player = io(url, { transports: ['websocket'], reconnection: false });
  await next(player, 'connect');
  await next(player, ServerEvent.Ready);
  const playerGone = new Promise<string>((resolve) => player.once('disconnect', resolve));
  child.kill('SIGTERM');
  // Health turns 503 `draining` (a load balancer stops sending players here).
  let health: { status: number; body: { status?: string } } | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${url}/api/health`);
    health = { status: res.status, body: (await res.json()) as { status?: string } };
    if (health.body.status === 'draining') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(health?.status, 503);
  assert.equal(health?.body.status, 'draining');
  // A newcomer is refused with the reason; the player already here is still connected.
  const newcomer = io(url, { transports: ['websocket'], reconnection: false });
  const refusal = await next<{ code: string; message: string }>(newcomer, ServerEvent.Error);
  assert.equal(refusal.code, 'engine-full');
  assert.match(refusal.message, /shutting down/);
  newcomer.close();
  assert.equal(player.connected, true, 'the player keeps playing while the engine drains');
  // After the grace its connection is cut (not a server goodbye), so a studio reconnects elsewhere.
  assert.equal(await playerGone, 'transport close');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /draining/);
});

test('SIGTERM with nobody playing stops at once, whatever the grace', async () => {
  const { child, output, url } = await startListening({ BAMBAM_DRAIN_GRACE_MS: '600000' });
  assert.equal((await fetch(`${url}/api/health`)).status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  // The drain ended without waiting for its 600 s grace. (Closing itself may hit main's 5 s
  // deadline on a starved machine: exit 1, said so.)
  assert.match(output(), /drained, closing 0 session/);
  assert.ok(code === 0 || /shutdown took over 5 s/.test(output()), output());
});
