/**
 * Whose workspace a request belongs to. The saved-sources routes ask it for every request; by
 * default the browser's workspace cookie ({@link CookieWorkspaces}), or the signed-in user when
 * the operator requires sign-in ({@link OidcSignIn}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface WorkspaceIdentity {
  /**
   * The request's workspace key (never empty). May set a cookie on `res` (a first visit), or
   * throw an `HttpError` (401 `sign-in-required`) when the request has no workspace.
   */
  workspaceOf(req: IncomingMessage, res: ServerResponse): Promise<string>;
}
