import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, test } from 'node:test';
import { MIGRATIONS } from './migrations.ts';
import { sourceStoreSuite } from './source-store-suite.ts';
import { migrate, SqliteSourceStore } from './sqlite.ts';

const suiteDirs: string[] = [];
let suitePath = '';
sourceStoreSuite('SQLite', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'bambam-store-'));
    suiteDirs.push(dir);
    suitePath = join(dir, 'registry.sqlite');
    return new SqliteSourceStore(suitePath);
  },
  async reopen() {
    return new SqliteSourceStore(suitePath);
  },
});
after(() => {
  for (const dir of suiteDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDb(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bambam-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'registry.sqlite');
}

test('migrations 3 and 4 drop the retired registry tables and keep older saved sources, in no workspace', async (t) => {
  const path = tempDb(t);
  const db = new DatabaseSync(path);
  migrate(
    db,
    MIGRATIONS.filter((m) => m.id < 3),
  );
  db.prepare("INSERT INTO sources (name, source, updated_at) VALUES ('mine', 'kept', 'now')").run();
  db.close();
  const store = new SqliteSourceStore(path);
  t.after(() => store.close());
  assert.equal((await store.getSource('', 'mine'))?.source, 'kept', 'kept under the empty workspace');
  assert.deepEqual(await store.listSources('any-workspace'), [], 'invisible to every workspace');
  const check = new DatabaseSync(path);
  const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
  check.close();
  assert.deepEqual(
    tables.map((row) => row.name),
    ['schema_migrations', 'sources'],
  );
});

test('migrations run once, in order, and are recorded', (t) => {
  const path = tempDb(t);
  const store = new SqliteSourceStore(path);
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

test('several processes opening a new database at once migrate it exactly once', async (t) => {
  const path = tempDb(t);
  const store = new URL('./sqlite.ts', import.meta.url).href;
  // All start together: each child waits for the same instant before opening the file.
  const at = Date.now() + 1500;
  const script = `import { SqliteSourceStore } from ${JSON.stringify(store)};
    while (Date.now() < ${at}) {}
    const s = new SqliteSourceStore(${JSON.stringify(path)}); await s.close();`;
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
