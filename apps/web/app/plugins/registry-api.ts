/**
 * Plugins on the engine's npm registry (`/api/plugins`) as the studio sees it. Shapes mirror
 * the engine's answers (apps/engine/src/registry/README.md).
 */

import {
  HttpRoute,
  type ManifestSound,
  type Manifest as PluginManifest,
  type SourceLocation,
} from '@bambam/protocol';

export type { ManifestSound, PluginManifest };

/** A search hit: what the npm registry's search says, before any load. */
export interface PluginSummary {
  name: string;
  version: string;
  description: string;
  date?: string;
  publisher?: string;
}

/** A version the engine loaded and verified (integrity, manifest, sandbox). */
export interface VersionInfo {
  name: string;
  version: string;
  manifest: PluginManifest;
  integrity: string;
  publishedAt: string | null;
  publishedBy: string | null;
}

export interface PackageInfo {
  name: string;
  owner: string | null;
  versions: { version: string; publishedAt: string | null }[];
  /** Null when the latest version was refused; `refusal` says why. */
  latest: VersionInfo | null;
  refusal?: { code: string; message: string };
}

export interface SearchResult {
  plugins: PluginSummary[];
  /** The npm registry the engine uses (for the commands the page shows). */
  registry: string;
}

export class RegistryError extends Error {
  readonly status: number;
  readonly location?: SourceLocation;
  constructor(message: string, status: number, location?: SourceLocation) {
    super(message);
    this.name = 'RegistryError';
    this.status = status;
    this.location = location;
  }
}

async function failure(response: Response, what: string): Promise<RegistryError> {
  let message = '';
  let location: SourceLocation | undefined;
  try {
    const body = (await response.json()) as { error?: { message?: string; location?: SourceLocation } };
    message = body.error?.message ?? '';
    location = body.error?.location;
  } catch {
    // Not JSON: the status says enough.
  }
  return new RegistryError(
    `${what} failed (${response.status})${message ? `: ${message}` : ''}`,
    response.status,
    location,
  );
}

export class RegistryApi {
  readonly #base: string;

  constructor(engineUrl: string) {
    this.#base = `${engineUrl}${HttpRoute.Plugins}`;
  }

  async search(query: string, signal?: AbortSignal): Promise<SearchResult> {
    const response = await fetch(`${this.#base}?q=${encodeURIComponent(query)}`, {
      cache: 'no-store',
      signal,
    });
    if (!response.ok) throw await failure(response, 'Searching the registry');
    return (await response.json()) as SearchResult;
  }

  /** The package with its latest version loaded and verified by the engine. */
  async package(name: string, signal?: AbortSignal): Promise<PackageInfo> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}`, { cache: 'no-store', signal });
    if (!response.ok) throw await failure(response, `Reading ${name}`);
    return (await response.json()) as PackageInfo;
  }

  async version(name: string, version: string): Promise<VersionInfo> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}/${encodeURIComponent(version)}`, {
      cache: 'no-store',
    });
    if (!response.ok) throw await failure(response, `Reading ${name}@${version}`);
    return (await response.json()) as VersionInfo;
  }

  /**
   * Publishes TypeScript source: the engine builds and checks it, then publishes it to the npm
   * registry with this npm token. The token is only sent, never stored.
   */
  async publishSource(source: string, token: string): Promise<VersionInfo> {
    const response = await fetch(this.#base, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ source }),
    });
    if (!response.ok) throw await failure(response, 'Publishing');
    return (await response.json()) as VersionInfo;
  }
}
