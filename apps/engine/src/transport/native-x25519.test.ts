/**
 * The native X25519 swap gives tweetnacl's answers: a key pair whose public key tweetnacl
 * derives from its secret, shared secrets equal to tweetnacl's both ways, and tweetnacl's own
 * result for a low-order point node:crypto refuses. Then a real DTLS handshake (two werift
 * peers) connects with it installed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { RTCPeerConnection } from 'werift';
import { useNativeX25519 } from './native-x25519.ts';

const nacl = createRequire(import.meta.resolve('werift'))('tweetnacl');
const jsScalarMult = nacl.scalarMult as (n: Uint8Array, p: Uint8Array) => Uint8Array;
const jsBase = nacl.scalarMult.base as (n: Uint8Array) => Uint8Array;

test('the swapped functions answer as tweetnacl does', () => {
  const status = useNativeX25519();
  assert.equal(status.installed, true);
  assert.notEqual(nacl.scalarMult, jsScalarMult, 'not installed on the tweetnacl werift uses');
  for (let i = 0; i < 20; i++) {
    const a = nacl.box.keyPair();
    const b = nacl.box.keyPair();
    assert.equal(a.secretKey.buffer.byteLength, 32, 'werift reads .buffer: it must hold the key alone');
    assert.deepEqual(Buffer.from(jsBase(a.secretKey)), Buffer.from(a.publicKey));
    const ab = nacl.scalarMult(a.secretKey, b.publicKey);
    assert.deepEqual(Buffer.from(ab), Buffer.from(jsScalarMult(a.secretKey, b.publicKey)));
    assert.deepEqual(Buffer.from(ab), Buffer.from(nacl.scalarMult(b.secretKey, a.publicKey)));
  }
  // A low-order point (all zero): node:crypto refuses, tweetnacl answers zeros; the swap keeps that.
  const before = status.fallbacks;
  const secret = new Uint8Array(randomBytes(32));
  assert.deepEqual(Buffer.from(nacl.scalarMult(secret, new Uint8Array(32))), Buffer.alloc(32));
  assert.equal(status.fallbacks, before + 1);
  assert.equal(typeof nacl.scalarMult.base, 'function');
  assert.equal(typeof nacl.box.keyPair.fromSecretKey, 'function');
});

test('two werift peers complete DTLS with the native key exchange', async () => {
  const status = useNativeX25519();
  const secretsBefore = status.secrets;
  const offerer = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false });
  const answerer = new RTCPeerConnection({ iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false });
  try {
    offerer.createDataChannel('x');
    await offerer.setLocalDescription(await offerer.createOffer());
    await new Promise<void>((r) => {
      if (offerer.iceGatheringState === 'complete') r();
      else offerer.iceGatheringStateChange.subscribe((s) => s === 'complete' && r());
    });
    await answerer.setRemoteDescription(offerer.localDescription!);
    await answerer.setLocalDescription(await answerer.createAnswer());
    await new Promise<void>((r) => {
      if (answerer.iceGatheringState === 'complete') r();
      else answerer.iceGatheringStateChange.subscribe((s) => s === 'complete' && r());
    });
    const connected = (pc: RTCPeerConnection) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('not connected in 15 s')), 15_000);
        pc.connectionStateChange.subscribe((s) => {
          if (s === 'connected') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    const both = Promise.all([connected(offerer), connected(answerer)]);
    await offerer.setRemoteDescription(answerer.localDescription!);
    await both;
    assert.equal(status.secrets, secretsBefore + 2, 'each side computes one shared secret natively');
  } finally {
    await Promise.all([offerer.close(), answerer.close()]);
  }
});
