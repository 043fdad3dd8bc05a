/**
 * The plugin registry's rules, independent of HTTP: who may publish what, immutable versions,
 * semver resolution, and bundles that are verified against their hash on every read.
 */
import semver from 'semver';
import { type BlobStore, CorruptBlobError, MissingBlobError, sha256Hex } from './blobs.ts';
import { uploadFromSource } from './from-source.ts';
import { HttpError } from './http.ts';
import { type Manifest, PLUGIN_NAME, parseManifest } from './manifest.ts';
import type { RegistryStore, VersionRecord } from './store/store.ts';
import { authenticate } from './tokens.ts';
import type { CompiledBundle, RegistryLogger } from './types.ts';
import { ValidationError } from './validate.ts';
import type { BundleValidator } from './validator.ts';

export interface RegistryLimits {
  /** Largest bundle accepted, bytes. Default 1 MiB. */
  readonly maxBundleBytes: number;
  /** Largest source map accepted, bytes. Default 4 MiB. */
  readonly maxSourceMapBytes: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  maxBundleBytes: 1 << 20,
  maxSourceMapBytes: 4 << 20,
};

/** What a publish carries (JSON body of `POST /api/plugins`). */
export interface PublishRequest {
  readonly manifest: unknown;
  /** The bundle's bytes, base64. */
  readonly bundle: string;
  /** The source map's bytes, base64. */
  readonly sourceMap?: string;
}

/** A published version as the API shows it. */
export interface VersionInfo {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly publishedAt: string;
  readonly publishedBy: string;
}

export interface PackageInfo {
  readonly name: string;
  readonly owner: string;
  readonly versions: readonly { version: string; publishedAt: string }[];
  readonly latest: VersionInfo;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(field: string, value: unknown, maxBytes: number): Buffer {
  if (typeof value !== 'string')
    throw new HttpError(400, 'bad-request', `'${field}' must be a base64 string.`);
  const compact = value.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw new HttpError(400, 'bad-request', `'${field}' is not valid base64.`);
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length > maxBytes) {
    throw new HttpError(
      413,
      'too-large',
      `The ${field} is ${bytes.length} bytes; the registry accepts at most ${maxBytes} bytes (${(maxBytes / 1048576).toFixed(1)} MiB).`,
    );
  }
  return bytes;
}

const EMPTY_SOURCE_MAP = '{"version":3,"sources":[],"names":[],"mappings":""}';

export function checkName(name: string): void {
  if (!PLUGIN_NAME.test(name))
    throw new HttpError(400, 'bad-request', `Invalid plugin name '${name.slice(0, 80)}'.`);
}

export class Registry {
  readonly #store: RegistryStore;
  readonly #blobs: BlobStore;
  readonly #log: RegistryLogger;
  readonly #limits: RegistryLimits;
  readonly #sdkVersion: string;
  readonly #validate: BundleValidator;
  /** Uploads are validated one at a time: sandbox loads and sound renders compete with live sessions for 2 cores. */
  #validating: Promise<unknown> = Promise.resolve();

  constructor(options: {
    store: RegistryStore;
    blobs: BlobStore;
    logger: RegistryLogger;
    sdkVersion: string;
    /** Loads and checks an upload (a worker thread in the service; see validator.ts). */
    validate: BundleValidator;
    limits?: Partial<RegistryLimits>;
  }) {
    this.#validate = options.validate;
    this.#store = options.store;
    this.#blobs = options.blobs;
    this.#log = options.logger;
    this.#sdkVersion = options.sdkVersion;
    this.#limits = { ...DEFAULT_REGISTRY_LIMITS, ...options.limits };
  }

  get limits(): RegistryLimits {
    return this.#limits;
  }

  /** Largest JSON publish body worth reading: both payloads base64-encoded plus the manifest. */
  get maxPublishBodyBytes(): number {
    return Math.ceil(((this.#limits.maxBundleBytes + this.#limits.maxSourceMapBytes) * 4) / 3) + 256 * 1024;
  }

  async publish(authorization: string | undefined, body: unknown): Promise<VersionInfo> {
    const auth = await authenticate(this.#store, authorization);
    if (!auth.ok) throw new HttpError(401, 'unauthorized', auth.message);
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(
        400,
        'bad-request',
        'Body must be a JSON object { manifest, bundle, sourceMap? } (a build) or { source } (TypeScript to build here).',
      );
    }
    const request =
      'source' in body && !('manifest' in body)
        ? await this.#exclusive(() =>
            uploadFromSource((body as { source: unknown }).source, `^${this.#sdkVersion}`),
          )
        : (body as PublishRequest);
    const parsed = parseManifest(request.manifest);
    if (!parsed.ok) throw new HttpError(400, 'bad-manifest', parsed.message);
    const manifest = parsed.manifest;
    const bundle = decodeBase64('bundle', request.bundle, this.#limits.maxBundleBytes);
    const sourceMap =
      request.sourceMap === undefined
        ? undefined
        : decodeBase64('sourceMap', request.sourceMap, this.#limits.maxSourceMapBytes);
    if (sha256Hex(bundle) !== manifest.bundle.sha256 || bundle.length !== manifest.bundle.size) {
      throw new HttpError(
        400,
        'hash-mismatch',
        'The bundle does not match the SHA-256 and size in its manifest.',
      );
    }
    if (sourceMap && manifest.sourceMap && sha256Hex(sourceMap) !== manifest.sourceMap.sha256) {
      throw new HttpError(400, 'hash-mismatch', 'The source map does not match the SHA-256 in its manifest.');
    }
    const id = `${manifest.name}@${manifest.version}`;
    const owner = auth.token.owner;
    // Cheap refusals before the expensive sandbox run (publish() below re-checks atomically).
    const existing = await this.#store.getPackage(manifest.name);
    if (existing && existing.owner !== owner) {
      throw new HttpError(
        403,
        'forbidden',
        `'${manifest.name}' belongs to ${existing.owner}; your token's owner is ${owner}.`,
      );
    }
    if (await this.#store.getVersion(manifest.name, manifest.version)) {
      throw new HttpError(
        409,
        'version-exists',
        `${id} is already published; versions are immutable: bump the version.`,
      );
    }
    if (!semver.satisfies(this.#sdkVersion, manifest.sdk, { includePrerelease: true })) {
      throw new HttpError(
        422,
        'sdk-mismatch',
        `${id} needs SDK ${manifest.sdk}; this registry runs SDK ${this.#sdkVersion}.`,
      );
    }
    const compiled: CompiledBundle = {
      code: bundle.toString('utf8'),
      sourceMap: sourceMap?.toString('utf8') ?? EMPTY_SOURCE_MAP,
      filename: `${manifest.name}.js`,
    };
    await this.#exclusive(async () => {
      try {
        await this.#validate(manifest, compiled);
      } catch (error) {
        if (error instanceof ValidationError) {
          throw new HttpError(
            422,
            error.code,
            error.message,
            error.location ? { location: error.location } : undefined,
          );
        }
        throw error;
      }
    });
    const bundleSha256 = await this.#blobs.put(bundle);
    const sourceMapSha256 = sourceMap ? await this.#blobs.put(sourceMap) : null;
    const record: VersionRecord = {
      name: manifest.name,
      version: manifest.version,
      manifest: JSON.stringify(manifest),
      bundleSha256,
      bundleSize: bundle.length,
      sourceMapSha256,
      publishedAt: new Date().toISOString(),
      publishedBy: auth.token.id,
    };
    const outcome = await this.#store.publish(record, owner);
    if (!outcome.ok) {
      if (outcome.reason === 'exists') {
        throw new HttpError(
          409,
          'version-exists',
          `${id} is already published; versions are immutable: bump the version.`,
        );
      }
      throw new HttpError(403, 'forbidden', `'${manifest.name}' belongs to another owner.`);
    }
    this.#log.info(
      `published ${id} by ${owner} (token ${auth.token.id}, ${bundle.length} bytes, sha256 ${bundleSha256})`,
    );
    return this.#info(record);
  }

  async search(query: string, limit = 50): Promise<PackageInfo[]> {
    const packages = await this.#store.search(query.trim().slice(0, 100), Math.max(1, Math.min(limit, 200)));
    const found: PackageInfo[] = [];
    for (const pkg of packages) {
      const info = await this.getPackage(pkg.name);
      if (info) found.push(info);
    }
    return found;
  }

  async getPackage(name: string): Promise<PackageInfo | undefined> {
    checkName(name);
    const pkg = await this.#store.getPackage(name);
    if (!pkg) return undefined;
    const versions = await this.#store.listVersions(name);
    const latest = this.#latest(versions);
    if (!latest) return undefined;
    return {
      name,
      owner: pkg.owner,
      versions: versions
        .map((v) => ({ version: v.version, publishedAt: v.publishedAt }))
        .sort((a, b) => semver.rcompare(a.version, b.version)),
      latest: this.#info(latest),
    };
  }

  async getVersion(name: string, version: string): Promise<VersionInfo | undefined> {
    checkName(name);
    const record = await this.#store.getVersion(name, version);
    return record ? this.#info(record) : undefined;
  }

  /** The highest version satisfying `range` (any stable version when absent). 400 on a bad range. */
  async resolve(name: string, range = '*'): Promise<VersionInfo | undefined> {
    checkName(name);
    if (semver.validRange(range) === null) {
      throw new HttpError(400, 'bad-request', `Invalid semver range '${range.slice(0, 64)}'.`);
    }
    const versions = await this.#store.listVersions(name);
    const best = semver.maxSatisfying(
      versions.map((v) => v.version),
      range,
    );
    const record = versions.find((v) => v.version === best);
    return record ? this.#info(record) : undefined;
  }

  /** The bundle's bytes, verified against the stored hash: 500 (and logged) when corrupt. */
  async readBundle(name: string, version: string): Promise<{ bytes: Buffer; sha256: string } | undefined> {
    const record = await this.#store.getVersion(name, version);
    if (!record) return undefined;
    return {
      bytes: await this.#readBlob(record, record.bundleSha256, 'bundle'),
      sha256: record.bundleSha256,
    };
  }

  async readSourceMap(name: string, version: string): Promise<Buffer | undefined> {
    const record = await this.#store.getVersion(name, version);
    if (!record?.sourceMapSha256) return undefined;
    return this.#readBlob(record, record.sourceMapSha256, 'source map');
  }

  /** A published plugin ready for the sandbox, for `plugin:use`. */
  async compiled(
    name: string,
    range?: string,
  ): Promise<{ compiled: CompiledBundle; version: VersionInfo } | undefined> {
    if (!PLUGIN_NAME.test(name) || (range !== undefined && semver.validRange(range) === null))
      return undefined;
    const version = await this.resolve(name, range);
    if (!version) return undefined;
    const bundle = await this.readBundle(name, version.version);
    if (!bundle) return undefined;
    const sourceMap = await this.readSourceMap(name, version.version);
    return {
      compiled: {
        code: bundle.bytes.toString('utf8'),
        sourceMap: sourceMap?.toString('utf8') ?? EMPTY_SOURCE_MAP,
        filename: `${name}.js`,
      },
      version,
    };
  }

  async #readBlob(record: VersionRecord, sha256: string, what: string): Promise<Buffer> {
    try {
      return await this.#blobs.get(sha256);
    } catch (error) {
      if (error instanceof CorruptBlobError || error instanceof MissingBlobError) {
        const id = `${record.name}@${record.version}`;
        this.#log.error(`refusing to serve the ${what} of ${id}: ${error.message}`);
        throw new HttpError(
          500,
          error instanceof CorruptBlobError ? 'corrupt-bundle' : 'missing-bundle',
          `The stored ${what} of ${id} failed its integrity check and was not served: ${error.message} The registry operator has been told (engine log).`,
        );
      }
      throw error;
    }
  }

  #latest(versions: readonly VersionRecord[]): VersionRecord | undefined {
    const names = versions.map((v) => v.version);
    const best = semver.maxSatisfying(names, '*') ?? semver.rsort([...names])[0];
    return versions.find((v) => v.version === best);
  }

  #info(record: VersionRecord): VersionInfo {
    return {
      name: record.name,
      version: record.version,
      manifest: JSON.parse(record.manifest) as Manifest,
      publishedAt: record.publishedAt,
      publishedBy: record.publishedBy,
    };
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#validating.then(work, work);
    this.#validating = run.catch(() => undefined);
    return run;
  }
}
