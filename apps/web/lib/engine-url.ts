/**
 * Finds the engine: `BAMBAM_ENGINE_URL` (served by `/api/config`) when set, else the page's own
 * host on the engine's default port 3001.
 */

/** The engine's default port (`ENGINE_PORT` on the engine). */
export const DEFAULT_ENGINE_PORT = 3001;

let cached: Promise<string> | undefined;

/** Resolves the engine's base URL, without a trailing slash. Cached for the page's lifetime. */
export function resolveEngineUrl(): Promise<string> {
  cached ??= (async () => {
    const fallback = `${location.protocol}//${location.hostname}:${DEFAULT_ENGINE_PORT}`;
    try {
      const response = await fetch('/api/config', { cache: 'no-store' });
      if (!response.ok) return fallback;
      const config = (await response.json()) as { engineUrl?: unknown };
      return typeof config.engineUrl === 'string' && config.engineUrl
        ? config.engineUrl.replace(/\/+$/, '')
        : fallback;
    } catch {
      return fallback;
    }
  })();
  return cached;
}
