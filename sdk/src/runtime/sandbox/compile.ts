import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { PluginError } from './errors.ts';

/** One self-contained classic script (an IIFE that sets {@link BUNDLE_GLOBAL}) and its source map. */
export interface CompiledPlugin {
  code: string;
  /** Source map v3 (JSON) from `code` back to the plugin's sources. */
  sourceMap: string;
  /** The plugin's entry as its author knows it (e.g. `bam-drum.ts`, `src/index.ts`): shown in errors. */
  filename: string;
}

/** What {@link compilePlugin} bundles: a file or directory on disk, or source text from the editor. */
export type CompileInput = { entry: string } | { source: string; filename?: string; resolveDir?: string };

/** The global the bundle assigns its module exports to. */
export const BUNDLE_GLOBAL = '__bambamPlugin';

/** The SDK's pure contract entry, bundled into plugins in place of `@bambam/sdk`. */
const SDK_ENTRY = fileURLToPath(new URL('../../index.ts', import.meta.url));
const SDK_SRC = path.dirname(SDK_ENTRY);
const NODE_BUILTINS = new Set(builtinModules);

/**
 * Bundles a plugin with esbuild into one script for the sandbox. `@bambam/sdk` is bundled
 * in from the SDK's sources (its other entry points are refused: they are host code), Node
 * built-ins are refused, `.wav` imports become `Uint8Array`s. Any problem is a PluginError
 * with code `'compile'` and the position in the author's source.
 */
export async function compilePlugin(input: CompileInput): Promise<CompiledPlugin> {
  const target = resolveTarget(input);
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      ...target.options,
      bundle: true,
      write: false,
      format: 'iife',
      globalName: BUNDLE_GLOBAL,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      target: 'es2024',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(target.rootDir, 'plugin.bundle.js'),
      absWorkingDir: target.rootDir,
      loader: { '.wav': 'binary' },
      logLevel: 'silent',
      plugins: [sandboxImports(target.importRoots)],
    });
  } catch (error) {
    throw compileError(error);
  }
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'));
  const map = result.outputFiles.find((file) => file.path.endsWith('.js.map'));
  if (!js || !map) throw new PluginError('compile', 'esbuild produced no bundle');
  return { code: js.text, sourceMap: map.text, filename: target.filename };
}

interface Target {
  options: esbuild.BuildOptions;
  /** Directory that source paths in errors and maps are relative to. */
  rootDir: string;
  /** Directories whose files the plugin may import (besides the SDK and node_modules packages). */
  importRoots: string[];
  filename: string;
}

function resolveTarget(input: CompileInput): Target {
  if (input === null || typeof input !== 'object')
    throw new TypeError('compilePlugin: expected { entry } or { source }');
  if ('source' in input) {
    if (typeof input.source !== 'string') throw new TypeError('compilePlugin: source must be a string');
    const filename = input.filename ?? 'plugin.ts';
    const rootDir = path.resolve(input.resolveDir ?? process.cwd());
    return {
      rootDir,
      // Source from the network (the studio) has no directory of its own: it may not read the host's files.
      importRoots: input.resolveDir === undefined ? [] : [rootDir],
      filename,
      options: {
        stdin: {
          contents: input.source,
          sourcefile: filename,
          resolveDir: rootDir,
          loader: loaderFor(filename),
        },
      },
    };
  }
  if (typeof input.entry !== 'string') throw new TypeError('compilePlugin: entry must be a path');
  const entry = path.resolve(input.entry);
  if (!existsSync(entry)) throw new PluginError('compile', `No plugin at ${input.entry}`);
  if (statSync(entry).isDirectory()) {
    const file = directoryEntry(entry);
    return {
      rootDir: entry,
      importRoots: [entry],
      filename: path.relative(entry, file),
      options: { entryPoints: [file] },
    };
  }
  const dir = path.dirname(entry);
  return {
    rootDir: dir,
    importRoots: [dir],
    filename: path.basename(entry),
    options: { entryPoints: [entry] },
  };
}

/** A plugin directory's entry: package.json `main`, else `src/index.ts`, else `index.ts`/`index.js`. */
function directoryEntry(dir: string): string {
  const manifest = path.join(dir, 'package.json');
  if (existsSync(manifest)) {
    let main: unknown;
    try {
      main = JSON.parse(readFileSync(manifest, 'utf8')).main;
    } catch (error) {
      throw new PluginError('compile', `Cannot read ${manifest}: ${(error as Error).message}`);
    }
    if (typeof main === 'string' && existsSync(path.join(dir, main))) return path.join(dir, main);
  }
  for (const candidate of ['src/index.ts', 'index.ts', 'src/index.js', 'index.js']) {
    if (existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  throw new PluginError(
    'compile',
    `No entry in ${dir}: expected package.json "main", src/index.ts or index.ts`,
  );
}

function loaderFor(filename: string): esbuild.Loader {
  const ext = path.extname(filename).toLowerCase();
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return 'js';
  return 'ts';
}

/** Marks esbuild's own resolution of a path, so that the guard below does not recurse. */
const RESOLVING = Symbol('bambam-resolving');

/**
 * Resolves `@bambam/sdk` to its sources and refuses what cannot or must not run in the
 * sandbox: Node built-ins, the SDK's host entry points, and files outside the plugin's own
 * directory (a plugin must not bundle the host's files and print them), except packages in
 * node_modules and the SDK.
 */
function sandboxImports(importRoots: string[]): esbuild.Plugin {
  const allowed = (file: string) =>
    [...importRoots, SDK_SRC].some((root) => isInside(root, file)) ||
    file.split(path.sep).includes('node_modules');
  return {
    name: 'bambam-sandbox-imports',
    setup(build) {
      build.onResolve({ filter: /^@bambam\/sdk(\/.*)?$/ }, (args) => {
        if (args.path === '@bambam/sdk') return { path: SDK_ENTRY };
        return {
          errors: [
            {
              text: `'${args.path}' is host code and cannot run in a plugin; import from '@bambam/sdk' only`,
            },
          ],
        };
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('node:') ? args.path.slice(5) : args.path.split('/')[0]!;
        if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(name)) return undefined;
        return {
          errors: [
            {
              text: `'${args.path}' is a Node module; plugins run in a sandbox without Node APIs (no filesystem, network, timers or process)`,
            },
          ],
        };
      });
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === RESOLVING) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          pluginData: RESOLVING,
        });
        if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return resolved;
        if (allowed(resolved.path)) return resolved;
        return {
          errors: [
            {
              text: `'${args.path}' is outside the plugin; a plugin may import its own files, '@bambam/sdk' and packages from node_modules`,
            },
          ],
        };
      });
    },
  };
}

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function compileError(error: unknown): PluginError {
  const failure = error as Partial<esbuild.BuildFailure>;
  const first = failure.errors?.[0];
  if (!first)
    return new PluginError('compile', `Could not bundle: ${(error as Error)?.message ?? String(error)}`);
  const more = failure.errors!.length > 1 ? ` (and ${failure.errors!.length - 1} more errors)` : '';
  const location = first.location
    ? { file: first.location.file, line: first.location.line, column: first.location.column + 1 }
    : undefined;
  return new PluginError('compile', `${first.text}${more}`, { location, cause: error });
}
