/**
 * Serves the test client page (this folder) on 127.0.0.1 so Chromium treats it as a secure
 * context (getUserMedia and AudioWorklet need one). Only the files listed here are served.
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

export async function serveClientPage(options: { host?: string } = {}): Promise<ClientServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    dispose: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
