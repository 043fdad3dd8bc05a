/**
 * HTTP API of plugins under `/api/plugins`, on top of the configured npm registry (documented
 * in README.md beside this file). Reading is open; publishing from source needs the user's npm
 * token (`Authorization: Bearer <token>`), which is passed through to the registry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answer, HttpError, readJson, requireJson, segmentsUnder, sendJson } from './http-answers.ts';
import type { Manifest } from './manifest.ts';
import type { Packument } from './npm/npm-client.ts';
import type { LoadedPlugin, NpmPluginSource } from './npm/npm-plugin-source.ts';
import { PLUGIN_KEYWORD } from './npm/plugin-package.ts';
import { publishFromSource } from './npm/source-publisher.ts';
import type { RegistryLogger, RouteModule } from './types.ts';

export const PLUGINS_PREFIX = '/api/plugins';

/** Search results per page: `limit` when absent, and the most a `limit` gets (larger ones are clamped). */
export const SEARCH_LIMITS = { default: 50, max: 200 } as const;
/** Largest publish body: the source (MAX_PLUGIN_SOURCE_CHARS, UTF-8, JSON-escaped) with room to spare. */
const MAX_PUBLISH_BODY_BYTES = 4 << 20;

/** One search hit, as the studio lists it. */
export interface PluginSummary {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly date?: string;
  readonly publisher?: string;
}

/** A version that passed every check, with its manifest. */
export interface VersionInfo {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly integrity: string;
  readonly publishedAt: string | null;
  readonly publishedBy: string | null;
}

export interface PackageInfo {
  readonly name: string;
  readonly owner: string | null;
  readonly distTags: Readonly<Record<string, string>>;
  readonly versions: readonly { version: string; publishedAt: string | null }[];
  /** The `latest` version, loaded and verified; null with `refusal` when it failed a check. */
  readonly latest: VersionInfo | null;
  readonly refusal?: { code: string; message: string };
}

const notFound = (message: string) => new HttpError(404, 'not-found', message);

/** `?limit=`: a whole number of at least 1 in digits (400 otherwise), clamped to {@link SEARCH_LIMITS}.max. */
function searchLimit(raw: string | null): number {
  if (raw === null) return SEARCH_LIMITS.default;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new HttpError(
      400,
      'bad-request',
      `limit must be a whole number from 1 (values above ${SEARCH_LIMITS.max} give ${SEARCH_LIMITS.max}); got '${raw.slice(0, 40)}'.`,
    );
  }
  return Math.min(Number(raw), SEARCH_LIMITS.max);
}

function versionInfo(loaded: LoadedPlugin, packument: Packument): VersionInfo {
  const doc = packument.versions[loaded.version];
  return {
    name: loaded.name,
    version: loaded.version,
    manifest: loaded.manifest,
    integrity: loaded.integrity,
    publishedAt: packument.time?.[loaded.version] ?? null,
    publishedBy: doc?._npmUser?.name ?? null,
  };
}

/** A scoped name arrives as `@scope/name` (two segments) or `@scope%2Fname` (one). */
function splitName(segments: string[]): { name: string | undefined; rest: string[] } {
  const [first, ...rest] = segments;
  if (first?.startsWith('@') && !first.includes('/') && rest.length > 0) {
    return { name: `${first}/${rest[0]}`, rest: rest.slice(1) };
  }
  return { name: first, rest };
}

export function createPluginRoutes(source: NpmPluginSource, logger: RegistryLogger): RouteModule {
  async function packumentOf(name: string): Promise<Packument> {
    const packument = await source.packument(name);
    if (!packument) throw notFound(`${name} is not on the npm registry at ${source.registry}.`);
    return packument;
  }

  async function loadExact(
    name: string,
    version: string,
  ): Promise<{ loaded: LoadedPlugin; packument: Packument }> {
    const packument = await packumentOf(name);
    const doc = packument.versions[version];
    if (!doc) throw notFound(`${name}@${version} is not on the npm registry at ${source.registry}.`);
    return { loaded: await source.loadVersion(doc), packument };
  }

  async function route(
    req: IncomingMessage,
    res: ServerResponse,
    segments: string[],
    query: URLSearchParams,
  ) {
    const method = req.method ?? 'GET';
    const { name, rest } = splitName(segments);
    const [second, third, ...extra] = rest;
    if (name === undefined) {
      if (method === 'GET') {
        const q = (query.get('q') ?? '').trim().slice(0, 200);
        const hits = await source.client.search(
          `keywords:${PLUGIN_KEYWORD}${q ? ` ${q}` : ''}`,
          searchLimit(query.get('limit')),
        );
        const plugins: PluginSummary[] = hits.map((hit) => ({
          name: hit.name,
          version: hit.version,
          description: hit.description ?? '',
          ...(hit.date ? { date: hit.date } : {}),
          ...(hit.publisher ? { publisher: hit.publisher } : {}),
        }));
        return sendJson(res, 200, { plugins, registry: source.registry });
      }
      if (method === 'POST') {
        requireJson(req, 'Publish with Content-Type: application/json.');
        const body = await readJson(req, MAX_PUBLISH_BODY_BYTES);
        const published = await publishFromSource(source, req.headers.authorization, body);
        logger.info(`published ${published.name}@${published.version} to ${published.registry}`);
        return sendJson(res, 201, published);
      }
      throw new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${PLUGINS_PREFIX}.`);
    }
    if (method !== 'GET' && method !== 'HEAD') {
      throw new HttpError(
        405,
        'method-not-allowed',
        `${method} is not allowed here; only POST ${PLUGINS_PREFIX} writes.`,
      );
    }
    if (extra.length > 0) throw notFound('No such plugins route.');
    if (second === undefined) {
      const packument = await packumentOf(name);
      const latestDoc = source.pick(packument);
      let latest: VersionInfo | null = null;
      let refusal: PackageInfo['refusal'];
      if (latestDoc) {
        try {
          latest = versionInfo(await source.loadVersion(latestDoc), packument);
        } catch (error) {
          // A refused latest is shown with its reason; a registry failure is an error.
          if (!(error instanceof HttpError) || error.status !== 422) throw error;
          refusal = { code: error.code, message: error.message };
        }
      }
      const versions = Object.keys(packument.versions)
        .sort((a, b) => (packument.time?.[b] ?? '').localeCompare(packument.time?.[a] ?? ''))
        .map((version) => ({ version, publishedAt: packument.time?.[version] ?? null }));
      const first = packument.maintainers?.[0]?.name ?? latestDoc?._npmUser?.name ?? null;
      const info: PackageInfo = {
        name,
        owner: first,
        distTags: packument['dist-tags'] ?? {},
        versions,
        latest,
        ...(refusal ? { refusal } : {}),
      };
      return sendJson(res, 200, info);
    }
    if (second === 'resolve' && third === undefined) {
      const range = query.get('range') ?? undefined;
      const packument = await packumentOf(name);
      const doc = source.pick(packument, range);
      if (!doc) throw notFound(`No version of ${name} matches '${range}'.`);
      return sendJson(res, 200, versionInfo(await source.loadVersion(doc), packument));
    }
    const { loaded, packument } = await loadExact(name, second);
    if (third === undefined) return sendJson(res, 200, versionInfo(loaded, packument));
    if (third === 'bundle') {
      const bytes = Buffer.from(loaded.compiled.code);
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'content-length': bytes.length,
        'x-bambam-sha256': loaded.manifest.bundle.sha256,
        etag: `"sha256-${loaded.manifest.bundle.sha256}"`,
        'cache-control': 'public, max-age=31536000, immutable',
      });
      res.end(method === 'HEAD' ? undefined : bytes);
      return;
    }
    if (third === 'sourcemap') {
      if (!loaded.manifest.sourceMap) throw notFound(`${name}@${second} has no source map.`);
      const map = Buffer.from(loaded.compiled.sourceMap);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': map.length });
      res.end(method === 'HEAD' ? undefined : map);
      return;
    }
    throw notFound('No such plugins route.');
  }

  return {
    async handle(req, res) {
      const target = segmentsUnder(req.url, PLUGINS_PREFIX);
      if (!target) return false;
      await answer(
        res,
        (error) => logger.error(`${req.method} ${req.url} failed: ${(error as Error).stack ?? error}`),
        () => route(req, res, target.segments, target.query),
      );
      return true;
    },
  };
}
