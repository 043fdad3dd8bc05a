/**
 * Finds the engine: `BAMBAM_ENGINE_URL` (served by `/api/config`) when set, else the page's own
 * origin — the studio's server (`server.ts`) forwards the engine's `/api/*` and `/socket.io/`
 * there, so the studio works by any name, port and scheme without CORS.
 */

let cached: Promise<string> | undefined;

/** Resolves the engine's base URL, without a trailing slash. Cached for the page's lifetime. */
export function resolveEngineUrl(): Promise<string> {
  cached ??= (async () => {
    const fallback = location.origin;
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
