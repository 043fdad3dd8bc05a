/**
 * The engine's plugin registry (`/api/plugins`) as the studio sees it. Shapes mirror the
 * engine's answers (apps/engine/src/registry/README.md).
 */

import { HttpRoute, type ManifestSound, type PluginManifest, type SourceLocation } from '@bambam/protocol';

export type { ManifestSound, PluginManifest };

export interface VersionInfo {
  name: string;
  version: string;
  manifest: PluginManifest;
  publishedAt: string;
  publishedBy: string;
}

export interface PackageInfo {
  name: string;
  owner: string;
  versions: { version: string; publishedAt: string }[];
  latest: VersionInfo;
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

  async search(query: string, signal?: AbortSignal): Promise<PackageInfo[]> {
    const response = await fetch(`${this.#base}?q=${encodeURIComponent(query)}`, {
      cache: 'no-store',
      signal,
    });
    if (!response.ok) throw await failure(response, 'Searching the registry');
    return ((await response.json()) as { plugins: PackageInfo[] }).plugins;
  }

  async version(name: string, version: string): Promise<VersionInfo> {
    const response = await fetch(`${this.#base}/${encodeURIComponent(name)}/${encodeURIComponent(version)}`, {
      cache: 'no-store',
    });
    if (!response.ok) throw await failure(response, `Reading ${name}@${version}`);
    return (await response.json()) as VersionInfo;
  }

  /** Publishes TypeScript source; the engine builds, validates and stores it. The token is only sent, never stored. */
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
