import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { MIGRATIONS } from './migrations.ts';
import { migrate, SqliteRegistryStore } from './sqlite.ts';
import type { VersionRecord } from './store.ts';

function tempDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bambam-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'registry.sqlite');
}

function version(name: string, v: string, description = 'A drum.'): VersionRecord {
  return {
    name,
    version: v,
    manifest: JSON.stringify({ name, version: v, description }),
    bundleSha256: 'a'.repeat(64),
    bundleSize: 10,
    sourceMapSha256: null,
    publishedAt: new Date().toISOString(),
    publishedBy: 'tok1',
  };
}

test('migrations run once, in order, and are recorded', (t) => {
  const path = tempDb(t);
  const store = new SqliteRegistryStore(path);
  assert.deepEqual(
    store.appliedMigrations(),
    MIGRATIONS.map((m) => m.id),
  );
  store.close();
  const db = new DatabaseSync(path);
  assert.deepEqual(migrate(db), [], 'a second run applies nothing');
  const extra = [...MIGRATIONS, { id: 99, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER)' }];
  assert.deepEqual(migrate(db, extra), [99]);
  db.close();
});

test('a failing migration rolls back and says which one', (t) => {
  const db = new DatabaseSync(tempDb(t));
  migrate(db);
  const broken = [...MIGRATIONS, { id: 7, name: 'broken', sql: 'CREATE TABLE ok (x); CREATE TABLE nope (' }];
  assert.throws(() => migrate(db, broken), /migration 7 \(broken\) failed/);
  assert.equal(db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").get(), undefined);
  db.close();
});

test('tokens: insert, find by hash, revoke, list', async (t) => {
  const store = new SqliteRegistryStore(tempDb(t));
  t.after(() => store.close());
  await store.insertToken({ id: 't1', owner: 'alice', label: 'laptop', hash: 'h1' });
  assert.equal((await store.findTokenByHash('h1'))?.owner, 'alice');
  assert.equal(await store.findTokenByHash('nope'), undefined);
  assert.equal(await store.revokeToken('t1'), true);
  assert.ok((await store.findTokenByHash('h1'))?.revokedAt);
  assert.equal(await store.revokeToken('missing'), false);
  assert.equal((await store.listTokens()).length, 1);
});

test('publish claims a name, refuses duplicates and other owners', async (t) => {
  const store = new SqliteRegistryStore(tempDb(t));
  t.after(() => store.close());
  assert.deepEqual(await store.publish(version('drum', '1.0.0'), 'alice'), { ok: true });
  assert.deepEqual(await store.publish(version('drum', '1.0.0'), 'alice'), { ok: false, reason: 'exists' });
  assert.deepEqual(await store.publish(version('drum', '1.1.0'), 'bob'), { ok: false, reason: 'owner' });
  assert.deepEqual(await store.publish(version('drum', '1.1.0'), 'alice'), { ok: true });
  assert.equal((await store.getPackage('drum'))?.owner, 'alice');
  assert.deepEqual(
    (await store.listVersions('drum')).map((v) => v.version),
    ['1.0.0', '1.1.0'],
  );
});

test('search matches names and descriptions, case-insensitively, with LIKE characters escaped', async (t) => {
  const store = new SqliteRegistryStore(tempDb(t));
  t.after(() => store.close());
  await store.publish(version('drum', '1.0.0', 'A kick DRUM'), 'alice');
  await store.publish(version('bells', '1.0.0', 'Chimes that ring 100%'), 'bob');
  assert.deepEqual((await store.search('', 10)).map((p) => p.name).sort(), ['bells', 'drum']);
  assert.deepEqual(
    (await store.search('kick', 10)).map((p) => p.name),
    ['drum'],
  );
  assert.deepEqual(
    (await store.search('BELL', 10)).map((p) => p.name),
    ['bells'],
  );
  assert.deepEqual(
    (await store.search('100%', 10)).map((p) => p.name),
    ['bells'],
  );
  assert.deepEqual(await store.search('_', 10), []);
});

test('saved sources: put, update, list, delete', async (t) => {
  const store = new SqliteRegistryStore(tempDb(t));
  t.after(() => store.close());
  await store.putSource('a', 'one');
  await store.putSource('a', 'two');
  assert.equal((await store.getSource('a'))?.source, 'two');
  assert.equal((await store.listSources()).length, 1);
  assert.equal(await store.deleteSource('a'), true);
  assert.equal(await store.deleteSource('a'), false);
});

test('the database survives closing and reopening', async (t) => {
  const path = tempDb(t);
  const first = new SqliteRegistryStore(path);
  await first.publish(version('drum', '1.0.0'), 'alice');
  await first.putSource('mine', 'source');
  await first.close();
  const second = new SqliteRegistryStore(path);
  t.after(() => second.close());
  assert.equal((await second.getVersion('drum', '1.0.0'))?.bundleSize, 10);
  assert.equal((await second.getSource('mine'))?.source, 'source');
});

test('several processes opening a new database at once migrate it exactly once', async (t) => {
  const path = tempDb(t);
  const store = new URL('./sqlite.ts', import.meta.url).href;
  // All start together: each child waits for the same instant before opening the file.
  const at = Date.now() + 1500;
  const script = `import { SqliteRegistryStore } from ${JSON.stringify(store)};
    while (Date.now() < ${at}) {}
    const s = new SqliteRegistryStore(${JSON.stringify(path)}); await s.close();`;
  const { spawn } = await import('node:child_process');
  const codes = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<number>((done) => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
          child.on('exit', (code) => done(code ?? 1));
        }),
    ),
  );
  assert.deepEqual(codes, [0, 0, 0, 0]);
  const db = new DatabaseSync(path);
  const rows = db.prepare('SELECT id FROM schema_migrations ORDER BY id').all();
  db.close();
  assert.deepEqual(
    rows.map((r) => Number(r.id)),
    MIGRATIONS.map((m) => m.id),
  );
});
