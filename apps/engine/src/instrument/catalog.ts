/**
 * Where `plugin:use` finds plugins by name. The engine asks each catalog in order; the
 * registry helper's catalog (saved sources, installed packages) plugs in through
 * `createEngine({ catalogs })`. The built-in one serves the bundled examples (bam-drum).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type CompiledPlugin, compilePlugin } from '@bambam/runtime';

export interface ResolvedPlugin {
  readonly compiled: CompiledPlugin;
  /** TypeScript source for the studio's editor, when there is one. */
  readonly source?: string;
}

export interface PluginCatalog {
  /** The plugin with that name (and version, if given), or undefined if this catalog has none. */
  resolve(name: string, version?: string): Promise<ResolvedPlugin | undefined>;
}

/** A bundled example's folder, found by its package name (a declared dependency of the engine). */
function examplePackageDir(name: string): string {
  return fileURLToPath(new URL('./', import.meta.resolve(`${name}/package.json`)));
}

const EXAMPLES: Readonly<Record<string, string>> = {
  'bam-drum': examplePackageDir('@bambam/bam-drum'),
};

/** The default plugin of a new session. */
export const DEFAULT_PLUGIN = 'bam-drum';

/** The bundled example plugins, compiled once per process. */
export class ExampleCatalog implements PluginCatalog {
  private readonly cache = new Map<string, Promise<ResolvedPlugin>>();

  /** Examples have a single version; `version` is not checked here. */
  resolve(name: string): Promise<ResolvedPlugin | undefined> {
    const dir = EXAMPLES[name];
    if (!dir) return Promise.resolve(undefined);
    let entry = this.cache.get(name);
    if (!entry) {
      entry = (async () => ({
        compiled: await compilePlugin({ entry: dir }),
        source: await readFile(`${dir}src/index.ts`, 'utf8'),
      }))();
      entry.catch(() => this.cache.delete(name));
      this.cache.set(name, entry);
    }
    return entry;
  }
}
