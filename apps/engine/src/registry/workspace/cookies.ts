/**
 * Reading and writing the cookies of a request: just what the workspace and sign-in cookies
 * need (RFC 6265 name=value pairs; values are base64url or signed base64url, never quoted).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The value of cookie `name` in the request's `Cookie` header, or undefined. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at === -1) continue;
    if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * True when the browser reached us over HTTPS: directly (TLS socket), or through a proxy that
 * says so (`X-Forwarded-Proto: https`, which the studio's proxy sets). Only decides the
 * `Secure` attribute, so a client lying about it only makes its own cookie stricter.
 */
export function requestIsHttps(req: IncomingMessage): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  const forwarded = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

export interface CookieAttributes {
  /** Seconds; 0 deletes the cookie; absent: a session cookie. */
  readonly maxAgeSeconds?: number;
  readonly path?: string;
  readonly secure: boolean;
}

/** A `Set-Cookie` value: always HttpOnly and SameSite=Lax (cross-site writes carry no cookie). */
export function setCookieValue(name: string, value: string, attributes: CookieAttributes): string {
  const parts = [`${name}=${value}`, `Path=${attributes.path ?? '/'}`, 'HttpOnly', 'SameSite=Lax'];
  if (attributes.maxAgeSeconds !== undefined) parts.push(`Max-Age=${attributes.maxAgeSeconds}`);
  if (attributes.secure) parts.push('Secure');
  return parts.join('; ');
}

/** Adds a `Set-Cookie` header to the answer, keeping any set before. */
export function appendSetCookie(
  res: { getHeader(name: string): unknown; setHeader(name: string, value: string[]): unknown },
  cookie: string,
): void {
  const before = res.getHeader('set-cookie');
  const list = before === undefined ? [] : Array.isArray(before) ? before.map(String) : [String(before)];
  res.setHeader('set-cookie', [...list, cookie]);
}

/**
 * The workspace key stored with sources: a hash, so that the database never holds the cookie
 * itself (a leaked table gives no one access) and kinds of identity never collide.
 */
export function workspaceKey(kind: 'cookie' | 'oidc', ...parts: string[]): string {
  return createHash('sha256')
    .update([kind, ...parts].join('\n'))
    .digest('hex');
}
