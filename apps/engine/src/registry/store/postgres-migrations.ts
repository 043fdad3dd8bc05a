/**
 * Numbered schema migrations for the PostgreSQL store, append only like SQLite's
 * (`migrations.ts`): a migration that ran on some database is never edited; a change is a new
 * entry. The numbering is SQLite's, so "migration N" means the same schema on both: 1 and 3
 * concern the retired registry's tables, which a PostgreSQL database never had.
 */
import type { Migration } from './migrations.ts';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    id: 2,
    name: 'saved sources',
    sql: `
      CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    id: 4,
    name: 'saved sources belong to a workspace (older rows to none: kept, invisible)',
    sql: `
      ALTER TABLE sources ADD COLUMN workspace TEXT NOT NULL DEFAULT '';
      ALTER TABLE sources ALTER COLUMN workspace DROP DEFAULT;
      ALTER TABLE sources DROP CONSTRAINT sources_pkey;
      ALTER TABLE sources ADD PRIMARY KEY (workspace, name);
    `,
  },
];
