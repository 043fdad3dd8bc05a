/**
 * Who may talk to the engine: which `Origin` (the page a browser request comes from) and which
 * `Host` (the name the browser thinks it is talking to). Both HTTP and socket.io use it.
 *
 * - Origin: a request without one comes from curl, the `bambam` CLI or a Node client (browsers
 *   always send it on WebSockets, on CORS requests and on state-changing methods), so it is
 *   allowed; a present but unlisted Origin, including `null` (sandboxed frames, `file:`), is
 *   refused. CORS alone would not do: it never applies to WebSocket upgrades.
 * - Host: an attacker's page whose name resolves to 127.0.0.1 (DNS rebinding) is same-origin
 *   with itself and sends no Origin on a GET, but its Host is the attacker's name. Only listed
 *   names (any port) are served.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { EngineConfig } from '../config.ts';

/** Host names every engine answers to (any port), besides configured ones and its bind address. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Bind addresses that mean "every interface": they name no host a browser could use. */
const WILDCARD_BIND_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

/** Thrown for an origin or host entry that cannot be matched (a path, a port on a host…). */
export class OriginPolicyError extends Error {
  override name = 'OriginPolicyError';
}

/**
 * An allowed-origin entry as browsers serialize `Origin`: `scheme://host[:port]`, lowercase,
 * default port dropped (`HTTP://LocalHost:80/` → `http://localhost`).
 */
export function normalizeOrigin(entry: string): string {
  const trimmed = entry.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new OriginPolicyError(`'${entry}' is not an origin like http://localhost:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new OriginPolicyError(`'${entry}' must be an http:// or https:// origin`);
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/')
    throw new OriginPolicyError(`'${entry}' must be an origin only (scheme://host[:port]), no path or query`);
  return url.origin;
}

/** An allowed-host entry: a name or address without port, lowercase; IPv6 in brackets. */
export function normalizeHostName(entry: string): string {
  const name = entry.trim().toLowerCase();
  if (isIP(name) === 6) return `[${name}]`;
  if (/^\[[0-9a-f:.]+\]$/.test(name) && isIP(name.slice(1, -1)) === 6) return name;
  if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(name))
    throw new OriginPolicyError(
      `'${entry}' must be a host name or address without a port (e.g. studio.example.org)`,
    );
  return name;
}

/**
 * The host name of a `Host` header (`localhost:3001` → `localhost`, `[::1]:3001` → `[::1]`),
 * lowercase, or undefined when the header is missing or malformed.
 */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

/** A header value as quoted back in a message: attacker-controlled, so kept short. */
const clip = (value: string): string => (value.length > 100 ? `${value.slice(0, 100)}…` : value);

export interface OriginPolicyOptions {
  /** Origins a browser page may call from, or `'*'` for any. */
  readonly allowedOrigins: readonly string[] | '*';
  /** Extra host names served besides {@link DEFAULT_ALLOWED_HOSTS}, or `'*'` to skip the check. */
  readonly allowedHosts: readonly string[] | '*';
  /** The address the engine listens on; served as a host name too unless it is a wildcard. */
  readonly bindHost?: string;
}

/** Why a request is refused: the HTTP status and code it is answered with. */
export interface Refusal {
  readonly status: 403 | 421;
  readonly code: 'origin-not-allowed' | 'host-not-allowed';
  readonly message: string;
}

export class OriginPolicy {
  private readonly origins: ReadonlySet<string> | '*';
  private readonly hosts: ReadonlySet<string> | '*';

  constructor(options: OriginPolicyOptions) {
    this.origins =
      options.allowedOrigins === '*' ? '*' : new Set(options.allowedOrigins.map(normalizeOrigin));
    if (options.allowedHosts === '*') {
      this.hosts = '*';
    } else {
      const hosts = new Set([...DEFAULT_ALLOWED_HOSTS, ...options.allowedHosts.map(normalizeHostName)]);
      const bind = options.bindHost?.trim().toLowerCase() ?? '';
      if (!WILDCARD_BIND_HOSTS.has(bind)) hosts.add(normalizeHostName(bind.replace(/^\[(.*)\]$/, '$1')));
      this.hosts = hosts;
    }
  }

  /** The engine's policy from its configuration, its listen address included. */
  static fromConfig(config: EngineConfig): OriginPolicy {
    return new OriginPolicy({
      allowedOrigins: config.allowedOrigins,
      allowedHosts: config.allowedHosts,
      bindHost: config.host,
    });
  }

  /** True for any origin when configured with `'*'`. */
  get anyOrigin(): boolean {
    return this.origins === '*';
  }

  /** The allowed origins, for messages (`['*']` when any). */
  get originList(): readonly string[] {
    return this.origins === '*' ? ['*'] : [...this.origins];
  }

  /** The allowed host names, for messages (`['*']` when unchecked). */
  get hostList(): readonly string[] {
    return this.hosts === '*' ? ['*'] : [...this.hosts];
  }

  /** An absent Origin is allowed (not a browser's cross-site request); a present one must be listed. */
  originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    return this.origins === '*' || this.origins.has(origin);
  }

  /** True when the request's `Host` names this engine. */
  hostAllowed(host: string | undefined): boolean {
    if (this.hosts === '*') return true;
    const name = hostNameOf(host);
    return name !== undefined && this.hosts.has(name);
  }

  /** The refusal for a request with these headers, or undefined when it may proceed. Host first. */
  check(headers: IncomingHttpHeaders): Refusal | undefined {
    if (!this.hostAllowed(headers.host)) {
      return {
        status: 421,
        code: 'host-not-allowed',
        message: `Host '${clip(headers.host ?? '')}' is not served by this engine (its operator lists host names in BAMBAM_ALLOWED_HOSTS).`,
      };
    }
    if (!this.originAllowed(headers.origin)) {
      return {
        status: 403,
        code: 'origin-not-allowed',
        message: `Origin '${clip(headers.origin ?? '')}' is not allowed by this engine (its operator lists origins in BAMBAM_ALLOWED_ORIGINS).`,
      };
    }
    return undefined;
  }
}
