/**
 * Plugins from an npm registry and the studio's saved sources (per workspace): HTTP routes for
 * `/api/plugins` and `/api/sources`, and the catalogs `plugin:use` resolves names through.
 *
 * ```ts
 * const registry = await createRegistryService({ dataDir, npmRegistry: npmRegistryFromEnv() });
 * const engine = await createEngine({ ...config, routes: registry.routes, catalogs: registry.catalogs });
 * // on shutdown
 * await registry.dispose();
 * ```
 */
import { join } from 'node:path';
import sdkPackage from '@bambam/sdk/package.json' with { type: 'json' };
import { examplesCatalog, npmCatalog } from './catalogs.ts';
import { NpmPluginSource, type NpmSourceLimits } from './npm/npm-plugin-source.ts';
import { npmRegistryFromEnv } from './npm/npm-registry-url.ts';
import { createPluginRoutes } from './plugins-routes.ts';
import { type SourceLimits, SourceMetrics } from './source-limits.ts';
import { type Example, SavedSources } from './sources.ts';
import { createSourceRoutes } from './sources-routes.ts';
import { PostgresSourceStore } from './store/postgres.ts';
import { SqliteSourceStore } from './store/sqlite.ts';
import type { SourceStore } from './store/store.ts';
import { consoleLogger, type PluginCatalog, type RegistryLogger, type RouteModule } from './types.ts';
import { WorkerValidator } from './validator-pool.ts';
import { CookieWorkspaces } from './workspace/cookie-workspaces.ts';
import type { OidcSettings } from './workspace/oidc-settings.ts';
import { OidcSignIn, signInStatusRoute } from './workspace/oidc-sign-in.ts';
import type { WorkspaceIdentity } from './workspace/workspace-identity.ts';

export type { Manifest } from './manifest.ts';
export { NPM_REGISTRY_SETTING } from './npm/npm-client.ts';
export {
  DEFAULT_NPM_SOURCE_LIMITS,
  type LoadedPlugin,
  type NpmSourceLimits,
} from './npm/npm-plugin-source.ts';
export { npmRegistryFromEnv } from './npm/npm-registry-url.ts';
export type { PackageInfo, PluginSummary, VersionInfo } from './plugins-routes.ts';
export {
  DEFAULT_SOURCE_LIMITS,
  SOURCE_LIMIT_SETTINGS,
  type SourceLimits,
  SourceLimitsError,
  sourceLimitsFromEnv,
} from './source-limits.ts';
export { DATABASE_URL_SETTING, describeDatabaseUrl } from './store/postgres.ts';
export { type SourceStore, StoreUnavailableError, WorkspaceFullError } from './store/store.ts';
export type { CompiledBundle, PluginCatalog, RegistryLogger, RouteModule } from './types.ts';
export { CookieWorkspaces, WORKSPACE_COOKIE } from './workspace/cookie-workspaces.ts';
export {
  DEFAULT_OIDC_SETTINGS,
  OIDC_SETTINGS,
  type OidcSettings,
  OidcSettingsError,
  oidcSettingsFromEnv,
} from './workspace/oidc-settings.ts';
export { OidcSignIn, SESSION_COOKIE } from './workspace/oidc-sign-in.ts';
export type { SignInStatus, WorkspaceIdentity } from './workspace/workspace-identity.ts';
export { NpmPluginSource, PostgresSourceStore, SavedSources, SqliteSourceStore };

export interface RegistryServiceOptions {
  /** Where saved sources (`registry.sqlite`) and verified plugins (`plugin-cache/`) live. */
  readonly dataDir: string;
  /** The npm registry plugins come from; default {@link npmRegistryFromEnv}. */
  readonly npmRegistry?: string;
  /** Timeouts and size limits of plugin loads. */
  readonly limits?: Partial<NpmSourceLimits>;
  /** Where refusals and publishes are reported. Default: the console, prefixed `[registry]`. */
  readonly logger?: RegistryLogger;
  /**
   * Saved sources on PostgreSQL (`postgres://…`, `BAMBAM_DATABASE_URL`), shared by every engine
   * using the same URL; unset: the SQLite file under `dataDir`. Unreachable → `createRegistryService`
   * rejects with a {@link StoreUnavailableError} naming the setting.
   */
  readonly databaseUrl?: string;
  /** A store of your own for saved sources; wins over `databaseUrl`. */
  readonly store?: SourceStore;
  /** Bundled examples served as read-only defaults of every workspace; default bam-drum. */
  readonly examples?: readonly Example[];
  /**
   * Require sign-in through this OpenID provider (`oidcSettingsFromEnv()`): a user's workspace
   * follows them across browsers. Unset: a workspace per browser ({@link CookieWorkspaces}).
   */
  readonly signIn?: OidcSettings;
  /** Saved sources per workspace and their size; default {@link DEFAULT_SOURCE_LIMITS}. */
  readonly sourceLimits?: Partial<SourceLimits>;
}

export interface RegistryService {
  /** Mount these on the engine's HTTP server (`/api/plugins`, `/api/sources`, `/api/me`, `/auth`). */
  readonly routes: RouteModule[];
  /** Pass these to the engine: saved sources first, then the npm registry. */
  readonly catalogs: PluginCatalog[];
  readonly npm: NpmPluginSource;
  readonly sources: SavedSources;
  readonly store: SourceStore;
  /** Counters of refused saves; register them on the engine's metrics with `registerOn`. */
  readonly metrics: SourceMetrics;
  /** Whose workspace a request is in (a browser's cookie, or the signed-in user). */
  readonly identity: WorkspaceIdentity;
  dispose(): Promise<void>;
}

/** The database file of saved sources under a data dir (its name predates the npm registry). */
export const databasePath = (dataDir: string): string => join(dataDir, 'registry.sqlite');

/** Verified plugin packages, by integrity, under a data dir. */
export const pluginCachePath = (dataDir: string): string => join(dataDir, 'plugin-cache');

export async function createRegistryService(options: RegistryServiceOptions): Promise<RegistryService> {
  const logger = options.logger ?? consoleLogger;
  // Before opening anything: a provider that cannot be read stops the start with its reason.
  const signIn = options.signIn ? await OidcSignIn.start(options.signIn, logger) : undefined;
  const identity: WorkspaceIdentity = signIn ?? new CookieWorkspaces();
  const store =
    options.store ??
    (options.databaseUrl
      ? await PostgresSourceStore.open(options.databaseUrl, {
          onConnectionLost: (error) =>
            logger.warn(`PostgreSQL connection lost (the pool reconnects): ${error.message}`),
        })
      : new SqliteSourceStore(databasePath(options.dataDir)));
  const validator = new WorkerValidator();
  const npm = new NpmPluginSource({
    registry: options.npmRegistry ?? npmRegistryFromEnv(),
    cacheDir: pluginCachePath(options.dataDir),
    sdkVersion: sdkPackage.version,
    validate: validator.validate,
    logger,
    limits: options.limits,
  });
  const metrics = new SourceMetrics();
  const sources = new SavedSources(store, {
    examples: options.examples,
    limits: options.sourceLimits,
    metrics,
  });
  let disposed = false;
  return {
    routes: [
      signIn ? signIn.routes : signInStatusRoute(identity),
      createPluginRoutes(npm, logger),
      createSourceRoutes(sources, identity, logger),
    ],
    catalogs: [examplesCatalog(sources), npmCatalog(npm)],
    npm,
    sources,
    store,
    metrics,
    identity,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await validator.dispose();
      await store.close();
    },
  };
}
