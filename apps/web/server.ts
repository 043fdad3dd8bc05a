/**
 * The studio's server: Next.js (the built studio, or `--dev`) plus the engine's HTTP API and
 * socket.io under the same origin (engine-proxy.ts), over HTTP or HTTPS.
 *
 * `node server.ts [--dev]` (`npm start -w @bambam/web`; `npm start` at the root runs it beside
 * the engine). Settings: server/config.ts. A custom server rather than `next start` with
 * rewrites: rewrites cannot be relied on to carry WebSocket upgrades, and the proxy must check
 * each request's Host and Origin itself before it vouches for it.
 */
import { EventEmitter } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import { StudioConfigError, type StudioServerConfig, studioConfigFromEnv } from './server/config.ts';
import { EngineProxy, isEnginePath } from './server/engine-proxy.ts';
import { HostPolicy } from './server/host-policy.ts';

/** After a stop signal, what still runs after this long is cut off. */
const STOP_GRACE_MS = 3000;

let config: StudioServerConfig;
try {
  config = studioConfigFromEnv(process.env, { dev: process.argv.includes('--dev') });
} catch (error) {
  if (error instanceof StudioConfigError) {
    console.error(`studio: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

// Next reads NODE_ENV when it loads (React's production build, optimisations): set it first.
(process.env as Record<string, string>).NODE_ENV ??= config.dev ? 'development' : 'production';
process.env.NEXT_TELEMETRY_DISABLED ??= '1';
const { default: next } = await import('next');

const scheme = config.tls ? 'https' : 'http';
const hosts = new HostPolicy({ allowedHosts: config.allowedHosts, bindHost: config.host });
const proxy = new EngineProxy({ target: config.engineUpstream, scheme });
// Next attaches an 'upgrade' listener of its own to the server it is given (else to the first
// request's server). It gets a private emitter instead, so each upgrade is dispatched once, in
// onUpgrade: the engine's to the proxy, the rest (the dev server's hot reload) to Next.
const nextUpgrades = new EventEmitter();
const app = next({
  dev: config.dev,
  dir: import.meta.dirname,
  hostname: config.host,
  port: config.port,
  httpServer: nextUpgrades as unknown as http.Server,
});
const handle = app.getRequestHandler();
await app.prepare();

/** Names already refused, so the hint is printed once per name. */
const refusedHosts = new Set<string>();

function hostRefusal(req: IncomingMessage): string {
  const host = (req.headers.host ?? '').slice(0, 100);
  const name = host.replace(/:\d+$/, '');
  const message =
    `This studio does not answer to the name '${host}'. To open it by this name, start it with ` +
    `BAMBAM_ALLOWED_HOSTS=${name || '<name>'} (comma-separated; the engine reads it too).`;
  if (!refusedHosts.has(host) && refusedHosts.size < 100) {
    refusedHosts.add(host);
    console.error(
      `[studio] refused a request for Host '${host}': set BAMBAM_ALLOWED_HOSTS=${name} to serve it`,
    );
  }
  return message;
}

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  if (!hosts.hostAllowed(req.headers.host)) {
    res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${hostRefusal(req)}\n`);
    return;
  }
  if (isEnginePath(req.url)) proxy.web(req, res);
  else void handle(req, res);
}

/** Upgraded (WebSocket) sockets: `server.close()` does not end them, a stop must. */
const upgraded = new Set<Duplex>();

function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  // Other upgrades are Next's: only its dev server (hot reload) has any.
  if (!isEnginePath(req.url)) {
    if (config.dev && nextUpgrades.listenerCount('upgrade') > 0)
      nextUpgrades.emit('upgrade', req, socket, head);
    else socket.destroy();
    return;
  }
  if (!hosts.hostAllowed(req.headers.host)) {
    const body = hostRefusal(req);
    socket.end(
      `HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    return;
  }
  upgraded.add(socket);
  socket.once('close', () => upgraded.delete(socket));
  proxy.upgrade(req, socket, head);
}

const server = config.tls
  ? https.createServer({ cert: config.tls.cert, key: config.tls.key }, onRequest)
  : http.createServer(onRequest);
server.on('upgrade', onUpgrade);
server.on('tlsClientError', () => {
  // A browser refusing a self-signed certificate closes the connection: nothing to log.
});

await new Promise<void>((resolve, reject) => {
  server.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      console.error(`studio: port ${config.port} on ${config.host} is in use (set PORT to use another)`);
    reject(error);
  });
  server.listen(config.port, config.host, resolve);
});

const address = server.address();
const port = address && typeof address === 'object' ? address.port : config.port;
const shownHost = ['0.0.0.0', '::', '127.0.0.1'].includes(config.host) ? 'localhost' : config.host;
const engineNote = config.directEngineUrl
  ? `pages use the engine at ${config.directEngineUrl} directly (BAMBAM_ENGINE_URL)`
  : `engine ${proxy.target} served under the same origin`;
console.log(`[studio] ready on ${scheme}://${shownHost}:${port} (${engineNote})`);
if (config.host === '0.0.0.0' || config.host === '::') {
  const lan = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  const missing = lan.filter((ip) => !hosts.hostAllowed(ip));
  if (missing.length > 0)
    console.log(
      `[studio] to open it from another device, allow its address: BAMBAM_ALLOWED_HOSTS=${missing.join(',')}` +
        (config.tls ? '' : ' (and serve HTTPS for the camera: BAMBAM_TLS_CERT/BAMBAM_TLS_KEY, see README)'),
    );
}

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(1);
  stopping = true;
  setTimeout(() => process.exit(0), STOP_GRACE_MS).unref();
  for (const socket of upgraded) socket.destroy();
  server.close();
  server.closeIdleConnections();
  proxy.close();
  await app.close();
  console.log(`[studio] stopped (${signal})`);
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
