/**
 * Small HTTP helpers for the registry's route modules: JSON answers, bounded body reading and
 * one error type that carries its status. Every error answer is `{ error: { code, message } }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonContentType } from '../http/content-type.ts';

/** A failure with the HTTP status and stable code it is answered with. */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.details } });
}

/** Reads the whole body, refusing (413) as soon as it passes `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new HttpError(413, 'too-large', `Request body is ${declared} bytes; the limit is ${maxBytes}.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      req.resume();
      throw new HttpError(413, 'too-large', `Request body is over the limit of ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * Refuses (415) a body that is not declared `application/json` as a parsed media type: a
 * cross-site page can send text/plain or a form without a CORS preflight, never JSON.
 */
export function requireJson(req: IncomingMessage, message: string): void {
  if (!isJsonContentType(req.headers['content-type'])) {
    req.resume();
    throw new HttpError(415, 'unsupported-media-type', message);
  }
}

/** Reads a JSON body; 400 with the parser's message when it is not JSON. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, 'bad-request', `Body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Splits a path under `prefix` into decoded segments, or undefined when it is not under it. */
export function segmentsUnder(
  url: string | undefined,
  prefix: string,
): { segments: string[]; query: URLSearchParams } | undefined {
  const parsed = new URL(url ?? '/', 'http://engine.invalid');
  const path = parsed.pathname.replace(/\/+$/, '');
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return undefined;
  const rest = path.slice(prefix.length).split('/').filter(Boolean);
  try {
    return { segments: rest.map((s) => decodeURIComponent(s)), query: parsed.searchParams };
  } catch {
    return { segments: ['\u0000'], query: parsed.searchParams };
  }
}

/** Runs a handler, turning thrown {@link HttpError}s into answers and anything else into a logged 500. */
export async function answer(
  res: ServerResponse,
  onUnexpected: (error: unknown) => void,
  handler: () => Promise<void>,
): Promise<void> {
  try {
    await handler();
  } catch (error) {
    if (error instanceof HttpError) {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
      return;
    }
    onUnexpected(error);
    if (!res.headersSent)
      sendError(res, new HttpError(500, 'internal', 'Internal error in the registry; see the engine log.'));
    else res.destroy();
  }
}
