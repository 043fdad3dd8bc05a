/**
 * HTTP routing: /metrics, /api/health, then route modules others provide (saved sources,
 * the registry) in order; the first that handles a request wins. socket.io handles its own
 * path before this runs. CORS for the studio (another origin) on every response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRoute } from '@bambam/sdk/protocol';
import type { EngineConfig } from '../config.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';

/** A route module: resolves `true` when it handled (answered) the request. */
export interface RouteModule {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface RouterOptions {
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly routes: readonly RouteModule[];
  readonly version: string;
  readonly sessions: () => number;
}

export function createRouter(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, metrics, routes } = options;
  const allowed = (origin: string | undefined) =>
    origin !== undefined && (config.corsOrigins === '*' || config.corsOrigins.includes(origin));

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (allowed(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin!);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === HttpRoute.Metrics && req.method === 'GET') {
      const body = await metrics.text();
      res.writeHead(200, { 'Content-Type': metrics.contentType }).end(body);
      return;
    }
    if (path === HttpRoute.Health && req.method === 'GET') {
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ ok: true, version: options.version, sessions: options.sessions() }));
      return;
    }
    for (const module of routes) {
      if (await module.handle(req, res)) return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        ok: false,
        error: { code: 'bad-request', message: `No route for ${req.method} ${path}` },
      }),
    );
  };

  return (req, res) => {
    route(req, res).catch((error: unknown) => {
      metrics.errors.inc({ kind: 'internal' });
      console.error(`[engine] ${req.method} ${req.url} failed:`, error);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
      }
      res.end(JSON.stringify({ ok: false, error: { code: 'internal', message: 'Internal engine error' } }));
    });
  };
}
