/**
 * Serves the engine's HTTP API and socket.io under the studio's own origin, so a page opened
 * by any name or port (127.0.0.1, a LAN address, another port) reaches the engine without
 * CORS. Built on http-proxy-3 (a maintained rewrite of http-proxy, WebSocket upgrades
 * included). Media does not pass here: WebRTC goes straight to the engine's ICE candidates.
 *
 * Each request is checked first (its Origin must be this server's own, see host-policy.ts),
 * then forwarded with `Host` set to the engine's address and without `Origin`: the studio
 * vouches for it, so the engine needs no entry for the studio in `BAMBAM_ALLOWED_ORIGINS`.
 *
 * Cookies pass both ways untouched (the engine's workspace and sign-in cookies carry no
 * Domain, so the browser keeps them for the studio's host), and `X-Forwarded-Proto` tells the
 * engine when the page came over HTTPS (its cookies are then `Secure`).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { createProxyServer, type ProxyServer } from 'http-proxy-3';
import { sameOrigin } from './host-policy.ts';

/** The engine's paths the studio forwards (each also with sub-paths); everything else is Next's. */
export const ENGINE_PROXY_PATHS: readonly string[] = [
  '/socket.io',
  '/api/sources',
  '/api/me',
  '/auth',
  '/api/plugins',
  '/api/health',
  '/metrics',
];

/** True when `url` (a request's path and query) belongs to the engine. */
export function isEnginePath(url: string | undefined): boolean {
  if (!url) return false;
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  return ENGINE_PROXY_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export interface EngineProxyOptions {
  /** The engine as this server reaches it, e.g. `http://127.0.0.1:3001`. */
  readonly target: string;
  /** The scheme this server is reached by, for the Origin check. */
  readonly scheme: 'http' | 'https';
  /** Called with a line to log (engine unreachable, refused origins). Default: console.error. */
  readonly log?: (line: string) => void;
}

/** The studio logs "engine unreachable" at most this often. */
const UNREACHABLE_LOG_INTERVAL_MS = 10_000;

/** The body of an error answer, shaped like the engine's own (`{ error: { code, message } }`). */
function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Answers a raw (upgrade) socket with an HTTP error and closes it. */
function refuseSocket(socket: Duplex, status: number, reason: string, code: string, message: string): void {
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export class EngineProxy {
  readonly #target: URL;
  readonly #scheme: 'http' | 'https';
  readonly #agent: http.Agent;
  readonly #proxy: ProxyServer;
  readonly #log: (line: string) => void;
  #lastUnreachableLog = 0;

  constructor(options: EngineProxyOptions) {
    this.#target = new URL(options.target);
    if (this.#target.protocol !== 'http:' && this.#target.protocol !== 'https:')
      throw new Error(`the engine's URL must be http:// or https://, not '${options.target}'`);
    this.#scheme = options.scheme;
    this.#log = options.log ?? ((line) => console.error(line));
    // Keep-alive: /api requests reuse connections instead of a TCP handshake each.
    this.#agent =
      this.#target.protocol === 'https:'
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
    this.#proxy = createProxyServer({
      target: this.#target.origin,
      changeOrigin: true, // Host: the engine's own address, which it serves
      // X-Forwarded-For: the engine limits sessions per client address, and behind the studio
      // every player would otherwise be 127.0.0.1 (it trusts the header only from its trusted
      // proxies, loopback by default).
      xfwd: true,
      agent: this.#agent,
    });
    // A connection to the engine that breaks mid-stream (the engine died: EPIPE, ECONNRESET)
    // must never take the studio down; the page's client reconnects.
    this.#proxy.on('error', (error) => {
      this.#unreachable(error);
    });
  }

  /** The engine's base URL (no trailing slash). */
  get target(): string {
    return this.#target.origin;
  }

  /** Forwards an HTTP request (the caller checked {@link isEnginePath} and the Host). */
  web(req: IncomingMessage, res: ServerResponse): void {
    if (!sameOrigin(req.headers.origin, this.#scheme, req.headers.host)) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(errorBody('origin-not-allowed', this.#originMessage(req)));
      return;
    }
    delete req.headers.origin;
    this.#proxy.web(req, res, (error) => {
      const message = this.#unreachable(error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(errorBody('engine-unreachable', message));
    });
  }

  /** Forwards a WebSocket upgrade (socket.io). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!sameOrigin(req.headers.origin, this.#scheme, req.headers.host)) {
      refuseSocket(socket, 403, 'Forbidden', 'origin-not-allowed', this.#originMessage(req));
      return;
    }
    delete req.headers.origin;
    socket.on('error', () => socket.destroy());
    this.#proxy.ws(req, socket, head, (error) => {
      this.#unreachable(error);
      socket.destroy();
    });
  }

  /** Drops idle connections to the engine. */
  close(): void {
    this.#agent.destroy();
    this.#proxy.close();
  }

  #originMessage(req: IncomingMessage): string {
    const origin = (req.headers.origin ?? '').slice(0, 100);
    return `Origin '${origin}' is not this studio (${this.#scheme}://${(req.headers.host ?? '').slice(0, 100)}): the studio forwards only its own pages' requests to the engine.`;
  }

  /** Logs (rate-limited) and returns the message for a failed forward. */
  #unreachable(error: unknown): string {
    const reason = (error as NodeJS.ErrnoException)?.code ?? (error as Error)?.message ?? String(error);
    const message = `The studio could not reach the engine at ${this.#target.origin} (${reason}). Is it running? \`npm start\` runs both.`;
    const now = Date.now();
    if (now - this.#lastUnreachableLog >= UNREACHABLE_LOG_INTERVAL_MS) {
      this.#lastUnreachableLog = now;
      this.#log(`[studio] ${message}`);
    }
    return message;
  }
}
