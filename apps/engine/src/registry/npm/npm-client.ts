/**
 * The engine's reads from an npm registry (packuments, tarballs, keyword search) through
 * npm's own `npm-registry-fetch`, with a timeout on every request, no retries (the player
 * waits), no disk cache (the plugin cache keeps verified files), and a registry failure turned
 * into an {@link HttpError} that names the setting to change.
 */
import npmFetch from 'npm-registry-fetch';
import { HttpError } from '../http-answers.ts';

/** The environment variable that points the engine at an npm registry. */
export const NPM_REGISTRY_SETTING = 'BAMBAM_NPM_REGISTRY';

/** One version in a packument: its package.json as published, plus `dist`. */
export interface PackumentVersion {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly _npmUser?: { readonly name?: string };
  readonly dist: { readonly tarball: string; readonly integrity?: string; readonly shasum?: string };
}

/** The registry's document of all versions of a package. */
export interface Packument {
  readonly name: string;
  readonly 'dist-tags'?: Readonly<Record<string, string>>;
  readonly versions: Readonly<Record<string, PackumentVersion>>;
  readonly time?: Readonly<Record<string, string>>;
  readonly maintainers?: readonly { readonly name?: string }[];
}

/** One hit of `/-/v1/search`. */
export interface SearchHit {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly date?: string;
  readonly publisher?: string;
}

interface FetchFailure {
  code?: string;
  statusCode?: number;
  type?: string;
  message: string;
}

/** `@scope/name` → `@scope%2fname`, as registries expect in a packument's path. */
export const escapePackageName = (name: string): string => name.replace('/', '%2f');

export class NpmClient {
  readonly registry: string;
  readonly #timeoutMs: number;

  constructor(registry: string, timeoutMs: number) {
    this.registry = registry;
    this.#timeoutMs = timeoutMs;
  }

  /** The packument, or undefined when the registry has no such package (404). */
  async packument(name: string): Promise<Packument | undefined> {
    try {
      const doc = await npmFetch.json(`/${escapePackageName(name)}`, this.#options());
      if (!doc || typeof doc !== 'object' || typeof doc.versions !== 'object' || doc.versions === null) {
        throw new HttpError(
          502,
          'registry-error',
          `The npm registry at ${this.registry} sent no versions for ${name}.`,
        );
      }
      return doc as unknown as Packument;
    } catch (error) {
      if ((error as FetchFailure).statusCode === 404) return undefined;
      throw this.#failure(error, `reading ${name}`);
    }
  }

  /** Packages with every keyword in `text` (npm's `keywords:` qualifier) and the free text. */
  async search(text: string, size: number): Promise<SearchHit[]> {
    let body: Record<string, unknown>;
    try {
      body = await npmFetch.json('/-/v1/search', { ...this.#options(), query: { text, size } });
    } catch (error) {
      throw this.#failure(error, 'searching');
    }
    const objects = Array.isArray(body.objects) ? body.objects : [];
    return objects.flatMap((object: { package?: Record<string, unknown> }) => {
      const p = object.package;
      // The public registry sends `version` and `date`; Verdaccio 6 sends `dist-tags` and `time`.
      const version = p?.version ?? (p?.['dist-tags'] as { latest?: unknown } | undefined)?.latest;
      if (!p || typeof p.name !== 'string' || typeof version !== 'string') return [];
      const date = p.date ?? (p.time as { modified?: unknown } | undefined)?.modified;
      const publisher = (p.publisher as { username?: unknown } | undefined)?.username;
      return [
        {
          name: p.name,
          version,
          ...(typeof p.description === 'string' ? { description: p.description } : {}),
          ...(Array.isArray(p.keywords) ? { keywords: p.keywords.map(String) } : {}),
          ...(typeof date === 'string' ? { date } : {}),
          ...(typeof publisher === 'string' ? { publisher } : {}),
        },
      ];
    });
  }

  /** A tarball's bytes, refused (413) as soon as they pass `maxBytes`. */
  async download(url: string, what: string, maxBytes: number): Promise<Buffer> {
    const tooLarge = (size: number | string) =>
      new HttpError(
        413,
        'too-large',
        `The tarball of ${what} is ${size} bytes; the engine loads plugin packages of at most ${maxBytes} bytes. Publish only dist/ (package.json "files": ["dist"]).`,
      );
    try {
      const response = await npmFetch(url, this.#options());
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > maxBytes) throw tooLarge(`over ${maxBytes}`);
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw this.#failure(error, `downloading ${what}`);
    }
  }

  #options() {
    return {
      registry: this.registry,
      timeout: this.#timeoutMs,
      // One retry, soon: a kept-alive connection the registry closed while it was idle resets
      // the next request on it (ECONNRESET); a registry that is down fails again at once.
      retry: { retries: 1, factor: 1, minTimeout: 100, maxTimeout: 100 },
      headers: { accept: 'application/json' },
    };
  }

  #failure(error: unknown, doing: string): HttpError {
    if (error instanceof HttpError) return error;
    const failure = error as FetchFailure;
    const where = `${NPM_REGISTRY_SETTING}=${this.registry}`;
    if (failure.statusCode !== undefined) {
      return new HttpError(
        502,
        'registry-error',
        `The npm registry at ${this.registry} answered ${failure.statusCode} when ${doing} (${where}).`,
      );
    }
    if (failure.type === 'request-timeout' || failure.code === 'ETIMEDOUT') {
      return new HttpError(
        504,
        'registry-timeout',
        `The npm registry at ${this.registry} did not answer within ${this.#timeoutMs} ms when ${doing}. Check that it is running, or point ${NPM_REGISTRY_SETTING} at another (now ${where}).`,
      );
    }
    return new HttpError(
      502,
      'registry-unreachable',
      `The npm registry at ${this.registry} is unreachable (${failure.code ?? failure.message}) when ${doing}. Start it (\`npm start\` runs one on REGISTRY_PORT, default 4873) or point ${NPM_REGISTRY_SETTING} at another (now ${where}).`,
    );
  }
}
