/**
 * werift 0.25.2 does its DTLS X25519 key exchange with tweetnacl, in pure JS on the event loop:
 * a key pair and a shared secret per peer connection (about 3 ms here, and several times that
 * on a loaded machine), which every session already playing hears as a late audio frame when
 * someone joins. This swaps tweetnacl's two functions werift calls — `box.keyPair()` and
 * `scalarMult(n, p)` — for node:crypto's native X25519 (about 0.1 ms), on the one tweetnacl
 * instance werift imports. Same inputs, same outputs (RFC 7748 both); anything node:crypto
 * refuses (a low-order public key, a wrong length) falls back to tweetnacl, so the handshake
 * behaves exactly as before on bad input. No fork of werift: only these two properties change.
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { createRequire } from 'node:module';

interface Nacl {
  box: { keyPair: (() => { publicKey: Uint8Array; secretKey: Uint8Array }) & Record<string, unknown> };
  scalarMult: ((n: Uint8Array, p: Uint8Array) => Uint8Array) & Record<string, unknown>;
}

/** DER prefixes of an X25519 key's PKCS#8 (private) and SPKI (public) forms; the raw 32 bytes follow. */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

/** A fresh 32-byte array on its own buffer: werift reads `key.buffer`, not the view. */
function own(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(32);
  copy.set(bytes);
  return copy;
}

function nativeKeyPair(): { publicKey: Uint8Array; secretKey: Uint8Array } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return {
    secretKey: own(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length)),
    publicKey: own(publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length)),
  };
}

function nativeScalarMult(n: Uint8Array, p: Uint8Array): Uint8Array {
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, n]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, p]), format: 'der', type: 'spki' });
  return own(diffieHellman({ privateKey, publicKey }));
}

/** What the swap did, for tests and the bench. */
export interface NativeX25519Status {
  readonly installed: boolean;
  /** Shared secrets computed natively. */
  readonly secrets: number;
  /** Shared secrets node:crypto refused, computed by tweetnacl instead. */
  readonly fallbacks: number;
}

const status = { installed: false, secrets: 0, fallbacks: 0 };

/**
 * Installs the native functions on werift's tweetnacl (once; later calls do nothing).
 * `BAMBAM_NATIVE_X25519=0` leaves werift's pure-JS curve in place (for the join bench's "before").
 */
export function useNativeX25519(env: NodeJS.ProcessEnv = process.env): NativeX25519Status {
  if (status.installed || env.BAMBAM_NATIVE_X25519 === '0') return status;
  // Resolved from werift's own location, so it is the tweetnacl werift imports.
  const require = createRequire(import.meta.resolve('werift'));
  const nacl = require('tweetnacl') as Nacl;
  const jsKeyPair = nacl.box.keyPair;
  const jsScalarMult = nacl.scalarMult;
  const keyPair = Object.assign(() => nativeKeyPair(), jsKeyPair);
  const scalarMult = Object.assign((n: Uint8Array, p: Uint8Array): Uint8Array => {
    if (n?.length === 32 && p?.length === 32) {
      try {
        const secret = nativeScalarMult(n, p);
        status.secrets++;
        return secret;
      } catch {
        status.fallbacks++;
      }
    }
    return jsScalarMult(n, p);
  }, jsScalarMult);
  nacl.box.keyPair = keyPair;
  nacl.scalarMult = scalarMult;
  status.installed = true;
  return status;
}
