/**
 * Whose workspace a request belongs to. The saved-sources routes ask it for every request; by
 * default the browser's workspace cookie ({@link CookieWorkspaces}), or the signed-in user when
 * the operator requires sign-in ({@link OidcSignIn}).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `GET /api/me`: what the studio shows about sign-in. */
export interface SignInStatus {
  /** True when the engine requires sign-in for saved sources. */
  readonly signInRequired: boolean;
  readonly signedIn: boolean;
  /** The signed-in user, as the provider names them. */
  readonly user?: { readonly name?: string; readonly email?: string };
  /** Where "sign in" goes (append `?returnTo=/path` to come back there). */
  readonly loginUrl?: string;
  readonly logoutUrl?: string;
}

export interface WorkspaceIdentity {
  /**
   * The request's workspace key (never empty). May set a cookie on `res` (a first visit), or
   * throw an `HttpError` (401 `sign-in-required`) when the request has no workspace.
   */
  workspaceOf(req: IncomingMessage, res: ServerResponse): Promise<string>;
  /** The answer of `GET /api/me` for this request. */
  status(req: IncomingMessage): SignInStatus;
}
