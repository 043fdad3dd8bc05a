/**
 * What the reference benches share: a local HTTP server for one page plus mounted files
 * (MediaPipe's wasm, models, the fixture photos), and headless Chromium with software WebGL,
 * which MediaPipe's runtimes need even on their CPU paths.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

const TYPES: Record<string, string> = {
  mjs: 'text/javascript',
  js: 'text/javascript',
  wasm: 'application/wasm',
  jpg: 'image/jpeg',
};

export interface BenchPage {
  /** The page's URL (`/`). */
  readonly url: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * Serves `html` at `/`, files under each `mounts` prefix (`'/img/'` → a folder) and single
 * files at exact paths (`files`), on 127.0.0.1; refuses `..`. Then launches Chromium.
 */
export async function openBenchPage(options: {
  html: string;
  mounts?: Record<string, string>;
  files?: Record<string, string>;
  chromiumPath: string;
}): Promise<BenchPage> {
  const server = createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(options.html);
    let path = options.files?.[url];
    if (!path && !url.includes('..')) {
      const prefix = Object.keys(options.mounts ?? {}).find((p) => url.startsWith(p));
      if (prefix) path = join(options.mounts![prefix]!, url.slice(prefix.length));
    }
    if (!path || !existsSync(path)) return void res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': TYPES[path.split('.').at(-1)!] ?? 'application/octet-stream' })
      .end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: options.chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}
