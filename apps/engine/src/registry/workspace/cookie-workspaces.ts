/**
 * The default workspaces: one per browser, named by a random cookie (32 bytes, base64url,
 * HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS) set on the first sources request without
 * one. A malformed value counts as absent and is replaced. Losing the cookie (clearing the
 * browser's data) loses access to that workspace's sources.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { appendSetCookie, readCookie, requestIsHttps, setCookieValue, workspaceKey } from './cookies.ts';
import type { SignInStatus, WorkspaceIdentity } from './workspace-identity.ts';

export const WORKSPACE_COOKIE = 'bambam_workspace';

/** 32 random bytes in base64url: 43 characters, no padding. */
const WORKSPACE_ID = /^[A-Za-z0-9_-]{43}$/;

export interface CookieWorkspaceSettings {
  /** How long the browser keeps the cookie. */
  readonly maxAgeSeconds: number;
}

export const DEFAULT_COOKIE_WORKSPACE_SETTINGS: CookieWorkspaceSettings = {
  maxAgeSeconds: 400 * 24 * 3600, // the longest browsers keep a cookie (RFC 6265bis)
};

export class CookieWorkspaces implements WorkspaceIdentity {
  private readonly settings: CookieWorkspaceSettings;

  constructor(settings: Partial<CookieWorkspaceSettings> = {}) {
    this.settings = { ...DEFAULT_COOKIE_WORKSPACE_SETTINGS, ...settings };
  }

  async workspaceOf(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let id = readCookie(req, WORKSPACE_COOKIE);
    if (!id || !WORKSPACE_ID.test(id)) {
      id = randomBytes(32).toString('base64url');
      appendSetCookie(
        res,
        setCookieValue(WORKSPACE_COOKIE, id, {
          secure: requestIsHttps(req),
          maxAgeSeconds: this.settings.maxAgeSeconds,
        }),
      );
    }
    return workspaceKey('cookie', id);
  }

  status(): SignInStatus {
    return { signInRequired: false, signedIn: false };
  }
}
