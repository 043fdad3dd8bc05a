/**
 * Share an instrument by link: `/play?plugin=<name>@<version or range>&params=<base64url JSON>`
 * opens the play view with that published plugin version and those knob values loaded.
 * `shareLink()` makes one (the play view's "Copy link"; the Plugins page and the editor reuse
 * it); `parseShareQuery()` reads one, refusing bad input with a sentence saying what is wrong.
 */
import semver from 'semver';

export type ParamValues = Readonly<Record<string, number | boolean | string>>;

/** A plugin named in a link, with its version range (absent: any) and params. */
export interface SharedPlugin {
  readonly name: string;
  readonly range?: string;
  readonly params: ParamValues;
}

export const SHARE_LINK_LIMITS = {
  /** npm's longest package name. */
  maxName: 214,
  /** The engine's longest version (range) in `plugin:use`. */
  maxRange: 64,
  /** Longest `params` value accepted, characters. */
  maxParams: 8192,
  /** The engine's longest string param value. */
  maxString: 200,
} as const;

const NAME = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/;

/** The link to /play with `plugin` (exact version) and `params`; relative unless `origin` is given. */
export function shareLink(
  plugin: { readonly name: string; readonly version?: string },
  params: ParamValues = {},
  origin = '',
): string {
  const query = new URLSearchParams();
  query.set('plugin', plugin.version ? `${plugin.name}@${plugin.version}` : plugin.name);
  if (Object.keys(params).length > 0) query.set('params', encodeParams(params));
  return `${origin}/play?${query.toString()}`;
}

/** Params as base64url (RFC 4648 §5, no padding) of their UTF-8 JSON. */
export function encodeParams(params: ParamValues): string {
  const bytes = new TextEncoder().encode(JSON.stringify(params));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The inverse of {@link encodeParams}; throws an Error saying what is wrong. */
export function decodeParams(encoded: string): ParamValues {
  if (encoded.length > SHARE_LINK_LIMITS.maxParams)
    throw new Error(`the params are too long (${encoded.length} characters)`);
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) throw new Error('the params are not base64url');
  let value: unknown;
  try {
    const binary = atob(encoded.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new Error('the params are not base64url-encoded JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('the params must be a JSON object of knob values');
  const params: Record<string, number | boolean | string> = {};
  for (const [key, v] of Object.entries(value)) {
    const ok =
      (typeof v === 'number' && Number.isFinite(v)) ||
      typeof v === 'boolean' ||
      (typeof v === 'string' && v.length <= SHARE_LINK_LIMITS.maxString);
    if (!ok) throw new Error(`the param '${key}' is not a number, true/false or a short text`);
    params[key] = v as number | boolean | string;
  }
  return params;
}

/**
 * Reads `plugin` and `params` from /play's query. `null` when there is no `plugin`; an error
 * (a sentence) when the link is malformed.
 */
export function parseShareQuery(query: {
  readonly plugin?: string | null;
  readonly params?: string | null;
}): { ok: true; shared: SharedPlugin } | { ok: false; error: string } | null {
  const spec = query.plugin?.trim();
  if (!spec) return null;
  const at = spec.lastIndexOf('@');
  const name = at > 0 ? spec.slice(0, at) : spec;
  const range = at > 0 ? spec.slice(at + 1) : undefined;
  if (name.length > SHARE_LINK_LIMITS.maxName || !NAME.test(name))
    return { ok: false, error: `The link names no valid plugin: '${name.slice(0, 80)}'.` };
  if (range !== undefined && (range.length > SHARE_LINK_LIMITS.maxRange || semver.validRange(range) === null))
    return { ok: false, error: `The link's version '${range.slice(0, 64)}' is not a version or range.` };
  let params: ParamValues = {};
  if (query.params) {
    try {
      params = decodeParams(query.params);
    } catch (error) {
      return { ok: false, error: `The link's params could not be read: ${(error as Error).message}.` };
    }
  }
  return { ok: true, shared: { name, ...(range ? { range } : {}), params } };
}

/** Whether the running plugin already is the shared one (then only the params need setting). */
export function isRunning(shared: SharedPlugin, running: { name: string; version: string } | null): boolean {
  if (!running || running.name !== shared.name) return false;
  if (!shared.range) return true;
  return semver.satisfies(running.version, shared.range, { includePrerelease: true });
}
