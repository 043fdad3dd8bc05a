/**
 * Which requests the studio's server answers, and which it forwards to the engine.
 *
 * - Host: a page on an attacker's name that resolves to this machine (DNS rebinding) is
 *   same-origin with itself, so the Origin check alone would pass it; only listed names are
 *   served — localhost names, the address the studio listens on, and `BAMBAM_ALLOWED_HOSTS`
 *   (the variable the engine reads too).
 * - Origin: the proxy forwards requests to the engine without their Origin (the studio vouches
 *   for them), so it checks it first: a browser request from another page (its Origin differs
 *   from this server's own scheme://Host, `null` included) is refused. A request without an
 *   Origin (curl, scripts, a same-origin GET) passes, as on the engine.
 */
import { isIP } from 'node:net';

/** Host names every studio answers to (any port), besides configured ones and its bind address. */
export const DEFAULT_STUDIO_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Bind addresses that mean "every interface": they name no host a browser could use. */
const WILDCARD_BIND_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

/** Thrown for a `BAMBAM_ALLOWED_HOSTS` entry that is not a host name (a port, a path…). */
export class HostPolicyError extends Error {
  override name = 'HostPolicyError';
}

/** A host entry without port, lowercase; IPv6 in brackets (`::1` → `[::1]`). */
export function normalizeHostName(entry: string): string {
  const name = entry.trim().toLowerCase();
  if (isIP(name) === 6) return `[${name}]`;
  if (/^\[[0-9a-f:.]+\]$/.test(name) && isIP(name.slice(1, -1)) === 6) return name;
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(name))
    throw new HostPolicyError(
      `'${entry}' must be a host name or address without a port (e.g. 192.168.1.5 or studio.lan)`,
    );
  return name;
}

/** The name in a `Host` header (`localhost:3000` → `localhost`), or undefined when malformed. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/.exec(header.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

/** Parses `BAMBAM_ALLOWED_HOSTS` (comma-separated; `*` turns the check off). */
export function allowedHostsFromEnv(value: string | undefined): readonly string[] | '*' {
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.includes('*')) return '*';
  return entries.map(normalizeHostName);
}

export interface HostPolicyOptions {
  /** Extra names served besides {@link DEFAULT_STUDIO_HOSTS}, or `'*'` to skip the Host check. */
  readonly allowedHosts: readonly string[] | '*';
  /** The address the studio listens on; served as a host name too unless it is a wildcard. */
  readonly bindHost?: string;
}

export class HostPolicy {
  readonly #hosts: ReadonlySet<string> | '*';

  constructor(options: HostPolicyOptions) {
    if (options.allowedHosts === '*') {
      this.#hosts = '*';
      return;
    }
    const hosts = new Set([...DEFAULT_STUDIO_HOSTS, ...options.allowedHosts.map(normalizeHostName)]);
    const bind = options.bindHost?.trim().toLowerCase() ?? '';
    if (!WILDCARD_BIND_HOSTS.has(bind)) hosts.add(normalizeHostName(bind.replace(/^\[(.*)\]$/, '$1')));
    this.#hosts = hosts;
  }

  /** The served names, for messages (`['*']` when unchecked). */
  get hostList(): readonly string[] {
    return this.#hosts === '*' ? ['*'] : [...this.#hosts];
  }

  /** True when the request's `Host` names this studio. */
  hostAllowed(host: string | undefined): boolean {
    if (this.#hosts === '*') return true;
    const name = hostNameOf(host);
    return name !== undefined && this.#hosts.has(name);
  }
}

/**
 * True when a request's `Origin` is absent or is this server's own origin: `scheme://Host` of
 * the request, compared as browsers serialize origins (lowercase, default port dropped).
 */
export function sameOrigin(
  origin: string | undefined,
  scheme: 'http' | 'https',
  host: string | undefined,
): boolean {
  if (origin === undefined) return true;
  // A malformed Host (userinfo, a path…) could make `URL` read another origin: never a match.
  if (hostNameOf(host) === undefined) return false;
  try {
    return origin === new URL(`${scheme}://${host!.trim()}`).origin;
  } catch {
    return false;
  }
}
