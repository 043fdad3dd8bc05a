/**
 * HTTP API of the studio's saved sources under `/api/sources`:
 * `GET` → `SavedSource[]`; `GET /:name` → `SavedSource`; `PUT /:name` with JSON `{ source }`
 → the saved `SavedSource`; `DELETE /:name` → 204.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_PLUGIN_SOURCE_CHARS } from '@bambam/protocol';
import { answer, HttpError, readBody, requireJson, segmentsUnder, sendJson } from './http.ts';
import type { SavedSources } from './sources.ts';
import type { RegistryLogger, RouteModule } from './types.ts';

export const SOURCES_PREFIX = '/api/sources';
/** UTF-8 can take up to 4 bytes per character, plus JSON escaping. */
const MAX_BODY_BYTES = MAX_PLUGIN_SOURCE_CHARS * 4 + 1024;

async function readSource(req: IncomingMessage): Promise<unknown> {
  // JSON only: a cross-origin JSON PUT needs a CORS preflight, which the engine grants only to
  // the allowed origins (a text/plain PUT would not, inviting CSRF).
  requireJson(req, 'Save with Content-Type: application/json and a { source } body.');
  const body = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new HttpError(400, 'bad-request', `Body must be JSON { source }: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object')
    throw new HttpError(400, 'bad-request', 'Body must be JSON { source }.');
  return (parsed as { source?: unknown }).source;
}

export function createSourceRoutes(sources: SavedSources, logger: RegistryLogger): RouteModule {
  async function route(req: IncomingMessage, res: ServerResponse, segments: string[]) {
    const method = req.method ?? 'GET';
    if (segments.length === 0) {
      if (method !== 'GET')
        throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${SOURCES_PREFIX}.`);
      return sendJson(res, 200, await sources.list());
    }
    if (segments.length > 1) throw new HttpError(404, 'not-found', 'No such route.');
    const name = segments[0]!;
    if (method === 'GET') {
      const source = await sources.get(name);
      if (!source) throw new HttpError(404, 'not-found', `No saved source named '${name}'.`);
      return sendJson(res, 200, source);
    }
    if (method === 'PUT') return sendJson(res, 200, await sources.put(name, await readSource(req)));
    if (method === 'DELETE') {
      if (!(await sources.delete(name))) {
        const example = sources.example(name);
        throw new HttpError(
          404,
          'not-found',
          example
            ? `'${name}' is a bundled example with no saved copy; examples cannot be deleted.`
            : `No saved source named '${name}'.`,
        );
      }
      res.writeHead(204).end();
      return;
    }
    throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${SOURCES_PREFIX}/${name}.`);
  }

  return {
    async handle(req, res) {
      const target = segmentsUnder(req.url, SOURCES_PREFIX);
      if (!target) return false;
      await answer(
        res,
        (error) => logger.error(`${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`),
        () => route(req, res, target.segments),
      );
      return true;
    },
  };
}
