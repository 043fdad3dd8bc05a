/** Reading a built plugin (`bambam build`'s dist/, or a plugin installed with npm) for the sandbox. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '@bambam/protocol';
import { CommandError } from '../command.ts';
import { BUNDLE_FILE, MANIFEST_FILE, SOURCE_MAP_FILE, sha256Hex } from './build.ts';

/**
 * A built plugin (`bambam build`'s dist/ or an installed folder) as the sandbox takes it, its
 * bundle verified against its manifest; undefined when `path` is not one.
 */
export async function readBuiltPlugin(
  path: string,
): Promise<{ code: string; sourceMap: string; filename: string } | undefined> {
  const manifestPath = join(path, MANIFEST_FILE);
  const bundlePath = join(path, BUNDLE_FILE);
  if (!existsSync(manifestPath) || !existsSync(bundlePath)) return undefined;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    throw new CommandError(`${manifestPath} is not valid JSON: ${(error as Error).message}`);
  }
  const bundle = await readFile(bundlePath);
  if (typeof manifest.bundle?.sha256 !== 'string' || sha256Hex(bundle) !== manifest.bundle.sha256) {
    throw new CommandError(
      `${bundlePath} does not match the SHA-256 in ${MANIFEST_FILE}: rebuild it (bambam build) or install it again`,
    );
  }
  const mapPath = join(path, SOURCE_MAP_FILE);
  const sourceMap = existsSync(mapPath)
    ? await readFile(mapPath, 'utf8')
    : JSON.stringify({ version: 3, sources: [], names: [], mappings: '' });
  return { code: bundle.toString('utf8'), sourceMap, filename: `${manifest.name ?? 'plugin'}.js` };
}

/**
 * A plugin installed with npm (`node_modules/my-drum`): its package holds the build in `dist/`
 * and no sources, so the verified bundle is what runs. A folder with sources (an author's own
 * plugin) compiles from them instead, as the build there may be stale.
 */
export async function readInstalledPlugin(
  path: string,
): Promise<{ code: string; sourceMap: string; filename: string } | undefined> {
  if (existsSync(join(path, 'src')) || !existsSync(join(path, 'package.json'))) return undefined;
  return readBuiltPlugin(join(path, 'dist'));
}
