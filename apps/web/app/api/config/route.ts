/**
 * `GET /api/config`: run-time settings the browser can't know by itself. Read per request (not
 * at build time) so one build works with any engine URL.
 */
export const dynamic = 'force-dynamic';

export interface StudioConfig {
  /**
   * The engine's base URL from `BAMBAM_ENGINE_URL` (pages then talk to it directly), or null:
   * the page's own origin, where the studio's server forwards the engine's API and socket.io.
   */
  readonly engineUrl: string | null;
}

export function GET(): Response {
  const config: StudioConfig = { engineUrl: process.env.BAMBAM_ENGINE_URL?.trim() || null };
  return Response.json(config, { headers: { 'cache-control': 'no-store' } });
}
