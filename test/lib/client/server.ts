/**
 * Serves the test client page (this folder) on 127.0.0.1 so Chromium treats it as a secure
 * context (getUserMedia and AudioWorklet need one). Only the files listed here are served.
 *
 * The engine refuses pages of origins it does not list, so the page's origin must be known
 * before the engine starts. One server per test process is shared: `startEngine()` (../engine.ts)
 * opens it first through {@link clientPageOrigins} and allows its origin, and `serveClientPage()`
 * later returns the same server. It closes when its last user disposes it.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLIENT_DIR = path.dirname(fileURLToPath(import.meta.url));

const FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/client.js': 'client.js',
  '/recorder-worklet.js': 'recorder-worklet.js',
  '/sender-transform-worker.js': 'sender-transform-worker.js',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

export interface ClientServer {
  /** e.g. `http://127.0.0.1:41234/` */
  readonly url: string;
  dispose(): Promise<void>;
}

function createPageServer() {
  return createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = FILES[pathname];
    if (!file || req.method !== 'GET') {
      res.writeHead(404).end('not found');
      return;
    }
    readFile(path.join(CLIENT_DIR, file)).then(
      (body) => {
        res
          .writeHead(200, { 'content-type': TYPES[path.extname(file)], 'cache-control': 'no-store' })
          .end(body);
      },
      (error: Error) => {
        res.writeHead(500).end(error.message);
      },
    );
  });
}

async function listen(host: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createPageServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SHARED_HOST = '127.0.0.1';
/** The process's shared page server and how many users hold it. */
let shared: { server: Promise<{ url: string; close(): Promise<void> }>; users: number } | undefined;

async function acquireShared(): Promise<ClientServer> {
  shared ??= { server: listen(SHARED_HOST), users: 0 };
  const entry = shared;
  entry.users++;
  let server: Awaited<typeof entry.server>;
  try {
    server = await entry.server;
  } catch (error) {
    if (shared === entry) shared = undefined;
    throw error;
  }
  let released = false;
  return {
    url: server.url,
    async dispose() {
      if (released) return;
      released = true;
      if (--entry.users > 0) return;
      if (shared === entry) shared = undefined;
      await server.close();
    },
  };
}

/**
 * Serves the page. On the default host this is the process's shared server, whose origin an
 * engine from `startEngine()` allows; another `host` gets a server of its own, whose origin the
 * engine must be told (`BAMBAM_ALLOWED_ORIGINS`).
 */
export async function serveClientPage(options: { host?: string } = {}): Promise<ClientServer> {
  const host = options.host ?? SHARED_HOST;
  return host === SHARED_HOST
    ? acquireShared()
    : listen(host).then((s) => ({ url: s.url, dispose: s.close }));
}

/**
 * Holds the shared page server open and returns the origins its page connects from (for the
 * engine's `BAMBAM_ALLOWED_ORIGINS`); `release()` when the engine is gone.
 */
export async function clientPageOrigins(): Promise<{ origins: string[]; release(): Promise<void> }> {
  const held = await acquireShared();
  return { origins: [new URL(held.url).origin], release: () => held.dispose() };
}
