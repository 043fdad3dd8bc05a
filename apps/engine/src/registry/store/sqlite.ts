/**
 * The embedded {@link SourceStore}: one SQLite file through Node's built-in `node:sqlite`
 * (no native build). Statements are synchronous but tiny (indexed lookups on a small
 * database, well under a millisecond), so they do not hold the engine's event loop.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { MIGRATIONS, type Migration } from './migrations.ts';
import { type SourceRecord, type SourceStore, WorkspaceFullError } from './store.ts';

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
      // Another process (a second engine) may have applied it while we waited for the lock.
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

export class SqliteSourceStore implements SourceStore {
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

  async listSources(workspace: string) {
    return this.#db
      .prepare('SELECT * FROM sources WHERE workspace = ? ORDER BY name')
      .all(workspace)
      .map(sourceFrom);
  }

  async getSource(workspace: string, name: string) {
    const row = this.#db
      .prepare('SELECT * FROM sources WHERE workspace = ? AND name = ?')
      .get(workspace, name);
    return row ? sourceFrom(row) : undefined;
  }

  async putSource(workspace: string, name: string, source: string, maxSources = Number.POSITIVE_INFINITY) {
    const updatedAt = now();
    // One immediate transaction: the count and the insert see the same rows, also when another
    // process (a second engine on the same file) saves into this workspace at the same time.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const exists = this.#db
        .prepare('SELECT 1 FROM sources WHERE workspace = ? AND name = ?')
        .get(workspace, name);
      if (!exists) {
        const count = Number(
          this.#db.prepare('SELECT count(*) AS n FROM sources WHERE workspace = ?').get(workspace)?.n,
        );
        if (count >= maxSources) throw new WorkspaceFullError(maxSources);
      }
      this.#db
        .prepare(
          `INSERT INTO sources (workspace, name, source, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(workspace, name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at`,
        )
        .run(workspace, name, source, updatedAt);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return { name, source, updatedAt };
  }

  async deleteSource(workspace: string, name: string) {
    return (
      Number(
        this.#db.prepare('DELETE FROM sources WHERE workspace = ? AND name = ?').run(workspace, name).changes,
      ) > 0
    );
  }

  async close() {
    if (this.#db.isOpen) this.#db.close();
  }
}
