/**
 * The engine's plugin registry and the studio's saved sources: HTTP routes for
 * `/api/plugins` and `/api/sources`, and the catalogs `plugin:use` resolves names through.
 *
 * ```ts
 * const registry = await createRegistryService({ dataDir });
 * const engine = await createEngine({ ...config, routes: registry.routes, catalogs: registry.catalogs });
 * // on shutdown
 * await registry.dispose();
 * ```
 */
import { join } from 'node:path';
import sdkPackage from '@bambam/sdk/package.json' with { type: 'json' };
import { BlobStore } from './blobs.ts';
import { registryCatalog, savedSourcesCatalog } from './catalogs.ts';
import { createPluginRoutes } from './plugins-routes.ts';
import { DEFAULT_REGISTRY_LIMITS, Registry, type RegistryLimits } from './registry.ts';
import { type Example, SavedSources } from './sources.ts';
import { createSourceRoutes } from './sources-routes.ts';
import { SqliteRegistryStore } from './store/sqlite.ts';
import type { RegistryStore } from './store/store.ts';
import { consoleLogger, type PluginCatalog, type RegistryLogger, type RouteModule } from './types.ts';
import { WorkerValidator } from './validator.ts';

export type { Manifest } from './manifest.ts';
export type { PackageInfo, PublishRequest, RegistryLimits, VersionInfo } from './registry.ts';
export type { RegistryStore } from './store/store.ts';
export { createToken } from './tokens.ts';
export type { CompiledBundle, PluginCatalog, RegistryLogger, RouteModule } from './types.ts';
export { BlobStore, DEFAULT_REGISTRY_LIMITS, Registry, SavedSources, SqliteRegistryStore };

export interface RegistryServiceOptions {
  /** Where the database (`registry.sqlite`) and bundles (`bundles/`) live. */
  readonly dataDir: string;
  /** Limits on uploads. */
  readonly limits?: Partial<RegistryLimits>;
  /** Where corrupt bundles and publishes are reported. Default: the console, prefixed `[registry]`. */
  readonly logger?: RegistryLogger;
  /** A different store (e.g. PostgreSQL); default the SQLite file under `dataDir`. */
  readonly store?: RegistryStore;
  /** Bundled examples served as saved sources; default bam-drum. */
  readonly examples?: readonly Example[];
}

export interface RegistryService {
  /** Mount these on the engine's HTTP server (`/api/plugins`, `/api/sources`). */
  readonly routes: RouteModule[];
  /** Pass these to the engine: saved sources first, then published plugins. */
  readonly catalogs: PluginCatalog[];
  readonly registry: Registry;
  readonly sources: SavedSources;
  readonly store: RegistryStore;
  dispose(): Promise<void>;
}

/** The database file under a data dir. */
export const databasePath = (dataDir: string): string => join(dataDir, 'registry.sqlite');

export async function createRegistryService(options: RegistryServiceOptions): Promise<RegistryService> {
  const logger = options.logger ?? consoleLogger;
  const store = options.store ?? new SqliteRegistryStore(databasePath(options.dataDir));
  const blobs = new BlobStore(join(options.dataDir, 'bundles'));
  const validator = new WorkerValidator();
  const registry = new Registry({
    store,
    blobs,
    logger,
    sdkVersion: sdkPackage.version,
    validate: validator.validate,
    limits: options.limits,
  });
  const sources = new SavedSources(store, options.examples);
  let disposed = false;
  return {
    routes: [createPluginRoutes(registry, logger), createSourceRoutes(sources, logger)],
    catalogs: [savedSourcesCatalog(sources), registryCatalog(registry)],
    registry,
    sources,
    store,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await validator.dispose();
      await store.close();
    },
  };
}
