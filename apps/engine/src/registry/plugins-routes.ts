/**
 * HTTP API of the registry under `/api/plugins` (documented in README.md beside this file).
 * Reading is open; publishing needs `Authorization: Bearer <token>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, HttpError, readJson, requireJson, segmentsUnder, sendJson } from './http.ts';
import type { Registry } from './registry.ts';
import type { RegistryLogger, RouteModule } from './types.ts';

export const PLUGINS_PREFIX = '/api/plugins';

const notFound = (message: string) => new HttpError(404, 'not-found', message);

/** Search results per page: `limit` when absent, and the most a `limit` gets (larger ones are clamped). */
export const SEARCH_LIMITS = { default: 50, max: 200 } as const;

/** `?limit=`: a whole number of at least 1 in digits (400 otherwise), clamped to {@link SEARCH_LIMITS}.max. */
function searchLimit(raw: string | null): number {
  if (raw === null) return SEARCH_LIMITS.default;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(
      400,
      'bad-request',
      `limit must be a whole number from 1 (values above ${SEARCH_LIMITS.max} give ${SEARCH_LIMITS.max}); got '${raw.slice(0, 40)}'.`,
    );
  }
  return Math.min(Number(raw), SEARCH_LIMITS.max);
}

export function createPluginRoutes(registry: Registry, logger: RegistryLogger): RouteModule {
  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    query: URLSearchParams,
  ) {
    const method = req.method ?? 'GET';
    const [name, second, third, ...extra] = segments;
    if (name === undefined) {
      if (method === 'GET') {
        const plugins = await registry.search(query.get('q') ?? '', searchLimit(query.get('limit')));
        return sendJson(res, 200, { plugins });
      }
      if (method === 'POST') {
        requireJson(req, 'Publish with Content-Type: application/json.');
        const body = await readJson(req, registry.maxPublishBodyBytes);
        const published = await registry.publish(req.headers.authorization, body);
        return sendJson(res, 201, published);
      }
      throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${PLUGINS_PREFIX}.`);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(
        405,
        'method-not-allowed',
        `${method} is not allowed here; the registry is read-only except POST ${PLUGINS_PREFIX}.`,
      );
    }
    if (extra.length > 0) throw new HttpError(404, 'not-found', 'No such registry route.');
    if (second === undefined) {
      const pkg = await registry.getPackage(name);
      if (!pkg) throw notFound(`Plugin '${name}' is not in the registry.`);
      return sendJson(res, 200, pkg);
    }
    if (second === 'resolve' && third === undefined) {
      const range = query.get('range') ?? '*';
      const version = await registry.resolve(name, range);
      if (!version) throw notFound(`No version of '${name}' matches '${range}'.`);
      return sendJson(res, 200, version);
    }
    if (third === undefined) {
      const version = await registry.getVersion(name, second);
      if (!version) throw notFound(`${name}@${second} is not in the registry.`);
      return sendJson(res, 200, version);
    }
    if (third === 'bundle') {
      const bundle = await registry.readBundle(name, second);
      if (!bundle) throw notFound(`${name}@${second} is not in the registry.`);
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': bundle.bytes.length,
        'x-bambam-sha256': bundle.sha256,
        etag: `"sha256-${bundle.sha256}"`,
        'cache-control': 'public, max-age=31536000, immutable',
      });
      res.end(method === 'HEAD' ? undefined : bundle.bytes);
      return;
    }
    if (third === 'sourcemap') {
      const map = await registry.readSourceMap(name, second);
      if (!map) throw notFound(`${name}@${second} has no source map in the registry.`);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': map.length });
      res.end(method === 'HEAD' ? undefined : map);
      return;
    }
    throw new HttpError(404, 'not-found', 'No such registry route.');
  }

  return {
    async handle(req, res) {
      const target = segmentsUnder(req.url, PLUGINS_PREFIX);
      if (!target) return false;
      await answer(
        res,
        (error) => logger.error(`${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`),
        () => route(req, res, target.segments, target.query),
      );
      return true;
    },
  };
}
