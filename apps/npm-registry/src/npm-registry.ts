import { mkdir } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runServer } from 'verdaccio';
import { answerKeywordSearch } from './keyword-search.ts';
import { DEFAULT_NPM_REGISTRY_OPTIONS, type NpmRegistryOptions } from './registry-options.ts';
import { npmRegistryDir, verdaccioConfig } from './verdaccio-config.ts';

/**
 * An npm registry in the box: Verdaccio, run in this process. Authors install `@bambam/*` and
 * publish plugins to it with plain npm; the engine loads plugins from it. Any other npm registry
 * (a company's Verdaccio, GitHub Packages, the public one) can take its place.
 */
export class NpmRegistry {
  readonly url: string;
  readonly options: NpmRegistryOptions;
  #server: Server;

  private constructor(server: Server, options: NpmRegistryOptions) {
    this.#server = server;
    this.options = options;
    const { port } = server.address() as AddressInfo;
    const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
  }

  static async start(options: Partial<NpmRegistryOptions> = {}): Promise<NpmRegistry> {
    const resolved = { ...DEFAULT_NPM_REGISTRY_OPTIONS, ...options };
    await mkdir(npmRegistryDir(resolved.dataDir), { recursive: true });
    // Verdaccio's app, behind a server of ours that adds npm's `keywords:` search qualifier.
    const verdaccio: Server = await runServer(verdaccioConfig(resolved) as never);
    const app = verdaccio.listeners('request')[0] as RequestListener;
    const innerHost = resolved.host === '0.0.0.0' || resolved.host === '::' ? '127.0.0.1' : resolved.host;
    const server = createServer((request, response) => {
      const origin = `http://${innerHost.includes(':') ? `[${innerHost}]` : innerHost}:${(server.address() as AddressInfo).port}`;
      answerKeywordSearch(request, response, origin).then(
        (answered) => {
          if (!answered) app(request, response);
        },
        (error: Error) => {
          if (!response.headersSent) response.writeHead(502, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: `search failed: ${error.message}` }));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EADDRINUSE'
            ? new Error(
                `The npm registry cannot listen on port ${resolved.port}: it is in use. Set REGISTRY_PORT to another port.`,
              )
            : error,
        );
      };
      server.once('error', onError);
      server.listen(resolved.port, resolved.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    return new NpmRegistry(server, resolved);
  }

  /** Stops listening and closes open connections. */
  async dispose(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
