/**
 * The engine's saved plugin sources (`/api/sources`): the studio's workspace lives on the
 * engine, not only in the browser.
 */
import { HttpRoute, type SavedSource } from '@bambam/protocol';

export class SourcesError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'SourcesError';
    this.status = status;
  }
}

async function failure(response: Response, what: string): Promise<SourcesError> {
  let detail = '';
  try {
    const body = (await response.json()) as { error?: { message?: string } | string; message?: string };
    detail = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message ?? '');
  } catch {
    // Not JSON: the status says enough.
  }
  return new SourcesError(
    `${what} failed (${response.status})${detail ? `: ${detail}` : ''}`,
    response.status,
  );
}

/** Talks to one engine's `/api/sources`. */
export class SourcesApi {
  readonly #base: string;

  constructor(engineUrl: string) {
    this.#base = `${engineUrl}${HttpRoute.Sources}`;
  }

  /** Every saved source (bundled examples included). */
  async list(): Promise<SavedSource[]> {
    const response = await fetch(this.#base, { cache: 'no-store' });
    if (!response.ok) throw await failure(response, 'Listing saved plugins');
    const body = (await response.json()) as SavedSource[] | { sources: SavedSource[] };
    return Array.isArray(body) ? body : body.sources;
  }

  async get(name: string): Promise<SavedSource> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, { cache: 'no-store' });
    if (!response.ok) throw await failure(response, `Opening ${name}`);
    return (await response.json()) as SavedSource;
  }

  async save(name: string, source: string): Promise<SavedSource> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });
    if (!response.ok) throw await failure(response, `Saving ${name}`);
    return (await response.json()) as SavedSource;
  }

  async remove(name: string): Promise<void> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) throw await failure(response, `Deleting ${name}`);
  }
}
