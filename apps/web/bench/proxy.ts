/**
 * `npm run bench -w @bambam/web`: what the studio's proxy (server/engine-proxy.ts) adds to
 * signaling. Starts a real engine, serves the proxy as server.ts does (same EngineProxy, same
 * Host check; Next.js is not on this path), opens one socket.io session straight to the engine
 * and one through the proxy, then times small acknowledged requests on both, interleaved (the
 * order alternates each round, so machine noise falls on both alike): `session:latency` (a tiny
 * ack) and `plugin:params` (acks the plugin's info). Prints p50/p99 per route and the added
 * time.
 *
 * Env: BENCH_ROUNDS (default 200 per event and route).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { ENGINE_NODE_FLAGS } from '../../engine/src/node-flags.ts';
import { EngineProxy, isEnginePath } from '../server/engine-proxy.ts';
import { HostPolicy } from '../server/host-policy.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const REPO = path.resolve(import.meta.dirname, '../../..');
const ENGINE_MAIN = path.join(REPO, 'apps/engine/src/main.ts');
const EVENTS = [
  { name: 'session:latency', payload: { compensationMs: 0 } },
  { name: 'plugin:params', payload: { values: {} } },
] as const;

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startEngine(port: number, dataDir: string): Promise<ChildProcess> {
  const engine = spawn(process.execPath, [...ENGINE_NODE_FLAGS, ENGINE_MAIN], {
    env: { ...process.env, ENGINE_PORT: String(port), HOST: '127.0.0.1', BAMBAM_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (engine.exitCode !== null) throw new Error(`the engine exited (${engine.exitCode})`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) return engine;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  engine.kill('SIGKILL');
  throw new Error('the engine did not answer /api/health within 60 s');
}

/** The proxy half of server.ts, on its own HTTP server. */
async function startProxy(engineUrl: string): Promise<{ url: string; close(): void }> {
  const hosts = new HostPolicy({ allowedHosts: [] });
  const proxy = new EngineProxy({ target: engineUrl, scheme: 'http' });
  const server = http.createServer((req, res) => {
    if (hosts.hostAllowed(req.headers.host) && isEnginePath(req.url)) proxy.web(req, res);
    else res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => {
    if (hosts.hostAllowed(req.headers.host) && isEnginePath(req.url)) proxy.upgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
      proxy.close();
    },
  };
}

async function connect(url: string): Promise<Socket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('session:ready', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

async function roundTrip(socket: Socket, event: string, payload: unknown): Promise<number> {
  const started = performance.now();
  const answer = (await socket.timeout(5000).emitWithAck(event, payload)) as { error?: unknown };
  const elapsed = performance.now() - started;
  if (answer && typeof answer === 'object' && 'error' in answer && answer.error)
    throw new Error(`${event} failed: ${JSON.stringify(answer.error)}`);
  return elapsed;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-bench-proxy-'));
const enginePort = await freePort();
const engine = await startEngine(enginePort, dataDir);
const proxy = await startProxy(`http://127.0.0.1:${enginePort}`);
try {
  const routes = { direct: await connect(`http://127.0.0.1:${enginePort}`), proxy: await connect(proxy.url) };
  console.log(
    `signaling round trip, ${ROUNDS} each, interleaved (ms; ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)})`,
  );
  for (const { name, payload } of EVENTS) {
    const times: Record<keyof typeof routes, number[]> = { direct: [], proxy: [] };
    // Warm-up: first requests pay for JIT and connection setup.
    for (let i = 0; i < 20; i++) {
      await roundTrip(routes.direct, name, payload);
      await roundTrip(routes.proxy, name, payload);
    }
    for (let i = 0; i < ROUNDS; i++) {
      const order: (keyof typeof routes)[] = i % 2 === 0 ? ['direct', 'proxy'] : ['proxy', 'direct'];
      for (const route of order) times[route].push(await roundTrip(routes[route], name, payload));
    }
    const stats = Object.fromEntries(
      Object.entries(times).map(([route, values]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return [route, { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }];
      }),
    ) as Record<keyof typeof routes, { p50: number; p99: number }>;
    for (const route of ['direct', 'proxy'] as const) {
      console.log(
        `  ${name.padEnd(16)} ${route.padEnd(7)} p50 ${stats[route].p50.toFixed(3)}  p99 ${stats[route].p99.toFixed(3)}`,
      );
    }
    console.log(
      `  ${name.padEnd(16)} added   p50 ${(stats.proxy.p50 - stats.direct.p50).toFixed(3)}  p99 ${(stats.proxy.p99 - stats.direct.p99).toFixed(3)}`,
    );
  }
  routes.direct.close();
  routes.proxy.close();
} finally {
  proxy.close();
  engine.kill('SIGTERM');
  await new Promise((resolve) => engine.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
