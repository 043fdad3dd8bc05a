/**
 * Limits per client, so one client cannot take an engine for itself: sessions it opens per
 * minute, sessions it holds at once, socket.io messages per second on one connection, and how
 * long a session may go without video before it is closed and its seat freed.
 *
 * A client is the remote address as the engine sees it; behind a proxy (the studio's server,
 * HAProxy) the engine believes `X-Forwarded-For` only from `trustedProxies`.
 */
import { BlockList, isIP } from 'node:net';

export interface ClientLimits {
  /** Sessions one client may open in any 60 s window (`BAMBAM_CLIENT_SESSIONS_PER_MINUTE`). */
  readonly sessionsPerMinute: number;
  /** Sessions one client may hold at once (`BAMBAM_CLIENT_MAX_SESSIONS`). */
  readonly concurrentSessions: number;
  /** Sustained socket.io messages per second per connection (`BAMBAM_MESSAGES_PER_SECOND`). */
  readonly messagesPerSecond: number;
  /** Messages a connection may send at once before the rate applies (`BAMBAM_MESSAGE_BURST`). */
  readonly messageBurst: number;
  /**
   * A session without decoded video or any message this long (after connecting, after its media
   * stopped, after its last message) is closed (`BAMBAM_IDLE_TIMEOUT_S`, seconds; 0 = never), ms.
   */
  readonly idleTimeoutMs: number;
  /**
   * Addresses / CIDRs whose `X-Forwarded-For` is believed (`BAMBAM_TRUSTED_PROXIES`,
   * comma-separated; `none` = nobody). Default loopback: the studio's server forwards from there.
   */
  readonly trustedProxies: readonly string[];
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  sessionsPerMinute: 30,
  concurrentSessions: 4,
  // A studio sends a few messages per second at most (params while a knob turns): 20/s with a
  // burst of 60 never touches it, a script flooding the engine is cut off.
  messagesPerSecond: 20,
  messageBurst: 60,
  idleTimeoutMs: 300_000,
  trustedProxies: ['127.0.0.0/8', '::1/128'],
};

function intFrom(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${key} must be an integer in [${min}, ${max}], got '${raw}'`);
  }
  return value;
}

function proxiesFrom(env: NodeJS.ProcessEnv): readonly string[] {
  const raw = env.BAMBAM_TRUSTED_PROXIES?.trim();
  if (raw === undefined || raw === '') return DEFAULT_CLIENT_LIMITS.trustedProxies;
  if (raw === 'none') return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The defaults with the environment's settings. Throws (through `fail`, so the engine's config
 * can wrap it in its own error type) naming the variable when a value is bad.
 */
export function clientLimitsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  fail: (message: string) => Error = (message) => new Error(message),
): ClientLimits {
  const d = DEFAULT_CLIENT_LIMITS;
  try {
    const limits: ClientLimits = {
      sessionsPerMinute: intFrom(env, 'BAMBAM_CLIENT_SESSIONS_PER_MINUTE', d.sessionsPerMinute, 1, 100_000),
      concurrentSessions: intFrom(env, 'BAMBAM_CLIENT_MAX_SESSIONS', d.concurrentSessions, 1, 10_000),
      messagesPerSecond: intFrom(env, 'BAMBAM_MESSAGES_PER_SECOND', d.messagesPerSecond, 1, 100_000),
      messageBurst: intFrom(env, 'BAMBAM_MESSAGE_BURST', d.messageBurst, 1, 100_000),
      idleTimeoutMs: intFrom(env, 'BAMBAM_IDLE_TIMEOUT_S', d.idleTimeoutMs / 1000, 0, 86_400) * 1000,
      trustedProxies: proxiesFrom(env),
    };
    // Checked now so a typo stops the engine at start with the bad entry named.
    proxyList(limits.trustedProxies);
    return limits;
  } catch (error) {
    throw fail((error as Error).message);
  }
}

/** The trusted proxies as a `BlockList` (addresses and CIDRs, IPv4 and IPv6); throws on a bad entry. */
export function proxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0) throw new Error(`BAMBAM_TRUSTED_PROXIES: '${entry}' is not an IP address or CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) {
      list.addAddress(address!, type);
      continue;
    }
    const bits = Number(prefix);
    if (!Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128))
      throw new Error(`BAMBAM_TRUSTED_PROXIES: '${entry}' has a bad prefix length`);
    list.addSubnet(address!, bits, type);
  }
  return list;
}
