/**
 * HTTP API of the registry under `/api/plugins` (documented in README.md beside this file).
 * Reading is open; publishing needs `Authorization: Bearer <token>`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, HttpError, readJson, segmentsUnder, sendJson } from './http.ts';
import type { Registry } from './registry.ts';
import type { RegistryLogger, RouteModule } from './types.ts';

export const PLUGINS_PREFIX = '/api/plugins';

const notFound = (message: string) => new HttpError(404, 'not-found', message);

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
        const limit = Number(query.get('limit') ?? 50);
        const plugins = await registry.search(query.get('q') ?? '', Number.isFinite(limit) ? limit : 50);
        return sendJson(res, 200, { plugins });
      }
      if (method === 'POST') {
        const type = String(req.headers['content-type'] ?? '');
        if (!type.includes('application/json')) {
          throw new HttpError(415, 'unsupported-media-type', 'Publish with Content-Type: application/json.');
        }
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
