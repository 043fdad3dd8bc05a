import type { IncomingMessage, ServerResponse } from 'node:http';

/** npm's search qualifier for keywords, as the public registry understands it. */
const KEYWORD_QUALIFIER = /(?:^|\s)keywords:(\S+)/g;
/** How many packages the registry is asked for before filtering by keyword. */
const SCAN_SIZE = 250;

interface SearchObject {
  package?: { name?: string; keywords?: unknown };
}

/**
 * Verdaccio 6's `/-/v1/search` matches free text in names and descriptions only; npm clients
 * and the studio ask `text=keywords:bambam-plugin …` as on the public registry. This answers
 * such a query by asking the registry for the free-text part and keeping the packages whose
 * `keywords` hold every asked keyword. Other requests are not its business (returns false).
 */
export async function answerKeywordSearch(
  request: IncomingMessage,
  response: ServerResponse,
  origin: string,
): Promise<boolean> {
  if (request.method !== 'GET' || !request.url?.startsWith('/-/v1/search')) return false;
  const url = new URL(request.url, origin);
  const text = url.searchParams.get('text') ?? '';
  const keywords = [...text.matchAll(KEYWORD_QUALIFIER)].map((match) => match[1]!.toLowerCase());
  if (keywords.length === 0) return false;
  const freeText = text.replace(KEYWORD_QUALIFIER, ' ').trim().replace(/\s+/g, ' ');
  const size = Math.min(Number(url.searchParams.get('size') ?? 20) || 20, SCAN_SIZE);
  const from = Math.max(Number(url.searchParams.get('from') ?? 0) || 0, 0);
  const inner = new URL('/-/v1/search', origin);
  inner.searchParams.set('text', freeText);
  inner.searchParams.set('size', String(SCAN_SIZE));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.headers.authorization) headers.authorization = request.headers.authorization;
  const answer = await fetch(inner, { headers });
  const body = (await answer.json().catch(() => ({}))) as { objects?: SearchObject[]; time?: string };
  const objects = (body.objects ?? []).filter((object) => {
    const declared = Array.isArray(object.package?.keywords)
      ? object.package.keywords.map((keyword) => String(keyword).toLowerCase())
      : [];
    return keywords.every((keyword) => declared.includes(keyword));
  });
  const page = objects.slice(from, from + size);
  response.writeHead(answer.ok ? 200 : answer.status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(
    JSON.stringify({ objects: page, total: objects.length, time: body.time ?? new Date().toUTCString() }),
  );
  return true;
}
