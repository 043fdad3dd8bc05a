/**
 * Plugins from an npm registry: `name@range` is resolved from the packument (highest
 * satisfying version; the `latest` dist-tag without a range), the tarball is downloaded and
 * checked against the packument's `dist.integrity`, its `dist/` is read, the manifest checked
 * (schema, bundle SHA-256 and size, `@bambam/sdk` range), the bundle loaded in the sandbox
 * (sounds rendered, definition equal to the manifest), and only then cached by integrity.
 * Concurrent loads of one tarball share one download and one check.
 */
import semver from 'semver';
import ssri from 'ssri';
import { ValidationError } from '../bundle-validation.ts';
import { HttpError } from '../http-answers.ts';
import { type Manifest, parseManifest } from '../manifest.ts';
import { sha256Hex } from '../sha256.ts';
import type { CompiledBundle, RegistryLogger } from '../types.ts';
import type { BundleValidator } from '../validator-pool.ts';
import { NpmClient, type Packument, type PackumentVersion } from './npm-client.ts';
import { readPluginPackage } from './package-files.ts';
import { type CachedPlugin, PluginCache } from './plugin-cache.ts';

/** The SDK package a plugin declares as its peer dependency. */
export const SDK_PACKAGE = '@bambam/sdk';

export interface NpmSourceLimits {
  /** Longest any one registry request may take, ms. */
  readonly requestTimeoutMs: number;
  /** Largest tarball downloaded, bytes. */
  readonly maxTarballBytes: number;
  /** Largest `dist/plugin.js`, bytes (what the sandbox loads). */
  readonly maxBundleBytes: number;
  /** Largest `dist/plugin.js.map`, bytes. */
  readonly maxSourceMapBytes: number;
  /** Largest `dist/manifest.json` and `package.json`, bytes. */
  readonly maxMetadataBytes: number;
}

export const DEFAULT_NPM_SOURCE_LIMITS: NpmSourceLimits = {
  requestTimeoutMs: 15_000,
  maxTarballBytes: 8 << 20,
  maxBundleBytes: 1 << 20,
  maxSourceMapBytes: 4 << 20,
  maxMetadataBytes: 256 << 10,
};

/** A plugin package that passed every check, ready for the sandbox. */
export interface LoadedPlugin {
  /** The npm package name (`my-drum`, `@me/my-drum`). */
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly manifest: Manifest;
  readonly compiled: CompiledBundle;
  /** Served from the verified cache (true) or downloaded and checked now (false). */
  readonly cached: boolean;
}

/** npm's rules for a package name, scoped or not (lower case, URL-safe, at most 214 characters). */
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const EMPTY_SOURCE_MAP = '{"version":3,"sources":[],"names":[],"mappings":""}';

export function checkPackageName(name: string): void {
  if (name.length > 214 || !PACKAGE_NAME.test(name)) {
    throw new HttpError(400, 'bad-request', `Invalid npm package name '${name.slice(0, 80)}'.`);
  }
}

export interface NpmPluginSourceOptions {
  /** The registry's URL (`BAMBAM_NPM_REGISTRY`). */
  readonly registry: string;
  /** Where verified packages are kept (`<dataDir>/plugin-cache`). */
  readonly cacheDir: string;
  /** The engine's SDK version: a plugin's `@bambam/sdk` range must include it. */
  readonly sdkVersion: string;
  /** The sandbox check (a worker thread in the service). */
  readonly validate: BundleValidator;
  readonly logger: RegistryLogger;
  readonly limits?: Partial<NpmSourceLimits>;
}

export class NpmPluginSource {
  readonly registry: string;
  readonly limits: NpmSourceLimits;
  readonly cache: PluginCache;
  readonly #client: NpmClient;
  readonly #sdkVersion: string;
  readonly #validate: BundleValidator;
  readonly #inflight = new Map<string, Promise<LoadedPlugin>>();
  /** Sandbox checks run one at a time: they compete with live sessions for the cores. */
  #checking: Promise<unknown> = Promise.resolve();

  constructor(options: NpmPluginSourceOptions) {
    this.limits = { ...DEFAULT_NPM_SOURCE_LIMITS, ...options.limits };
    this.registry = options.registry;
    this.#client = new NpmClient(options.registry, this.limits.requestTimeoutMs);
    this.cache = new PluginCache(options.cacheDir, (m) => options.logger.warn(m));
    this.#sdkVersion = options.sdkVersion;
    this.#validate = options.validate;
  }

  get client(): NpmClient {
    return this.#client;
  }

  get sdkVersion(): string {
    return this.#sdkVersion;
  }

  /** The packument, or undefined when the registry has no such package. */
  async packument(name: string): Promise<Packument | undefined> {
    checkPackageName(name);
    return this.#client.packument(name);
  }

  /**
   * The version a spec means: a dist-tag, else the highest version satisfying the range,
   * else (no range) the `latest` dist-tag or the highest stable version. 400 on a bad range.
   */
  pick(packument: Packument, range?: string): PackumentVersion | undefined {
    const versions = packument.versions;
    const tags = packument['dist-tags'] ?? {};
    if (range === undefined || range === '' || range === 'latest') {
      const latest = tags.latest;
      if (latest && versions[latest]) return versions[latest];
      const best = semver.maxSatisfying(Object.keys(versions), '*');
      return best ? versions[best] : undefined;
    }
    const tagged = tags[range];
    if (tagged && versions[tagged]) return versions[tagged];
    if (semver.validRange(range) === null) {
      throw new HttpError(400, 'bad-request', `Invalid semver range '${range.slice(0, 64)}'.`);
    }
    const best = semver.maxSatisfying(Object.keys(versions), range);
    return best ? versions[best] : undefined;
  }

  /** Loads `name@range`: undefined when the registry has no such package; 404 when no version matches. */
  async load(name: string, range?: string): Promise<LoadedPlugin | undefined> {
    const packument = await this.packument(name);
    if (!packument) return undefined;
    const version = this.pick(packument, range);
    if (!version) {
      const known = semver.rsort(Object.keys(packument.versions)).slice(0, 8).join(', ');
      throw new HttpError(
        404,
        'not-found',
        `No version of ${name} matches '${range}' (published: ${known || 'none'}).`,
      );
    }
    return this.loadVersion(version);
  }

  /** Loads one packument version; concurrent loads of the same tarball share the work. */
  loadVersion(version: PackumentVersion): Promise<LoadedPlugin> {
    const id = `${version.name}@${version.version}`;
    const integrity =
      version.dist?.integrity ??
      (version.dist?.shasum ? ssri.fromHex(version.dist.shasum, 'sha1').toString() : undefined);
    if (!integrity || typeof version.dist.tarball !== 'string') {
      return Promise.reject(
        new HttpError(
          422,
          'bad-package',
          `The registry lists no tarball integrity for ${id}: it cannot be verified, so it is not loaded.`,
        ),
      );
    }
    let load = this.#inflight.get(integrity);
    if (!load) {
      load = this.#fetchAndVerify(version, id, integrity).finally(() => this.#inflight.delete(integrity));
      this.#inflight.set(integrity, load);
    }
    return load;
  }

  async #fetchAndVerify(version: PackumentVersion, id: string, integrity: string): Promise<LoadedPlugin> {
    const cached = await this.cache.get(integrity);
    if (cached) return this.#loaded(version, cached, true);
    const tarball = await this.#client.download(version.dist.tarball, id, this.limits.maxTarballBytes);
    if (!ssri.checkData(tarball, integrity)) {
      throw new HttpError(
        422,
        'integrity-mismatch',
        `The tarball of ${id} does not match the integrity the registry lists for it (${integrity.slice(0, 24)}…): it was changed after publishing. Refused, nothing was cached; tell the registry's operator, or publish a new version.`,
      );
    }
    const max = this.limits.maxMetadataBytes;
    const files = await readPluginPackage(tarball, id, {
      packageJson: max,
      manifest: max,
      bundle: this.limits.maxBundleBytes,
      sourceMap: this.limits.maxSourceMapBytes,
    });
    const howToBuild =
      'Its author builds it with `bambam build` (dist/plugin.js and dist/manifest.json) and publishes a new version.';
    if (!files.packageJson) throw new HttpError(422, 'bad-package', `${id} has no package.json.`);
    if (!files.manifest) {
      throw new HttpError(
        422,
        'no-manifest',
        `${id} has no dist/manifest.json: it is not a built Bam Bam plugin. ${howToBuild}`,
      );
    }
    if (!files.bundle) throw new HttpError(422, 'no-bundle', `${id} has no dist/plugin.js. ${howToBuild}`);
    const entry: CachedPlugin = {
      integrity,
      packageJson: files.packageJson,
      manifest: files.manifest,
      bundle: files.bundle,
      sourceMap: files.sourceMap,
    };
    const loaded = this.#loaded(version, entry, false);
    await this.check(id, loaded.manifest, loaded.compiled);
    await this.cache.put(entry);
    return loaded;
  }

  /**
   * The sandbox check, one at a time: loads the bundle, renders its sounds, compares its
   * definition with the manifest. Throws a 422 {@link HttpError} with the sandbox's reason.
   */
  check(id: string, manifest: Manifest, compiled: CompiledBundle): Promise<void> {
    return this.#exclusive(async () => {
      try {
        await this.#validate(manifest, compiled);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new HttpError(
          422,
          error.code,
          `${id} fails the sandbox check: ${error.message}`,
          error.location ? { location: error.location } : undefined,
        );
      }
    });
  }

  /** Runs `work` in the same one-at-a-time line as the sandbox checks (builds from source). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#exclusive(work);
  }

  /** Checks an entry's package.json and manifest against the packument and the engine (not the sandbox). */
  #loaded(version: PackumentVersion, entry: CachedPlugin, cached: boolean): LoadedPlugin {
    const id = `${version.name}@${version.version}`;
    const refuse = (code: string, message: string) => new HttpError(422, code, `${id}: ${message}`);
    let pkg: { name?: unknown; version?: unknown; peerDependencies?: Record<string, unknown> };
    let raw: unknown;
    try {
      pkg = JSON.parse(entry.packageJson.toString('utf8'));
      raw = JSON.parse(entry.manifest.toString('utf8'));
    } catch (error) {
      throw refuse(
        'bad-manifest',
        `package.json or dist/manifest.json is not JSON (${(error as Error).message}).`,
      );
    }
    if (pkg.name !== version.name || pkg.version !== version.version) {
      throw refuse(
        'bad-package',
        `the tarball holds ${String(pkg.name)}@${String(pkg.version)}, not what the registry lists.`,
      );
    }
    const parsed = parseManifest(raw);
    if (!parsed.ok) throw refuse('bad-manifest', `${parsed.message}. Rebuild with \`bambam build\`.`);
    const manifest = parsed.manifest;
    const ownName = version.name === manifest.name || version.name.endsWith(`/${manifest.name}`);
    if (!ownName || manifest.version !== version.version) {
      throw refuse(
        'manifest-mismatch',
        `its manifest describes ${manifest.name}@${manifest.version}. Rebuild with \`bambam build\` before publishing.`,
      );
    }
    if (sha256Hex(entry.bundle) !== manifest.bundle.sha256 || entry.bundle.length !== manifest.bundle.size) {
      throw refuse(
        'hash-mismatch',
        'dist/plugin.js does not match the SHA-256 and size in dist/manifest.json. Rebuild with `bambam build`.',
      );
    }
    if (entry.sourceMap && manifest.sourceMap && sha256Hex(entry.sourceMap) !== manifest.sourceMap.sha256) {
      throw refuse('hash-mismatch', 'dist/plugin.js.map does not match the SHA-256 in dist/manifest.json.');
    }
    const peer = pkg.peerDependencies?.[SDK_PACKAGE];
    const ranges: [string, unknown][] = [
      [`peerDependencies["${SDK_PACKAGE}"]`, peer],
      ['manifest "sdk"', manifest.sdk],
    ];
    for (const [where, range] of ranges) {
      if (range === undefined) continue;
      const ok =
        typeof range === 'string' &&
        semver.validRange(range) !== null &&
        semver.satisfies(this.#sdkVersion, range, { includePrerelease: true });
      if (!ok) {
        throw refuse(
          'sdk-mismatch',
          `it needs ${SDK_PACKAGE} ${String(range)} (its ${where}); this engine runs ${SDK_PACKAGE} ${this.#sdkVersion} and loads plugins whose range includes it (e.g. ^${this.#sdkVersion}). Pick a version of the plugin built for it.`,
        );
      }
    }
    return {
      name: version.name,
      version: version.version,
      integrity: entry.integrity,
      manifest,
      compiled: {
        code: entry.bundle.toString('utf8'),
        sourceMap: entry.sourceMap?.toString('utf8') ?? EMPTY_SOURCE_MAP,
        filename: `${manifest.name}.js`,
      },
      cached,
    };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#checking.then(work, work);
    this.#checking = run.catch(() => undefined);
    return run;
  }
}
