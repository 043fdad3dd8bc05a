/**
 * The certificate cache answers as werift does (the same fingerprints, the same parsed key),
 * parses once, and two werift peers still complete DTLS and exchange media with it installed.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { test } from 'node:test';
import { CipherContext, RTCCertificate, RTCPeerConnection } from 'werift';
import { useCertificateCache } from './certificate-cache.ts';

// werift's enums: ecdsa, sha256, P-256.
const ECDSA_SHA256 = { hash: 4, signature: 3 } as const;
const P256 = 23 as const;

test("the cached answers are werift's, parsed once", async () => {
  const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
    ECDSA_SHA256,
    P256,
  );
  const certificate = new RTCCertificate(keyPem, certPem, signatureHash);
  const uncached = certificate.getFingerprints();
  const plain = new CipherContext(1, certPem, keyPem, signatureHash);

  const status = useCertificateCache();
  assert.equal(status.installed, true);
  const first = certificate.getFingerprints();
  const second = certificate.getFingerprints();
  assert.deepEqual(first, uncached);
  assert.deepEqual(second, uncached);
  assert.notEqual(first, second, 'each caller gets its own array');
  assert.ok(status.fingerprintHits >= 1);

  const hitsBefore = status.parseHits;
  const a = new CipherContext(1, certPem, keyPem, signatureHash);
  const b = new CipherContext(2, certPem, keyPem, signatureHash);
  assert.equal(status.parseHits, hitsBefore + 1, 'the second context reuses the first parse');
  assert.deepEqual(Buffer.from(a.localCert), Buffer.from(plain.localCert));
  assert.equal(b.localPrivateKey, a.localPrivateKey);
  assert.equal(b.signatureHashAlgorithm, signatureHash);
  // The shared key's signatures verify with the certificate's public key.
  const data = Buffer.from('bam');
  const signature = b.localPrivateKey.sign(data, 'sha256');
  assert.ok(verify('sha256', data, createPublicKey(certPem), signature));
});

test('two werift peers complete DTLS with the cache installed', async () => {
  useCertificateCache();
  const offerer = new RTCPeerConnection();
  const answerer = new RTCPeerConnection();
  try {
    const channel = offerer.createDataChannel('bam');
    const received = new Promise<string>((resolve) => {
      answerer.onDataChannel.subscribe((remote) => {
        remote.onMessage.subscribe((message) => resolve(message.toString()));
      });
    });
    await offerer.setLocalDescription(await offerer.createOffer());
    await answerer.setRemoteDescription(offerer.localDescription!);
    await answerer.setLocalDescription(await answerer.createAnswer());
    await offerer.setRemoteDescription(answerer.localDescription!);
    channel.stateChanged.subscribe((state) => {
      if (state === 'open') channel.send('hit');
    });
    assert.equal(await received, 'hit');
  } finally {
    await offerer.close();
    await answerer.close();
  }
});
