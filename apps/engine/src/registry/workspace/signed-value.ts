/**
 * Values a browser keeps for us but must not forge: `base64url(JSON).base64url(HMAC-SHA256)`,
 * with an expiry inside the signed part. Any engine with the same secret reads them, so
 * several engines behind one proxy share sign-ins.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const mac = (payload: string, secret: string): Buffer =>
  createHmac('sha256', secret).update(payload).digest();

/** Signs `value`, valid for `maxAgeSeconds` from now. */
export function signValue(value: object, secret: string, maxAgeSeconds: number): string {
  const payload = Buffer.from(
    JSON.stringify({ ...value, exp: Math.floor(Date.now() / 1000) + maxAgeSeconds }),
  ).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** The value signed by {@link signValue} with this secret and not expired, else undefined. */
export function verifyValue<T extends object>(signed: string | undefined, secret: string): T | undefined {
  if (!signed || signed.length > 8192) return undefined;
  const [payload, signature, extra] = signed.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T & { exp?: unknown };
    if (typeof value !== 'object' || value === null) return undefined;
    if (typeof value.exp !== 'number' || value.exp < Date.now() / 1000) return undefined;
    return value;
  } catch {
    return undefined;
  }
}
