/**
 * Numbered schema migrations for the embedded SQLite store. Append only: a migration that has
 * run on some data dir is never edited, a change is a new entry. `schema_migrations` records
 * which ran. (A PostgreSQL store would keep its own list with the same numbering.)
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'tokens, packages, versions',
    sql: `
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        label TEXT,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE packages (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE versions (
        name TEXT NOT NULL REFERENCES packages(name),
        version TEXT NOT NULL,
        manifest TEXT NOT NULL,
        bundle_sha256 TEXT NOT NULL,
        bundle_size INTEGER NOT NULL,
        source_map_sha256 TEXT,
        published_at TEXT NOT NULL,
        published_by TEXT NOT NULL,
        PRIMARY KEY (name, version)
      );
    `,
  },
  {
    id: 2,
    name: 'saved sources',
    sql: `
      CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    id: 3,
    name: 'retire the home-made registry: plugins, versions and tokens live on the npm registry',
    sql: `
      DROP TABLE IF EXISTS versions;
      DROP TABLE IF EXISTS packages;
      DROP TABLE IF EXISTS tokens;
    `,
  },
  {
    id: 4,
    name: 'saved sources belong to a workspace (older rows to none: kept, invisible)',
    sql: `
      CREATE TABLE sources_by_workspace (
        workspace TEXT NOT NULL,
        name TEXT NOT NULL,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace, name)
      );
      INSERT INTO sources_by_workspace (workspace, name, source, updated_at)
        SELECT '', name, source, updated_at FROM sources;
      DROP TABLE sources;
      ALTER TABLE sources_by_workspace RENAME TO sources;
    `,
  },
];
