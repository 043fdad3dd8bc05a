/**
 * HTTP routing: /metrics, /api/health (200 `ready` or 503 `full`, with sessions, capacity and
 * load), then route modules others provide (saved sources,
 * the registry) in order; the first that handles a request wins. socket.io handles its own
 * path before this runs (and applies the same {@link OriginPolicy} there).
 *
 * Before any route: a request for a host name the engine does not serve gets 421, one from a
 * page of an origin it does not allow gets 403 (see origin-policy.ts), and a write under /api/
 * that is not JSON gets 415 (see content-type.ts). CORS headers go to the allowed origins only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRoute } from '@bambam/protocol';
import type { Admission } from '../admission/admission.ts';
import type { EngineConfig } from '../config.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { isJsonContentType } from './content-type.ts';
import { OriginPolicy } from './origin-policy.ts';
import { RefusalLog } from './refusal-log.ts';

/** Methods that change state: JSON bodies only, so a browser must preflight them cross-site. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res
    .writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    .end(JSON.stringify({ ok: false, error: { code, message } }));
}

/** A route module: resolves `true` when it handled (answered) the request. */
export interface RouteModule {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

export interface RouterOptions {
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly routes: readonly RouteModule[];
  readonly version: string;
  /** Seats taken and free: `/api/health` answers 200 `ready` or 503 `full` from it. */
  readonly admission: Admission;
}

export function createRouter(options: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, metrics, routes } = options;
  const policy = OriginPolicy.fromConfig(config);
  const refusals = new RefusalLog('HTTP');
  if (policy.anyOrigin) {
    console.warn(
      '[engine] WARNING: BAMBAM_ALLOWED_ORIGINS=* — any web page the user visits can open sessions, run plugin code and change saved sources on this engine. List the studio origins instead.',
    );
  }
  if (policy.hostList[0] === '*') {
    console.warn(
      '[engine] WARNING: BAMBAM_ALLOWED_HOSTS=* — the Host check is off (DNS rebinding is possible); only do this behind a proxy that checks Host itself.',
    );
  }

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Vary', 'Origin');
    const refusal = policy.check(req.headers);
    if (refusal) {
      refusals.note(refusal, req);
      req.resume();
      sendError(res, refusal.status, refusal.code, refusal.message);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    // A body-less DELETE (the studio's) carries no type; a DELETE is preflighted cross-site anyway.
    const bodyless = method === 'DELETE' && contentType === undefined;
    if (
      path.startsWith('/api/') &&
      STATE_CHANGING.has(method) &&
      !bodyless &&
      !isJsonContentType(contentType)
    ) {
      req.resume();
      sendError(
        res,
        415,
        'unsupported-media-type',
        `${method} ${path} takes Content-Type: application/json; got '${String(contentType ?? '').slice(0, 100)}'.`,
      );
      return;
    }
    if (path === HttpRoute.Metrics && req.method === 'GET') {
      const body = await metrics.text();
      res.writeHead(200, { 'Content-Type': metrics.contentType }).end(body);
      return;
    }
    if (path === HttpRoute.Health && req.method === 'GET') {
      // 503 when full or draining, so a load balancer sends the next player to another engine.
      const health = options.admission.health(options.version);
      res
        .writeHead(health.status === 'ready' ? 200 : 503, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
        })
        .end(JSON.stringify(health));
      return;
    }
    for (const module of routes) {
      if (await module.handle(req, res)) return;
    }
    sendError(res, 404, 'bad-request', `No route for ${req.method} ${path}`);
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
