/**
 * The registry's persistence contract. Every method is async so that a server database
 * (PostgreSQL, for several engines sharing one registry) can implement it as it is; the
 * embedded default is {@link SqliteRegistryStore}. Bundle bytes are not stored here but in a
 * {@link BlobStore} keyed by their SHA-256.
 */

/** A publish token as stored: never the token itself, only its SHA-256. */
export interface TokenRecord {
  readonly id: string;
  readonly owner: string;
  readonly label: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** A plugin name and who owns it (the owner of the token that first published it). */
export interface PackageRecord {
  readonly name: string;
  readonly owner: string;
  readonly createdAt: string;
}

/** One immutable published version. `manifest` is the validated manifest as JSON text. */
export interface VersionRecord {
  readonly name: string;
  readonly version: string;
  readonly manifest: string;
  readonly bundleSha256: string;
  readonly bundleSize: number;
  readonly sourceMapSha256: string | null;
  readonly publishedAt: string;
  readonly publishedBy: string;
}

/** A saved plugin source of the studio's workspace. */
export interface SourceRecord {
  readonly name: string;
  readonly source: string;
  readonly updatedAt: string;
}

export type PublishOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'exists' | 'owner' };

export interface RegistryStore {
  insertToken(token: { id: string; owner: string; label: string | null; hash: string }): Promise<TokenRecord>;
  /** The token whose hash this is, revoked or not. */
  findTokenByHash(hash: string): Promise<TokenRecord | undefined>;
  /** Marks it revoked; false when there is no such token. */
  revokeToken(id: string): Promise<boolean>;
  listTokens(): Promise<TokenRecord[]>;

  getPackage(name: string): Promise<PackageRecord | undefined>;
  /** All versions of a package, in publish order. */
  listVersions(name: string): Promise<VersionRecord[]>;
  getVersion(name: string, version: string): Promise<VersionRecord | undefined>;
  /**
   * Packages whose name or any version's description contains `query` (case-insensitive; all
   * when empty), most recently published first.
   */
  search(query: string, limit: number): Promise<PackageRecord[]>;
  /**
   * Atomically: claims the name for `owner` if it is new, refuses if another owner has it,
   * refuses if the version exists, else records the version.
   */
  publish(version: VersionRecord, owner: string): Promise<PublishOutcome>;

  listSources(): Promise<SourceRecord[]>;
  getSource(name: string): Promise<SourceRecord | undefined>;
  putSource(name: string, source: string): Promise<SourceRecord>;
  deleteSource(name: string): Promise<boolean>;

  close(): Promise<void>;
}
