/**
 * The engine's saved plugin sources (`/api/sources`): the studio's workspace lives on the
 * engine, not only in the browser. The workspace is the browser's (a cookie the engine sets) or
 * the signed-in user's when the engine requires sign-in: requests carry cookies (same origin,
 * through the studio's proxy), and a 401 `sign-in-required` becomes {@link SignInRequiredError}.
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

/** The engine wants a signed-in user: open `loginUrl` (absolute) to sign in. */
export class SignInRequiredError extends SourcesError {
  readonly loginUrl: string;
  constructor(message: string, loginUrl: string) {
    super(message, 401);
    this.name = 'SignInRequiredError';
    this.loginUrl = loginUrl;
  }
}

async function failure(response: Response, what: string): Promise<SourcesError> {
  let detail = '';
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; loginUrl?: string } | string;
      message?: string;
    };
    if (typeof body.error === 'object' && body.error.code === 'sign-in-required') {
      const loginUrl = new URL(body.error.loginUrl ?? '/auth/login', response.url);
      return new SignInRequiredError(`${what}: ${body.error.message ?? 'sign in first'}`, loginUrl.href);
    }
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
    const response = await fetch(this.#base, { cache: 'no-store', credentials: 'same-origin' });
    if (!response.ok) throw await failure(response, 'Listing saved plugins');
    const body = (await response.json()) as SavedSource[] | { sources: SavedSource[] };
    return Array.isArray(body) ? body : body.sources;
  }

  async get(name: string): Promise<SavedSource> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, {
      cache: 'no-store',
      credentials: 'same-origin',
    });
    if (!response.ok) throw await failure(response, `Opening ${name}`);
    return (await response.json()) as SavedSource;
  }

  async save(name: string, source: string): Promise<SavedSource> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });
    if (!response.ok) throw await failure(response, `Saving ${name}`);
    return (await response.json()) as SavedSource;
  }

  async remove(name: string): Promise<void> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, {
      method: 'DELETE',
      credentials: 'same-origin',
    });
    if (!response.ok && response.status !== 404) throw await failure(response, `Deleting ${name}`);
  }
}
