import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ComputedImportError, compileGuard, refuseComputedImports, scriptLoader } from './compile-guard.ts';
import { type CompileLimits, resolveCompileLimits } from './compile-limits.ts';
import { withEsbuild } from './compile-service.ts';
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

/**
 * Bundles a plugin with esbuild into one script for the sandbox. `@bambam/sdk` is bundled
 * in from the SDK's sources (its other entry points are refused: they are host code), Node
 * built-ins are refused, `.wav` imports become `Uint8Array`s. The compile reads only the
 * plugin's own files (see {@link compileGuard}): source text without a `resolveDir` (from the
 * network) may import '@bambam/sdk' and no file at all. It runs within `limits` (time, file
 * sizes). Any problem is a PluginError with code `'compile'` and the position in the
 * author's source.
 */
export async function compilePlugin(
  input: CompileInput,
  limits: Partial<CompileLimits> = {},
): Promise<CompiledPlugin> {
  const resolvedLimits = resolveCompileLimits(limits);
  const target = resolveTarget(input);
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await withEsbuild(async () => {
      // esbuild parses stdin itself (no onLoad): the same check as every file gets, first.
      const stdin = target.options.stdin;
      if (stdin?.contents !== undefined) {
        await refuseComputedImports(stdin.contents, stdin.loader ?? 'ts', target.filename);
      }
      return await esbuild.build({
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
        // No tsconfig.json is looked for: one in the plugin (or above it) could point esbuild
        // at host files through "extends" or "paths".
        tsconfigRaw: {},
        loader: { '.wav': 'binary' },
        logLevel: 'silent',
        plugins: [compileGuard({ pluginRoots: target.pluginRoots, limits: resolvedLimits })],
      });
    }, resolvedLimits);
  } catch (error) {
    throw compileError(error, target.rootDir);
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
  /** Directories of the plugin's own files (and its node_modules); none for source from the network. */
  pluginRoots: string[];
  filename: string;
}

function resolveTarget(input: CompileInput): Target {
  if (input === null || typeof input !== 'object')
    throw new TypeError('compilePlugin: expected { entry } or { source }');
  if ('source' in input) {
    if (typeof input.source !== 'string') throw new TypeError('compilePlugin: source must be a string');
    const filename = input.filename ?? 'plugin.ts';
    const rootDir = path.resolve(input.resolveDir ?? process.cwd());
    // Source from the network (the studio) has no directory of its own: it may not read the host's files.
    const own = input.resolveDir !== undefined;
    return {
      rootDir,
      pluginRoots: own ? [rootDir] : [],
      filename,
      options: {
        stdin: {
          contents: input.source,
          sourcefile: filename,
          ...(own ? { resolveDir: rootDir } : {}),
          loader: scriptLoader(filename),
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
      pluginRoots: [entry],
      filename: path.relative(entry, file),
      options: { entryPoints: [file] },
    };
  }
  const dir = path.dirname(entry);
  return {
    rootDir: dir,
    pluginRoots: [dir],
    filename: path.basename(entry),
    options: { entryPoints: [entry] },
  };
}

/**
 * A plugin directory's entry: package.json `source` (a published plugin's `main` is its built
 * bundle), else `main`, else `src/index.ts`, else `index.ts`/`index.js`.
 */
function directoryEntry(dir: string): string {
  const manifest = path.join(dir, 'package.json');
  if (existsSync(manifest)) {
    let fields: { source?: unknown; main?: unknown };
    try {
      fields = JSON.parse(readFileSync(manifest, 'utf8'));
    } catch (error) {
      throw new PluginError('compile', `Cannot read ${manifest}: ${(error as Error).message}`);
    }
    for (const entry of [fields.source, fields.main]) {
      if (typeof entry === 'string' && existsSync(path.join(dir, entry))) return path.join(dir, entry);
    }
  }
  for (const candidate of ['src/index.ts', 'index.ts', 'src/index.js', 'index.js']) {
    if (existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  throw new PluginError(
    'compile',
    `No entry in ${dir}: expected package.json "main", src/index.ts or index.ts`,
  );
}

function compileError(error: unknown, rootDir: string): PluginError {
  if (error instanceof PluginError) return error;
  if (error instanceof ComputedImportError) {
    return compileError({ errors: [{ text: error.message, location: error.location }] }, rootDir);
  }
  const failure = error as Partial<esbuild.BuildFailure>;
  const first = failure.errors?.[0];
  if (!first)
    return new PluginError('compile', `Could not bundle: ${(error as Error)?.message ?? String(error)}`);
  const more = failure.errors!.length > 1 ? ` (and ${failure.errors!.length - 1} more errors)` : '';
  const location = first.location
    ? {
        file: authorPath(first.location.file, rootDir),
        line: first.location.line,
        column: first.location.column + 1,
      }
    : undefined;
  return new PluginError('compile', `${first.text}${more}`, { location, cause: error });
}

/** A file as the author knows it: relative to the plugin's directory, like esbuild's own messages. */
function authorPath(file: string, rootDir: string): string {
  return path.isAbsolute(file) ? path.relative(rootDir, file) : file;
}
