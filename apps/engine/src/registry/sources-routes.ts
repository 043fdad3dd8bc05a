/**
 * HTTP API of the studio's saved sources under `/api/sources`, each request in the workspace
 * its {@link WorkspaceIdentity} names (the browser's cookie, or the signed-in user):
 * `GET` → `SavedSource[]`; `GET /:name` → `SavedSource`; `PUT /:name` with JSON `{ source }`
 * → the saved `SavedSource`; `DELETE /:name` → 204.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, HttpError, readBody, requireJson, segmentsUnder, sendJson } from './http-answers.ts';
import type { SavedSources } from './sources.ts';
import type { RegistryLogger, RouteModule } from './types.ts';
import type { WorkspaceIdentity } from './workspace/workspace-identity.ts';

export const SOURCES_PREFIX = '/api/sources';
/** UTF-8 can take up to 4 bytes per character (a JSON escape of a control character 6), plus the rest. */
const maxBodyBytes = (maxChars: number): number => maxChars * 6 + 1024;

async function readSource(req: IncomingMessage, maxChars: number): Promise<unknown> {
  // JSON only: a cross-origin JSON PUT needs a CORS preflight, which the engine grants only to
  // the allowed origins (a text/plain PUT would not, inviting CSRF).
  requireJson(req, 'Save with Content-Type: application/json and a { source } body.');
  const body = (await readBody(req, maxBodyBytes(maxChars))).toString('utf8');
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

export function createSourceRoutes(
  sources: SavedSources,
  identity: WorkspaceIdentity,
  logger: RegistryLogger,
): RouteModule {
  async function route(req: IncomingMessage, res: ServerResponse, segments: string[]) {
    const method = req.method ?? 'GET';
    let workspace: string;
    try {
      workspace = await identity.workspaceOf(req, res);
    } catch (error) {
      if (error instanceof HttpError && error.code === 'sign-in-required')
        sources.metrics.refused('sign_in_required');
      req.resume();
      throw error;
    }
    if (segments.length === 0) {
      if (method !== 'GET')
        throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${SOURCES_PREFIX}.`);
      return sendJson(res, 200, await sources.list(workspace));
    }
    if (segments.length > 1) throw new HttpError(404, 'not-found', 'No such route.');
    const name = segments[0]!;
    if (method === 'GET') {
      const source = await sources.get(workspace, name);
      if (!source) throw new HttpError(404, 'not-found', `No saved source named '${name}'.`);
      return sendJson(res, 200, source);
    }
    if (method === 'PUT')
      return sendJson(
        res,
        200,
        await sources.put(workspace, name, await readSource(req, sources.limits.maxSourceChars)),
      );
    if (method === 'DELETE') {
      if (!(await sources.delete(workspace, name))) {
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
