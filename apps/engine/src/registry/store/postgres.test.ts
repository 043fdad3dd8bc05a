/**
 * The PostgreSQL store on a throwaway server (Debian's PostgreSQL; `.ci/run` installs it):
 * the shared store suite, migrations, the server going away and coming back, an unreachable
 * server at start. Skips with the reason when PostgreSQL is not installed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { postgresMissing, type RunningPostgres, startPostgres } from '../../testing/postgres.ts';
import { describeDatabaseUrl, migratePostgres, PostgresSourceStore } from './postgres.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { sourceStoreSuite } from './source-store-suite.ts';
import { StoreUnavailableError } from './store.ts';

const missing = postgresMissing();
if (missing) console.log(`# skipping the PostgreSQL store tests: ${missing}`);

let server: RunningPostgres | undefined;
let databases = 0;
let current = '';

/** A fresh database on the shared server, so tests do not see each other's rows. */
async function freshDatabase(): Promise<string> {
  const name = `t${++databases}`;
  const admin = new pg.Client({ connectionString: server!.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return server!.url.replace(/\/bambam$/, `/${name}`);
}

before(async () => {
  if (!missing) server = await startPostgres();
});
after(() => server?.dispose());

const quiet = { onConnectionLost: () => {} };

sourceStoreSuite(
  'PostgreSQL',
  {
    async open() {
      current = await freshDatabase();
      return PostgresSourceStore.open(current, quiet);
    },
    async reopen() {
      return PostgresSourceStore.open(current, quiet);
    },
  },
  { skip: missing },
);

describe('PostgreSQL store', { skip: missing }, () => {
  test('migrations run once, in order, recorded; engines opening together migrate once', async (t) => {
    const url = await freshDatabase();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresSourceStore.open(url, quiet)));
    t.after(() => Promise.all(stores.map((s) => s.close())));
    assert.deepEqual(
      await stores[0]!.appliedMigrations(),
      POSTGRES_MIGRATIONS.map((m) => m.id),
    );
    const pool = new pg.Pool({ connectionString: url });
    t.after(() => pool.end());
    assert.deepEqual(await migratePostgres(pool), [], 'a second run applies nothing');
    const extra = [...POSTGRES_MIGRATIONS, { id: 99, name: 'extra', sql: 'CREATE TABLE extra (x INTEGER)' }];
    assert.deepEqual(await migratePostgres(pool, extra), [99]);
  });

  test('a failing migration rolls back and says which one', async (t) => {
    const url = await freshDatabase();
    const pool = new pg.Pool({ connectionString: url });
    t.after(() => pool.end());
    await migratePostgres(pool);
    const broken = [
      ...POSTGRES_MIGRATIONS,
      { id: 7, name: 'broken', sql: 'CREATE TABLE ok (x INT); CREATE TABLE nope (' },
    ];
    await assert.rejects(migratePostgres(pool, broken), /migration 7 \(broken\) failed/);
    const { rows } = await pool.query("SELECT to_regclass('ok') AS t");
    assert.equal(rows[0].t, null);
  });

  test('migration 4 keeps sources saved before workspaces, in no workspace (invisible)', async (t) => {
    const url = await freshDatabase();
    const pool = new pg.Pool({ connectionString: url });
    t.after(() => pool.end());
    await migratePostgres(
      pool,
      POSTGRES_MIGRATIONS.filter((m) => m.id < 4),
    );
    await pool.query("INSERT INTO sources (name, source, updated_at) VALUES ('mine', 'kept', now())");
    const store = await PostgresSourceStore.open(url, quiet);
    t.after(() => store.close());
    assert.equal((await store.getSource('', 'mine'))?.source, 'kept');
    assert.deepEqual(await store.listSources('any-workspace'), []);
  });

  test('an unreachable server at start: a clear error naming the setting and the address, no password', async () => {
    const url = 'postgres://bambam:s3cret@127.0.0.1:1/bambam';
    const error = await PostgresSourceStore.open(url, { ...quiet, connectTimeoutMs: 2000 }).then(
      () => assert.fail('opened'),
      (e: unknown) => e as Error,
    );
    assert.ok(error instanceof StoreUnavailableError, String(error));
    assert.match(error.message, /BAMBAM_DATABASE_URL/);
    assert.match(error.message, /127\.0\.0\.1:1\/bambam/);
    assert.doesNotMatch(error.message, /s3cret/);
    assert.equal(describeDatabaseUrl('postgresql://u:p@db.example.org/w'), 'db.example.org:5432/w');
  });

  test('the server goes away: requests fail with StoreUnavailableError, then recover when it is back', async (t) => {
    const url = await freshDatabase();
    const store = await PostgresSourceStore.open(url, { ...quiet, connectTimeoutMs: 2000 });
    t.after(() => store.close());
    await store.putSource('w', 'kept', 'before');
    await server!.stop();
    try {
      await assert.rejects(store.putSource('w', 'kept', 'during'), (error: Error) => {
        assert.ok(error instanceof StoreUnavailableError, String(error));
        assert.match(error.message, /will work again when it is back/);
        return true;
      });
      await assert.rejects(store.listSources('w'), StoreUnavailableError);
    } finally {
      await server!.start();
    }
    assert.equal((await store.getSource('w', 'kept'))?.source, 'before', 'nothing half-written');
    await store.putSource('w', 'kept', 'after');
    assert.equal((await store.getSource('w', 'kept'))?.source, 'after');
  });
});
