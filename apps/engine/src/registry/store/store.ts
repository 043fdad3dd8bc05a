/**
 * Where the studio's saved sources persist. Every method is async so that a server database
 * (PostgreSQL, for several engines sharing one workspace) can implement it as it is; the
 * embedded default is {@link SqliteSourceStore}. Published plugins live on the npm registry.
 */

/** A saved plugin source of the studio's workspace. */
export interface SourceRecord {
  readonly name: string;
  readonly source: string;
  readonly updatedAt: string;
}

export interface SourceStore {
  listSources(): Promise<SourceRecord[]>;
  getSource(name: string): Promise<SourceRecord | undefined>;
  putSource(name: string, source: string): Promise<SourceRecord>;
  deleteSource(name: string): Promise<boolean>;

  close(): Promise<void>;
}

/**
 * The store's server cannot be reached right now (a PostgreSQL restart, a network cut). The
 * request that met it fails; the store reconnects by itself, so the next one may succeed.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}
