/**
 * Which hosts a session may send OSC to. UDP from the engine to an address a web page names is
 * a way to poke at the engine's network, so the operator decides: a local install allows
 * loopback and private ranges; a hosted engine sets `BAMBAM_OSC_ALLOW` (CIDR list) or `off`.
 * Names are resolved once, here, and the address is what gets used (no DNS rebinding later).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Loopback and private (RFC 1918, unique-local IPv6) ranges: where a musician's own gear is. */
export const DEFAULT_OSC_ALLOW = '127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7';
/** Ports below this are system services (DNS on 53…), never an OSC receiver. */
export const MIN_OSC_PORT = 1024;

export interface ResolvedOscTarget {
  /** As the user gave it. */
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
}

/** A target the policy refuses; `message` says why and what to do. */
export class OscTargetRefused extends Error {
  readonly code = 'osc-refused';
}

export class OscTargetPolicy {
  private readonly allowed: BlockList;
  readonly description: string;
  readonly enabled: boolean;

  /** `allow`: comma-separated CIDRs or addresses, or `off` (OSC disabled). */
  constructor(allow: string = DEFAULT_OSC_ALLOW) {
    this.allowed = new BlockList();
    const trimmed = allow.trim();
    this.enabled = trimmed !== 'off' && trimmed !== '';
    this.description = this.enabled ? trimmed : 'off';
    if (!this.enabled) return;
    for (const entry of trimmed
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const [address, prefix] = entry.split('/');
      const family = isIP(address ?? '');
      if (family === 0) throw new Error(`BAMBAM_OSC_ALLOW: "${entry}" is not an IP address or CIDR range`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.allowed.addAddress(address!, type);
      else {
        const bits = Number(prefix);
        if (!Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
          throw new Error(`BAMBAM_OSC_ALLOW: "${entry}" has a bad prefix length`);
        }
        this.allowed.addSubnet(address!, bits, type);
      }
    }
  }

  /** Resolves `host` and checks the address and port; throws {@link OscTargetRefused} with the reason. */
  async resolve(host: string, port: number): Promise<ResolvedOscTarget> {
    if (!this.enabled) {
      throw new OscTargetRefused('OSC output is turned off on this engine (BAMBAM_OSC_ALLOW=off).');
    }
    if (!Number.isInteger(port) || port < MIN_OSC_PORT || port > 65535) {
      throw new OscTargetRefused(
        `OSC port must be a whole number from ${MIN_OSC_PORT} to 65535, got ${port}.`,
      );
    }
    const name = host.trim().replace(/^\[(.*)\]$/, '$1');
    if (name === '' || name.length > 253) throw new OscTargetRefused('OSC host is empty or too long.');
    let address: string;
    let family: 4 | 6;
    if (isIP(name) !== 0) {
      address = name;
      family = isIP(name) as 4 | 6;
    } else {
      try {
        const found = await lookup(name, { verbatim: true });
        address = found.address;
        family = found.family as 4 | 6;
      } catch {
        throw new OscTargetRefused(`OSC host "${name}" does not resolve to an address.`);
      }
    }
    if (!this.allowed.check(address, family === 6 ? 'ipv6' : 'ipv4')) {
      throw new OscTargetRefused(
        `OSC to ${address} is not allowed by this engine (allowed: ${this.description}). ` +
          'Send to a machine on your own network, or ask the operator to add it to BAMBAM_OSC_ALLOW.',
      );
    }
    return { host: name, address, family, port };
  }
}
