/**
 * `POST /api/plugins { source }`: the studio publishes a plugin saved in its editor. A browser
 * cannot bundle, so the engine builds the source as `bambam build` would, checks the result in
 * the sandbox, packs it as an npm package and publishes it with the user's npm token. The
 * token is passed through to the registry, never stored or logged.
 */
import ssri from 'ssri';
import { buildFromSource } from '../from-source.ts';
import { HttpError } from '../http-answers.ts';
import type { Manifest } from '../manifest.ts';
import type { NpmPluginSource } from './npm-plugin-source.ts';
import { publishPackage, tokenHelp } from './npm-publisher.ts';
import { packPlugin } from './plugin-package.ts';

/** What a publish answers. */
export interface PublishedPlugin {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  readonly integrity: string;
  readonly publishedAt: string;
  readonly registry: string;
}

/** The bearer token of an `Authorization` header; 401 when there is none. */
export function bearerToken(authorization: string | undefined, registry: string): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new HttpError(
      401,
      'unauthorized',
      `Publishing needs an npm token (Authorization: Bearer <token>). ${tokenHelp(registry)}`,
    );
  }
  return match[1]!;
}

export async function publishFromSource(
  source: NpmPluginSource,
  authorization: string | undefined,
  body: unknown,
): Promise<PublishedPlugin> {
  const registry = source.registry;
  const token = bearerToken(authorization, registry);
  if (!body || typeof body !== 'object' || Array.isArray(body) || !('source' in body)) {
    throw new HttpError(
      400,
      'bad-request',
      `Body must be JSON { source } (TypeScript to build here). A plugin built with \`bambam build\` is published with npm: \`npm publish --registry ${registry}\`.`,
    );
  }
  const built = await source.exclusive(() =>
    buildFromSource((body as { source: unknown }).source, `^${source.sdkVersion}`),
  );
  const id = `${built.manifest.name}@${built.manifest.version}`;
  await source.check(id, built.manifest, {
    code: built.bundle.toString('utf8'),
    sourceMap: built.sourceMap.toString('utf8'),
    filename: `${built.manifest.name}.js`,
  });
  const pack = await packPlugin(built.manifest, built.bundle, built.sourceMap);
  await publishPackage(registry, token, pack.packageJson, pack.tarball, source.limits.requestTimeoutMs);
  return {
    name: built.manifest.name,
    version: built.manifest.version,
    manifest: built.manifest,
    integrity: ssri.fromData(pack.tarball, { algorithms: ['sha512'] }).toString(),
    publishedAt: new Date().toISOString(),
    registry,
  };
}
