/**
 * The embedded {@link RegistryStore}: one SQLite file through Node's built-in `node:sqlite`
 * (no native build). Statements are synchronous but tiny (indexed lookups on a small
 * database, well under a millisecond), so they do not hold the engine's event loop.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS, type Migration } from './migrations.ts';
import type {
  PackageRecord,
  PublishOutcome,
  RegistryStore,
  SourceRecord,
  TokenRecord,
  VersionRecord,
} from './store.ts';

type Row = Record<string, unknown>;

const now = () => new Date().toISOString();

/** SQLITE_BUSY and SQLITE_LOCKED: another connection holds the lock. */
function isBusy(error: unknown): boolean {
  const errcode = (error as { errcode?: number }).errcode;
  return errcode === 5 || errcode === 6;
}

/**
 * Runs `open` again while another process holds the database lock. Opening runs a few
 * statements that SQLite answers with SQLITE_BUSY at once, without its busy handler (switching
 * a new file to WAL while another process creates it), so `busy_timeout` alone does not cover
 * several processes opening a new database together. Only at startup, so a blocking wait is fine.
 */
function retryWhileBusy<T>(open: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      return open();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      Atomics.wait(sleeper, 0, 0, delayMs);
    }
  }
}

function tokenFrom(row: Row): TokenRecord {
  return {
    id: String(row.id),
    owner: String(row.owner),
    label: row.label === null ? null : String(row.label),
    createdAt: String(row.created_at),
    revokedAt: row.revoked_at === null ? null : String(row.revoked_at),
  };
}

function versionFrom(row: Row): VersionRecord {
  return {
    name: String(row.name),
    version: String(row.version),
    manifest: String(row.manifest),
    bundleSha256: String(row.bundle_sha256),
    bundleSize: Number(row.bundle_size),
    sourceMapSha256: row.source_map_sha256 === null ? null : String(row.source_map_sha256),
    publishedAt: String(row.published_at),
    publishedBy: String(row.published_by),
  };
}

function packageFrom(row: Row): PackageRecord {
  return { name: String(row.name), owner: String(row.owner), createdAt: String(row.created_at) };
}

function sourceFrom(row: Row): SourceRecord {
  return { name: String(row.name), source: String(row.source), updatedAt: String(row.updated_at) };
}

/** Runs the migrations `db` has not seen yet, each in its own transaction. Returns the ids it ran. */
export function migrate(db: DatabaseSync, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const applied = () =>
    new Set(
      db
        .prepare('SELECT id FROM schema_migrations')
        .all()
        .map((row) => Number(row.id)),
    );
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    if (applied().has(migration.id)) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Another process (the token CLI, a second engine) may have applied it while we waited for the lock.
      if (applied().has(migration.id)) {
        db.exec('COMMIT');
        continue;
      }
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)').run(
        migration.id,
        migration.name,
        now(),
      );
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw new Error(
        `Registry migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`,
      );
    }
    ran.push(migration.id);
  }
  return ran;
}

export class SqliteRegistryStore implements RegistryStore {
  readonly path: string;
  readonly #db: DatabaseSync;

  /** Opens (creating if needed) the database file at `path` and brings its schema up to date. */
  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path, { timeout: 5000 });
    const db = this.#db;
    retryWhileBusy(() => {
      db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
      migrate(db);
    });
  }

  /** Ids of the migrations applied to this database. */
  appliedMigrations(): number[] {
    return this.#db
      .prepare('SELECT id FROM schema_migrations ORDER BY id')
      .all()
      .map((row) => Number(row.id));
  }

  async insertToken(token: { id: string; owner: string; label: string | null; hash: string }) {
    const createdAt = now();
    this.#db
      .prepare('INSERT INTO tokens (id, owner, label, hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(token.id, token.owner, token.label, token.hash, createdAt);
    return { id: token.id, owner: token.owner, label: token.label, createdAt, revokedAt: null };
  }

  async findTokenByHash(hash: string) {
    const row = this.#db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash);
    return row ? tokenFrom(row) : undefined;
  }

  async revokeToken(id: string) {
    const result = this.#db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
      .run(now(), id);
    if (Number(result.changes) > 0) return true;
    return this.#db.prepare('SELECT 1 FROM tokens WHERE id = ?').get(id) !== undefined;
  }

  async listTokens() {
    return this.#db.prepare('SELECT * FROM tokens ORDER BY created_at, id').all().map(tokenFrom);
  }

  async getPackage(name: string) {
    const row = this.#db.prepare('SELECT * FROM packages WHERE name = ?').get(name);
    return row ? packageFrom(row) : undefined;
  }

  async listVersions(name: string) {
    return this.#db
      .prepare('SELECT * FROM versions WHERE name = ? ORDER BY published_at, rowid')
      .all(name)
      .map(versionFrom);
  }

  async getVersion(name: string, version: string) {
    const row = this.#db.prepare('SELECT * FROM versions WHERE name = ? AND version = ?').get(name, version);
    return row ? versionFrom(row) : undefined;
  }

  async search(query: string, limit: number) {
    // SQLite refuses a non-integer LIMIT ("datatype mismatch"): whole rows only.
    if (!(limit >= 1)) throw new RangeError(`search limit must be at least 1, got ${limit}`);
    const rows = Math.floor(limit);
    const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.#db
      .prepare(
        `SELECT p.*, MAX(v.published_at) AS last_published FROM packages p
         JOIN versions v ON v.name = p.name
         GROUP BY p.name
         HAVING lower(p.name) LIKE ?1 ESCAPE '\\'
           OR SUM(lower(json_extract(v.manifest, '$.description')) LIKE ?1 ESCAPE '\\') > 0
         ORDER BY last_published DESC, p.name
         LIMIT ?2`,
      )
      .all(pattern, rows)
      .map(packageFrom);
  }

  async publish(version: VersionRecord, owner: string): Promise<PublishOutcome> {
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const existing = db.prepare('SELECT owner FROM packages WHERE name = ?').get(version.name);
      if (existing && existing.owner !== owner) {
        db.exec('ROLLBACK');
        return { ok: false, reason: 'owner' };
      }
      if (
        db.prepare('SELECT 1 FROM versions WHERE name = ? AND version = ?').get(version.name, version.version)
      ) {
        db.exec('ROLLBACK');
        return { ok: false, reason: 'exists' };
      }
      if (!existing) {
        db.prepare('INSERT INTO packages (name, owner, created_at) VALUES (?, ?, ?)').run(
          version.name,
          owner,
          version.publishedAt,
        );
      }
      db.prepare(
        `INSERT INTO versions (name, version, manifest, bundle_sha256, bundle_size, source_map_sha256,
           published_at, published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        version.name,
        version.version,
        version.manifest,
        version.bundleSha256,
        version.bundleSize,
        version.sourceMapSha256,
        version.publishedAt,
        version.publishedBy,
      );
      db.exec('COMMIT');
      return { ok: true };
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  async listSources() {
    return this.#db.prepare('SELECT * FROM sources ORDER BY name').all().map(sourceFrom);
  }

  async getSource(name: string) {
    const row = this.#db.prepare('SELECT * FROM sources WHERE name = ?').get(name);
    return row ? sourceFrom(row) : undefined;
  }

  async putSource(name: string, source: string) {
    const updatedAt = now();
    this.#db
      .prepare(
        `INSERT INTO sources (name, source, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
      )
      .run(name, source, updatedAt);
    return { name, source, updatedAt };
  }

  async deleteSource(name: string) {
    return Number(this.#db.prepare('DELETE FROM sources WHERE name = ?').run(name).changes) > 0;
  }

  async close() {
    if (this.#db.isOpen) this.#db.close();
  }
}
