/**
 * HAProxy in front of engines for a test: Debian's `haproxy` (`apt-get install haproxy`;
 * `.ci/run` installs it) in the foreground (`-db`) on a free port, with the configuration a
 * deployment uses (`deploy/haproxy.cfg` is the same shape): `balance leastconn`, WebSockets
 * (a long `timeout tunnel`), active health checks `GET /api/health` every 500 ms expecting 200
 * (an engine that is full or draining answers 503, a dead one nothing: both skipped), and a
 * cookie for socket.io's polling transport. A stats page (CSV) tells which engines are up.
 *
 * ```ts
 * const proxy = await startHaproxy({ servers: [engineA.url, engineB.url] });
 * after(() => proxy.dispose());
 * await proxy.waitForUp(2);
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './engine.ts';

export const HAPROXY_DEFAULTS = {
  /** Health check interval. */
  checkIntervalMs: 500,
  /** Failed checks before an engine is taken out, passed checks before it is back. */
  fall: 2,
  rise: 2,
};

export interface HaproxyOptions {
  /** The engines, e.g. `http://127.0.0.1:40123`. */
  readonly servers: readonly string[];
  readonly checkIntervalMs?: number;
}

export interface ServerState {
  readonly name: string;
  /** HAProxy's status: `UP`, `DOWN`, `UP 1/2`, `MAINT`… */
  readonly status: string;
  /** Current sessions (TCP connections, WebSockets included) through the proxy. */
  readonly sessions: number;
}

export interface RunningHaproxy {
  /** The proxy's front door, e.g. `http://127.0.0.1:40200`. */
  readonly url: string;
  /** The generated configuration (for failure messages). */
  readonly config: string;
  output(): string;
  /** The engines as HAProxy sees them, in `servers` order (`e1`, `e2`, …). */
  servers(): Promise<ServerState[]>;
  /** Waits until `count` engines are UP. */
  waitForUp(count: number, timeoutMs?: number): Promise<void>;
  /** Stops HAProxy and removes its files. Safe to call twice. */
  dispose(): Promise<void>;
}

/** HAProxy's binary, or undefined when it is not installed. */
export function haproxyPath(): string | undefined {
  if (process.env.HAPROXY && existsSync(process.env.HAPROXY)) return process.env.HAPROXY;
  return ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'].find((p) => existsSync(p));
}

/** Why a HAProxy test cannot run here, or undefined when it can. */
export function haproxyMissing(): string | undefined {
  return haproxyPath()
    ? undefined
    : 'HAProxy is not installed (apt-get install haproxy, or set HAPROXY); .ci/run installs it';
}

/** The configuration: one frontend, one backend of engines, a stats page. */
export function haproxyConfig(options: {
  port: number;
  statsPort: number;
  servers: readonly string[];
  checkIntervalMs: number;
}): string {
  const servers = options.servers.map((url, i) => {
    const { hostname, port } = new URL(url);
    return `  server e${i + 1} ${hostname}:${port} check cookie e${i + 1}`;
  });
  return `global
  maxconn 2000

defaults
  mode http
  option httplog
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A WebSocket (socket.io signaling) stays open for the whole session.
  timeout tunnel 1h
  # A connection refused by a dead engine is retried on another one.
  retries 2
  option redispatch

frontend players
  bind 127.0.0.1:${options.port}
  default_backend engines

backend engines
  balance leastconn
  # /api/health answers 503 when the engine is full or draining: it gets no new players.
  option httpchk
  http-check send meth GET uri /api/health ver HTTP/1.1 hdr Host 127.0.0.1
  http-check expect status 200
  # socket.io's polling transport needs every request of a session on the same engine.
  cookie BAMBAM_ENGINE insert indirect nocache
  default-server inter ${options.checkIntervalMs}ms fall ${HAPROXY_DEFAULTS.fall} rise ${HAPROXY_DEFAULTS.rise}
${servers.join('\n')}

frontend stats
  bind 127.0.0.1:${options.statsPort}
  stats enable
  stats uri /stats
`;
}

export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  const binary = haproxyPath();
  if (!binary) throw new Error(haproxyMissing());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bambam-haproxy-'));
  const port = await freePort();
  const statsPort = await freePort();
  const config = haproxyConfig({
    port,
    statsPort,
    servers: options.servers,
    checkIntervalMs: options.checkIntervalMs ?? HAPROXY_DEFAULTS.checkIntervalMs,
  });
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  let output = '';
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;

  async function servers(): Promise<ServerState[]> {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter((cells) => cells[at('pxname')] === 'engines' && /^e\d+$/.test(cells[at('svname')] ?? ''))
      .map((cells) => ({
        name: cells[at('svname')]!,
        status: cells[at('status')]!,
        sessions: Number(cells[at('scur')]),
      }));
  }

  let disposed: Promise<void> | undefined;
  const proxy: RunningHaproxy = {
    url: `http://127.0.0.1:${port}`,
    config,
    output: () => output,
    servers,
    async waitForUp(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      let last: ServerState[] = [];
      while (Date.now() < deadline) {
        if (!alive()) throw new Error(`haproxy exited:\n${output}`);
        last = await servers().catch(() => []);
        if (last.filter((s) => s.status === 'UP').length >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(
        `fewer than ${count} engines UP in ${timeoutMs} ms: ${JSON.stringify(last)}\n${output}`,
      );
    },
    dispose() {
      disposed ??= (async () => {
        if (alive()) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(timer);
        }
        await rm(dir, { recursive: true, force: true });
      })();
      return disposed;
    },
  };
  // Ready when the stats page answers (the configuration parsed, the ports bound).
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (!alive())
      throw new Error(`haproxy exited (code ${child.exitCode}):\n${output}\n--- config ---\n${config}`);
    if (
      await servers().then(
        () => true,
        () => false,
      )
    )
      return proxy;
    if (Date.now() > deadline) {
      await proxy.dispose();
      throw new Error(`haproxy did not start in 10 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
