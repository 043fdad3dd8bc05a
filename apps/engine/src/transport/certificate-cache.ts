/**
 * werift 0.25.2 parses its own DTLS certificate (PEM → ASN.1, in JS) again for every use:
 * `RTCCertificate.getFingerprints()` on each transceiver of each answer, and
 * `CipherContext.parseX509()` in each new DTLS socket — 0.5–1.5 ms a parse on this machine,
 * several per join, all on the event loop that paces every playing session's audio. The
 * certificate is one per engine (werift shares it between peer connections), so each parse is
 * done once and kept. Same answers as before; no fork of werift: two methods are wrapped.
 */
import { CipherContext, RTCCertificate } from 'werift';

type Fingerprints = ReturnType<RTCCertificate['getFingerprints']>;
type ParsedKey = Pick<CipherContext, 'localCert' | 'localPrivateKey'>;

/** Parsed certificates kept (a handful at most: one per engine, another if a test makes one). */
const MAX_PARSED = 8;
const status = { installed: false, fingerprintHits: 0, parseHits: 0 };

/** What the cache has saved, for tests and the bench. */
export interface CertificateCacheStatus {
  readonly installed: boolean;
  readonly fingerprintHits: number;
  readonly parseHits: number;
}

/** Wraps the two methods (once; later calls do nothing). `BAMBAM_CERTIFICATE_CACHE=0` leaves werift as it is. */
export function useCertificateCache(env: NodeJS.ProcessEnv = process.env): CertificateCacheStatus {
  if (status.installed || env.BAMBAM_CERTIFICATE_CACHE === '0') return status;
  const fingerprints = new WeakMap<RTCCertificate, Fingerprints>();
  const getFingerprints = RTCCertificate.prototype.getFingerprints;
  RTCCertificate.prototype.getFingerprints = function (this: RTCCertificate): Fingerprints {
    let known = fingerprints.get(this);
    if (known) status.fingerprintHits++;
    else {
      known = getFingerprints.call(this);
      fingerprints.set(this, known);
    }
    // A fresh array of the same fingerprints: callers may keep or change the list.
    return [...known];
  };

  const parsed = new Map<string, ParsedKey>();
  const parseX509 = CipherContext.prototype.parseX509;
  CipherContext.prototype.parseX509 = function (
    this: CipherContext,
    ...[certPem, keyPem, signatureHash]: Parameters<CipherContext['parseX509']>
  ): void {
    const key = `${certPem}\n${keyPem}`;
    const known = parsed.get(key);
    if (!known) {
      parseX509.call(this, certPem, keyPem, signatureHash);
      if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
      parsed.set(key, { localCert: this.localCert, localPrivateKey: this.localPrivateKey });
      return;
    }
    status.parseHits++;
    this.localCert = known.localCert;
    this.localPrivateKey = known.localPrivateKey;
    this.signatureHashAlgorithm = signatureHash;
  };
  status.installed = true;
  return status;
}
