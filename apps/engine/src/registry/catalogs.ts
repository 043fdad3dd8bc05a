/**
 * The engine's `plugin:use` looks plugins up in these, in order: the bundled examples, then the
 * npm registry's plugin packages. Saved sources belong to a workspace and `plugin:use` carries
 * none, so they are not looked up by name: the studio sends a saved source's text itself
 * (`plugin:load`).
 */
import { readFile } from 'node:fs/promises';
import { compilePlugin } from '@bambam/runtime';
import { HttpError } from './http-answers.ts';
import { checkPackageName, type NpmPluginSource } from './npm/npm-plugin-source.ts';
import { type SavedSources, SOURCE_NAME } from './sources.ts';
import type { PluginCatalog } from './types.ts';

/**
 * The bundled examples (never a workspace's copy), compiled on demand. A request with a version
 * is left to the registry: examples have no versions.
 */
export function examplesCatalog(sources: SavedSources): PluginCatalog {
  return {
    async resolve(name, version) {
      if (version !== undefined || !SOURCE_NAME.test(name)) return undefined;
      const example = sources.example(name);
      if (!example) return undefined;
      // From its file, so that its relative imports resolve.
      const compiled = await compilePlugin({ entry: example.entry });
      return { compiled, source: await readFile(example.entry, 'utf8') };
    },
  };
}

/**
 * Plugins on the npm registry: `version` is a semver range or dist-tag (`1.2.0`, `^1.0.0`; the
 * `latest` dist-tag when absent). Every load is verified (see npm-plugin-source.ts); a refusal
 * reaches the player as its message.
 */
export function npmCatalog(source: NpmPluginSource): PluginCatalog {
  return {
    async resolve(name, version) {
      try {
        checkPackageName(name);
      } catch {
        return undefined;
      }
      try {
        const loaded = await source.load(name, version);
        return loaded ? { compiled: loaded.compiled } : undefined;
      } catch (error) {
        if (error instanceof HttpError) throw new Error(error.message);
        throw error;
      }
    },
  };
}
