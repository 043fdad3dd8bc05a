/**
 * The npm package of a plugin built from source, as `bambam init` + `bambam build` lay it out:
 * `package.json` (keyword `bambam-plugin`, `@bambam/sdk` as a peer dependency, `files: ["dist"]`)
 * and `dist/plugin.js`, `dist/plugin.js.map`, `dist/manifest.json`, packed with npm's `tar` the
 * way `npm pack` does (a `package/` folder, gzip, portable headers).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'tar';
import type { Manifest } from '../manifest.ts';
import { SDK_PACKAGE } from './npm-plugin-source.ts';

/** The keyword every plugin package carries; the studio searches `keywords:bambam-plugin`. */
export const PLUGIN_KEYWORD = 'bambam-plugin';

export interface PluginPackage {
  readonly packageJson: Record<string, unknown>;
  readonly tarball: Buffer;
}

/** package.json of a plugin package: the manifest's identity, the SDK range as a peer dependency. */
export function pluginPackageJson(manifest: Manifest): Record<string, unknown> {
  return {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    ...(manifest.author === undefined ? {} : { author: manifest.author }),
    keywords: [PLUGIN_KEYWORD],
    type: 'module',
    main: 'dist/plugin.js',
    files: ['dist'],
    peerDependencies: { [SDK_PACKAGE]: manifest.sdk },
  };
}

/** Packs a built plugin into an npm tarball. */
export async function packPlugin(
  manifest: Manifest,
  bundle: Buffer,
  sourceMap: Buffer,
): Promise<PluginPackage> {
  const packageJson = pluginPackageJson(manifest);
  const temp = await mkdtemp(join(tmpdir(), 'bambam-pack-'));
  try {
    const dir = join(temp, 'package');
    await mkdir(join(dir, 'dist'), { recursive: true });
    await writeFile(join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
    await writeFile(join(dir, 'dist', 'plugin.js'), bundle);
    await writeFile(join(dir, 'dist', 'plugin.js.map'), sourceMap);
    await writeFile(join(dir, 'dist', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const chunks: Buffer[] = [];
    // npm pack's fixed mtime (1985-10-26): the same build gives the same tarball.
    const stream = create(
      { gzip: true, portable: true, cwd: temp, mtime: new Date('1985-10-26T08:15:00Z') },
      [
        'package/package.json',
        'package/dist/plugin.js',
        'package/dist/plugin.js.map',
        'package/dist/manifest.json',
      ],
    );
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { packageJson, tarball: Buffer.concat(chunks) };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
