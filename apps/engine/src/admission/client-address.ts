/**
 * Who a connection's client is: the remote address, or — when that address is a trusted proxy
 * (the studio's server, HAProxy) — the address the proxy says it forwards for. `X-Forwarded-For`
 * is read right to left, skipping trusted proxies, so a client cannot pick its own identity by
 * sending the header itself: only what the last trusted hop appended counts.
 */
import type { BlockList } from 'node:net';
import { isIP } from 'node:net';

/** `::ffff:1.2.3.4` → `1.2.3.4`, so IPv4 clients on a dual-stack socket count once. */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return (mapped ? mapped[1]! : trimmed).toLowerCase();
}

function trusted(proxies: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && proxies.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The client's address for limits, from the socket's remote address and `X-Forwarded-For`. */
export function clientAddress(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  proxies: BlockList,
): string {
  let client = normalizeAddress(remoteAddress ?? 'unknown');
  if (!trusted(proxies, client) || forwardedFor === undefined) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map(normalizeAddress)
    .filter((hop) => hop !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    // Garbage in the header ends the walk: the last good hop is who we know.
    if (isIP(hop) === 0) break;
    client = hop;
    if (!trusted(proxies, hop)) break;
  }
  return client;
}
