/**
 * Where the studio's saved sources persist, each under its workspace (a browser's cookie or a
 * signed-in user, see ../workspace/). Every method is async so that a server database
 * (PostgreSQL, for several engines sharing workspaces) can implement it as it is; the
 * embedded default is {@link SqliteSourceStore}. Published plugins live on the npm registry.
 *
 * A workspace is an opaque non-empty key. Rows saved before sources had workspaces belong to
 * the empty key, which no request ever gets: they are kept but invisible.
 */

/** A saved plugin source of one workspace. */
export interface SourceRecord {
  readonly name: string;
  readonly source: string;
  readonly updatedAt: string;
}

export interface SourceStore {
  listSources(workspace: string): Promise<SourceRecord[]>;
  getSource(workspace: string, name: string): Promise<SourceRecord | undefined>;
  /**
   * Saves (creates or replaces) a source. Creating one in a workspace that already holds
   * `maxSources` is refused with {@link WorkspaceFullError}, atomically: concurrent saves never
   * take a workspace over its limit. Replacing an existing source is always allowed.
   */
  putSource(workspace: string, name: string, source: string, maxSources?: number): Promise<SourceRecord>;
  deleteSource(workspace: string, name: string): Promise<boolean>;

  close(): Promise<void>;
}

/**
 * The store's server cannot be reached right now (a PostgreSQL restart, a network cut). The
 * request that met it fails; the store reconnects by itself, so the next one may succeed.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** A new source would take its workspace over its limit of saved sources. */
export class WorkspaceFullError extends Error {
  override name = 'WorkspaceFullError';
  readonly limit: number;
  constructor(limit: number) {
    super(`This workspace already holds ${limit} saved sources, the limit; delete one to save another.`);
    this.limit = limit;
  }
}
