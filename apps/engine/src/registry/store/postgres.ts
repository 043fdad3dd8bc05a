/**
 * The shared {@link SourceStore}: PostgreSQL through `pg`'s connection pool, for several engines
 * serving one workspace (`BAMBAM_DATABASE_URL=postgres://…`). Every statement is a single
 * round trip; a save is one UPSERT, so two saves of one source at once leave exactly one of
 * them, whole (last writer wins). When the server goes away the failing request gets a
 * {@link StoreUnavailableError}; the pool opens new connections on later requests, so the store
 * recovers by itself when the server is back.
 */
import pg from 'pg';
import type { Migration } from './migrations.ts';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.ts';
import { type SourceRecord, type SourceStore, StoreUnavailableError, WorkspaceFullError } from './store.ts';

/** The environment variable that selects this store; named in every error about it. */
export const DATABASE_URL_SETTING = 'BAMBAM_DATABASE_URL';

export interface PostgresStoreOptions {
  /** Connections per engine (saves and reads are single short statements). */
  readonly maxConnections: number;
  /** Giving up on opening a connection (a server that does not answer at all). */
  readonly connectTimeoutMs: number;
  /** Giving up on one statement. */
  readonly queryTimeoutMs: number;
  /** Where a lost idle connection is reported (the pool replaces it on its own). */
  readonly onConnectionLost: (error: Error) => void;
}

export const DEFAULT_POSTGRES_STORE_OPTIONS: PostgresStoreOptions = {
  maxConnections: 4,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 10_000,
  onConnectionLost: (error) => console.error(`[registry] PostgreSQL connection lost: ${error.message}`),
};

/** Any number, the same for every engine: serialises migrations across engines starting together. */
const MIGRATION_LOCK = 0x62616d62; // "bamb"

/** `host:port/database` of a connection URL: what errors print (never the user or password). */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const port = parsed.port || '5432';
    return `${parsed.hostname || 'localhost'}:${port}${parsed.pathname || ''}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/**
 * True when `error` means "the server cannot be reached or dropped us" (sockets, timeouts, the
 * server shutting down or refusing connections), not a fault of the statement itself.
 */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    // 08: connection exception; 57P0x: shutdown / cannot connect now; 53: out of resources.
    return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53');
  }
  return error instanceof Error;
}

/**
 * Runs the migrations the database has not seen yet, in one transaction under an advisory lock,
 * so engines starting together migrate once. Returns the ids it ran.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly Migration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  const ran: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`);
    const applied = new Set(
      (await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((row) =>
        Number(row.id),
      ),
    );
    for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
      if (applied.has(migration.id)) continue;
      try {
        await client.query(migration.sql);
      } catch (error) {
        throw new Error(
          `Registry migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      await client.query('INSERT INTO schema_migrations (id, name, applied_at) VALUES ($1, $2, now())', [
        migration.id,
        migration.name,
      ]);
      ran.push(migration.id);
    }
    await client.query('COMMIT');
    return ran;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

interface SourceRow {
  name: string;
  source: string;
  updated_at: Date;
}

const sourceFrom = (row: SourceRow): SourceRecord => ({
  name: row.name,
  source: row.source,
  updatedAt: row.updated_at.toISOString(),
});

export class PostgresSourceStore implements SourceStore {
  /** `host:port/database`, for messages. */
  readonly where: string;
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool, where: string) {
    this.#pool = pool;
    this.where = where;
  }

  /**
   * Connects, brings the schema up to date and returns the store. An unreachable server is a
   * {@link StoreUnavailableError} naming `BAMBAM_DATABASE_URL` and the server's address.
   */
  static async open(url: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresSourceStore> {
    const settings = { ...DEFAULT_POSTGRES_STORE_OPTIONS, ...options };
    const where = describeDatabaseUrl(url);
    const pool = new pg.Pool({
      connectionString: url,
      max: settings.maxConnections,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      query_timeout: settings.queryTimeoutMs,
      keepAlive: true,
    });
    // An idle connection dropped by the server is reported here; without a listener the pool's
    // 'error' event would end the engine.
    pool.on('error', (error) => settings.onConnectionLost(error));
    try {
      await migratePostgres(pool);
    } catch (error) {
      await pool.end().catch(() => {});
      const reason = (error as Error).message || String(error);
      if (isConnectionError(error) && !reason.startsWith('Registry migration')) {
        throw new StoreUnavailableError(
          `Cannot reach PostgreSQL at ${where} (${DATABASE_URL_SETTING}): ${reason}. Start the database or fix ${DATABASE_URL_SETTING}.`,
        );
      }
      throw new Error(`PostgreSQL at ${where} (${DATABASE_URL_SETTING}): ${reason}`, { cause: error });
    }
    return new PostgresSourceStore(pool, where);
  }

  /** Ids of the migrations applied to this database. */
  async appliedMigrations(): Promise<number[]> {
    const result = await this.#query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
    return result.rows.map((row) => Number(row.id));
  }

  async listSources(workspace: string) {
    return (
      await this.#query<SourceRow>(
        'SELECT name, source, updated_at FROM sources WHERE workspace = $1 ORDER BY name',
        [workspace],
      )
    ).rows.map(sourceFrom);
  }

  async getSource(workspace: string, name: string) {
    const result = await this.#query<SourceRow>(
      'SELECT name, source, updated_at FROM sources WHERE workspace = $1 AND name = $2',
      [workspace, name],
    );
    return result.rows[0] ? sourceFrom(result.rows[0]) : undefined;
  }

  async putSource(workspace: string, name: string, source: string, maxSources = Number.POSITIVE_INFINITY) {
    // Concurrent saves of one name serialise on its row; the last one wins whole. A new name is
    // inserted only while the workspace is under its limit; creations in one workspace take its
    // advisory lock first, so that the count the INSERT sees (its own snapshot, taken after the
    // lock) includes every creation that committed before.
    const limit = Number.isFinite(maxSources) ? maxSources : null;
    const result = await this.#transaction((client) =>
      client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [workspace]).then(() =>
        client.query<SourceRow>(
          `INSERT INTO sources (workspace, name, source, updated_at)
               SELECT $1, $2, $3, clock_timestamp()
               WHERE $4::int IS NULL
                  OR EXISTS (SELECT 1 FROM sources WHERE workspace = $1 AND name = $2)
                  OR (SELECT count(*) FROM sources WHERE workspace = $1) < $4::int
             ON CONFLICT (workspace, name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at
             RETURNING name, source, updated_at`,
          [workspace, name, source, limit],
        ),
      ),
    );
    if (!result.rows[0]) throw new WorkspaceFullError(maxSources);
    return sourceFrom(result.rows[0]);
  }

  async deleteSource(workspace: string, name: string) {
    return (
      ((await this.#query('DELETE FROM sources WHERE workspace = $1 AND name = $2', [workspace, name]))
        .rowCount ?? 0) > 0
    );
  }

  async close() {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async #query<Row extends pg.QueryResultRow>(
    sql: string,
    params: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    try {
      return await this.#pool.query<Row>(sql, params);
    } catch (error) {
      throw this.#unavailableOr(error);
    }
  }

  /** Runs `work` in one transaction on one pooled connection; rolled back when it throws. */
  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#unavailableOr(error);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      // A connection that failed mid-transaction is not given back to the pool.
      client.release(true);
      throw this.#unavailableOr(error);
    }
  }

  #unavailableOr(error: unknown): unknown {
    if (!isConnectionError(error)) return error;
    return new StoreUnavailableError(
      `The saved sources' database (PostgreSQL at ${this.where}) is unavailable: ${(error as Error).message}. ` +
        'Saving and loading sources will work again when it is back; playing is not affected.',
    );
  }
}
