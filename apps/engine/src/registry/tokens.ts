/**
 * Publish tokens. A token is 32 random bytes shown once to the operator; the store keeps only
 * its SHA-256 (a fast hash is enough: the secret has 256 bits of entropy, nothing to brute-force).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RegistryStore, TokenRecord } from './store/store.ts';

const TOKEN_PREFIX = 'bbt_';
const OWNER = /^[a-z0-9][a-z0-9._-]{0,63}$/i;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Creates a token for `owner`; returns the secret (only this once) and its record. */
export async function createToken(
  store: RegistryStore,
  owner: string,
  label: string | null = null,
): Promise<{ token: string; record: TokenRecord }> {
  if (!OWNER.test(owner)) {
    throw new Error(`Invalid owner '${owner}': use 1-64 letters, digits, '.', '_' or '-'.`);
  }
  const id = randomBytes(6).toString('hex');
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await store.insertToken({ id, owner, label, hash: hashToken(token) });
  return { token, record };
}

export type Authentication =
  | { readonly ok: true; readonly token: TokenRecord }
  | { readonly ok: false; readonly message: string };

/** Checks an `Authorization` header value. Never puts the token itself in a message. */
export async function authenticate(
  store: RegistryStore,
  header: string | undefined,
): Promise<Authentication> {
  if (!header) {
    return { ok: false, message: 'Publishing needs a token: send "Authorization: Bearer <token>".' };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return { ok: false, message: 'Malformed Authorization header: expected "Bearer <token>".' };
  const record = await store.findTokenByHash(hashToken(match[1]!));
  if (!record) return { ok: false, message: 'Unknown token.' };
  if (record.revokedAt)
    return { ok: false, message: `Token ${record.id} was revoked at ${record.revokedAt}.` };
  return { ok: true, token: record };
}
