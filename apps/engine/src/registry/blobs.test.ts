import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlobStore, CorruptBlobError, MissingBlobError, sha256Hex } from './blobs.ts';

function tempStore(t: { after(fn: () => void): void }): BlobStore {
  const dir = mkdtempSync(join(tmpdir(), 'bambam-blobs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return new BlobStore(dir);
}

test('stores bytes under their SHA-256 and reads them back verified', async (t) => {
  const blobs = tempStore(t);
  const bytes = Buffer.from('plugin code');
  const sha = await blobs.put(bytes);
  assert.equal(sha, sha256Hex(bytes));
  assert.ok(blobs.pathOf(sha).endsWith(`${sha.slice(0, 2)}/${sha}`));
  assert.deepEqual(await blobs.get(sha), bytes);
});

test('a corrupted blob is detected, not returned', async (t) => {
  const blobs = tempStore(t);
  const sha = await blobs.put(Buffer.from('plugin code'));
  writeFileSync(blobs.pathOf(sha), 'plugin c0de');
  await assert.rejects(blobs.get(sha), (error: unknown) => {
    assert.ok(error instanceof CorruptBlobError);
    assert.equal(error.expected, sha);
    assert.match(error.message, /corrupt/);
    return true;
  });
});

test('a missing blob is reported as missing', async (t) => {
  const blobs = tempStore(t);
  const sha = await blobs.put(Buffer.from('x'));
  unlinkSync(blobs.pathOf(sha));
  await assert.rejects(blobs.get(sha), MissingBlobError);
});

test('refuses names that are not hashes (no path traversal)', (t) => {
  const blobs = tempStore(t);
  assert.throws(() => blobs.pathOf('../../etc/passwd'), /Not a SHA-256/);
});
