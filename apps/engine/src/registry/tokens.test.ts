import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteRegistryStore } from './store/sqlite.ts';
import { authenticate, createToken, hashToken } from './tokens.ts';

test('a created token authenticates its owner; only its hash is stored', async (t) => {
  const store = new SqliteRegistryStore(':memory:');
  t.after(() => store.close());
  const { token, record } = await createToken(store, 'alice', 'laptop');
  assert.match(token, /^bbt_[A-Za-z0-9_-]{43}$/);
  const stored = await store.findTokenByHash(hashToken(token));
  assert.equal(stored?.id, record.id);
  assert.ok(!JSON.stringify(await store.listTokens()).includes(token));
  const auth = await authenticate(store, `Bearer ${token}`);
  assert.ok(auth.ok);
  assert.equal(auth.token.owner, 'alice');
});

test('missing, malformed, unknown and revoked tokens are refused without echoing them', async (t) => {
  const store = new SqliteRegistryStore(':memory:');
  t.after(() => store.close());
  const { token, record } = await createToken(store, 'alice');
  const refused = async (header: string | undefined, pattern: RegExp) => {
    const auth = await authenticate(store, header);
    assert.ok(!auth.ok);
    assert.match(auth.message, pattern);
    if (header) assert.ok(!auth.message.includes(header.replace(/^Bearer /, '')));
  };
  await refused(undefined, /needs a token/);
  await refused('Basic abc', /Malformed/);
  await refused('Bearer bbt_unknown', /Unknown token/);
  await store.revokeToken(record.id);
  await refused(`Bearer ${token}`, /revoked/);
});

test('owners are validated', async (t) => {
  const store = new SqliteRegistryStore(':memory:');
  t.after(() => store.close());
  await assert.rejects(createToken(store, 'no spaces'), /Invalid owner/);
});
