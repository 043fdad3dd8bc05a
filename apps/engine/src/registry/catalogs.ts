/**
 * The engine's `plugin:use` looks plugins up in these, in order: the workspace's saved sources
 * (and bundled examples), then the registry's published plugins.
 */
import { readFile } from 'node:fs/promises';
import { compilePlugin } from '@bambam/runtime';
import { HttpError } from './http.ts';
import type { Registry } from './registry.ts';
import { type SavedSources, SOURCE_NAME } from './sources.ts';
import type { PluginCatalog } from './types.ts';

/**
 * Saved sources and examples, compiled on demand. A request with a version is left to the
 * registry: sources have no versions.
 */
export function savedSourcesCatalog(sources: SavedSources): PluginCatalog {
  return {
    async resolve(name, version) {
      if (version !== undefined || !SOURCE_NAME.test(name)) return undefined;
      const saved = await sources.get(name);
      if (!saved) return undefined;
      const example = saved.example ? sources.example(name) : undefined;
      if (example) {
        // From its file, so that its relative imports resolve.
        const compiled = await compilePlugin({ entry: example.entry });
        return { compiled, source: await readFile(example.entry, 'utf8') };
      }
      const compiled = await compilePlugin({ source: saved.source, filename: `${name}.ts` });
      return { compiled, source: saved.source };
    },
  };
}

/** Published plugins: `version` is a semver range (`1.2.0`, `^1.0.0`; the latest stable when absent). */
export function registryCatalog(registry: Registry): PluginCatalog {
  return {
    async resolve(name, version) {
      try {
        const found = await registry.compiled(name, version);
        return found ? { compiled: found.compiled } : undefined;
      } catch (error) {
        // A corrupt bundle: the registry has logged it; say so plainly to the player.
        if (error instanceof HttpError) throw new Error(error.message);
        throw error;
      }
    },
  };
}
