/**
 * Reads the files the engine needs out of a plugin package's tarball, in memory, with npm's
 * own `tar`: `package.json` and `dist/{plugin.js, plugin.js.map, manifest.json}`. Nothing else
 * is read or written, so a hostile archive's paths, links or sizes never touch the disk.
 */
import { Parser, type ReadEntry } from 'tar';
import { HttpError } from '../http-answers.ts';

/** The files of a plugin package that the engine keeps, by their path inside the package. */
export const PLUGIN_PACKAGE_FILES = {
  packageJson: 'package.json',
  bundle: 'dist/plugin.js',
  sourceMap: 'dist/plugin.js.map',
  manifest: 'dist/manifest.json',
} as const;

export type PluginFileKey = keyof typeof PLUGIN_PACKAGE_FILES;
export type PluginPackageFiles = Partial<Record<PluginFileKey, Buffer>>;

const KEY_BY_PATH = new Map<string, PluginFileKey>(
  Object.entries(PLUGIN_PACKAGE_FILES).map(([key, path]) => [path, key as PluginFileKey]),
);

/** Largest size each file may have, bytes. */
export type PluginFileLimits = Readonly<Record<PluginFileKey, number>>;

/** Reads `tarball` (gzip or plain tar). Throws a 422 {@link HttpError} on a broken archive or an oversized file. */
export async function readPluginPackage(
  tarball: Buffer,
  what: string,
  limits: PluginFileLimits,
): Promise<PluginPackageFiles> {
  const files: PluginPackageFiles = {};
  let refusal: HttpError | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry(entry: ReadEntry) {
      // npm strips the archive's first folder (`package/` by convention, whatever its name).
      const path = entry.path.replace(/^[^/]+\//, '');
      const key = KEY_BY_PATH.get(path);
      if (!key || entry.type !== 'File' || refusal) {
        entry.resume();
        return;
      }
      if (entry.size > limits[key]) {
        refusal = new HttpError(
          413,
          'too-large',
          `${what}'s ${path} is ${entry.size} bytes; the engine accepts at most ${limits[key]}.`,
        );
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        files[key] = Buffer.concat(chunks);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('close', () => resolve());
    parser.end(tarball);
  }).catch((error: Error) => {
    throw new HttpError(422, 'bad-package', `${what}'s tarball is not a readable package: ${error.message}`);
  });
  if (refusal) throw refusal;
  return files;
}
