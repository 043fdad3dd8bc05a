/**
 * The esbuild plugin that keeps a plugin's compile away from the host's files.
 *
 * esbuild only resolves paths here; every byte that enters a bundle is read by this guard's
 * `onLoad`, which reads regular files whose real path (symlinks resolved) lies under the
 * plugin's own directory or an installed `@bambam/sdk` contract's built `dist/`, within size
 * limits, and nothing else.
 * Before esbuild parses a source, the guard refuses computed `import()`/`require()` paths:
 * esbuild expands `` import(`./${x}`) `` or `require('../' + f)` into a glob that it walks on
 * disk itself, bypassing `onResolve` (a glob from `../../..` walks the whole disk).
 */
import { constants, realpathSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import type { CompileLimits } from './compile-limits.ts';

/**
 * The contract (`@bambam/sdk`) this runtime is installed with: its built entry, bundled into a
 * plugin that has no contract of its own installed (source text from the network, a bare file).
 */
export const SDK_ENTRY = realpathSync(fileURLToPath(import.meta.resolve('@bambam/sdk')));
const SDK_PACKAGE_NAME = '@bambam/sdk';
const NODE_BUILTINS = new Set(builtinModules);

/** Source extensions and the loader each gets; anything else cannot be imported. */
const LOADERS: Readonly<Record<string, esbuild.Loader>> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
  '.json': 'json',
  '.wav': 'binary',
};
const SCRIPT_LOADERS = new Set<esbuild.Loader>(['ts', 'tsx', 'js', 'jsx']);

/** A computed path in `import()`/`require()`: esbuild reports these (at debug level) when not bundling. */
const COMPUTED_IMPORT_IDS = ['unsupported-dynamic-import', 'unsupported-require-call'];

export function outsideMessage(specifier: string): string {
  return `'${specifier}' is outside the plugin; a plugin may import its own files, '@bambam/sdk' and packages from its own node_modules`;
}

/** The loader of a source file by its name (`.js`-like or TypeScript). */
export function scriptLoader(filename: string): esbuild.Loader {
  const loader = LOADERS[path.extname(filename).toLowerCase()];
  return loader !== undefined && SCRIPT_LOADERS.has(loader) ? loader : 'ts';
}

/**
 * Refuses `source` if an `import()` or `require()` in it takes a computed path. Runs esbuild
 * without bundling (so nothing is resolved or globbed) with those reports raised to errors:
 * the same parser that bundles next, so it sees exactly what the bundler would expand.
 */
export async function refuseComputedImports(
  source: string | Uint8Array,
  loader: esbuild.Loader,
  sourcefile: string,
): Promise<void> {
  try {
    await esbuild.transform(source, {
      loader,
      sourcefile,
      format: 'cjs',
      target: 'esnext',
      logLevel: 'silent',
      tsconfigRaw: {},
      logOverride: Object.fromEntries(COMPUTED_IMPORT_IDS.map((id) => [id, 'error'])),
    });
  } catch (error) {
    const failure = error as Partial<esbuild.TransformFailure>;
    if (!Array.isArray(failure.errors)) throw error;
    const computed = failure.errors.find((message) => COMPUTED_IMPORT_IDS.includes(message.id));
    // Any other error (a syntax error) is left for the bundler to report in its own words.
    if (!computed) return;
    const call = computed.id === 'unsupported-require-call' ? 'require()' : 'import()';
    throw new ComputedImportError(
      `${call} needs a string literal path: a computed path (a template with \${…}, a + b, a variable) could name any file of the host; import each file by its literal path`,
      computed.location,
    );
  }
}

/** A refusal from {@link refuseComputedImports}, with its position in the author's source. */
export class ComputedImportError extends Error {
  readonly location: esbuild.Location | null;
  constructor(message: string, location: esbuild.Location | null) {
    super(message);
    this.name = 'ComputedImportError';
    this.location = location;
  }
}

export interface GuardOptions {
  /**
   * Directories holding the plugin's own files (its sources and its node_modules). Empty for
   * source text from the network, which may import '@bambam/sdk' and nothing else.
   */
  pluginRoots: readonly string[];
  limits: CompileLimits;
}

/** Marks esbuild's own resolution of a path, so that the guard below does not recurse. */
const RESOLVING = Symbol('bambam-resolving');

/**
 * Resolves `@bambam/sdk` to its sources and refuses what cannot or must not run in the
 * sandbox: Node built-ins, the SDK's host entry points, any file outside the plugin's own
 * directory (a plugin must not bundle the host's files and print them), data: URLs, and
 * files that are too large, too many, or of a type a plugin has no use for.
 */
export function compileGuard({ pluginRoots, limits }: GuardOptions): esbuild.Plugin {
  // Roots as given and as real paths: import paths are checked as written before anything
  // touches the disk, then again once symlinks are resolved.
  const roots = pluginRoots.map((root) => path.resolve(root));
  const realRoots = roots.map(realPathOrSelf);
  const inPlugin = (file: string) => [...roots, ...realRoots].some((root) => isInside(root, file));
  const inRealPlugin = (file: string) => realRoots.some((root) => isInside(root, file));
  // Where the `@bambam/sdk` contracts this compile bundles live (their `dist/`, real paths).
  const sdkDirs = new Set<string>([path.dirname(SDK_ENTRY)]);
  const inSdk = (file: string) => [...sdkDirs].some((dir) => isInside(dir, file));
  let files = 0;
  let bytes = 0;

  return {
    name: 'bambam-compile-guard',
    setup(build) {
      // `@bambam/sdk` is the contract; every other `@bambam/*` package (runtime, protocol, cli) is host code.
      build.onResolve({ filter: /^@bambam\// }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined; // resolveContract's own lookup
        if (args.path === SDK_PACKAGE_NAME) {
          // The plugin's own installed contract when it has one (the version its author tested),
          // else this runtime's.
          const own = roots.length > 0 && args.resolveDir ? await resolveContract(build, args) : null;
          const entry = own ?? SDK_ENTRY;
          sdkDirs.add(path.dirname(entry));
          return { path: entry };
        }
        return refusal(
          `'${args.path}' is host code and cannot run in a plugin; import from '@bambam/sdk' only`,
        );
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.startsWith('node:') ? args.path.slice(5) : args.path.split('/')[0]!;
        if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(name)) return undefined;
        return refusal(
          `'${args.path}' is a Node module; plugins run in a sandbox without Node APIs (no filesystem, network, timers or process)`,
        );
      });
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        if (args.kind === 'entry-point') return undefined; // The host chose it; onLoad still checks it.
        const fromSdk = args.namespace === 'file' && inSdk(args.importer);
        const allowed = fromSdk ? inSdk : inPlugin;
        const isPath = args.path.startsWith('.') || path.isAbsolute(args.path);
        // Decided from the text alone, so that the answer does not tell whether a host file exists.
        if (isPath && !(args.resolveDir && allowed(path.resolve(args.resolveDir, args.path)))) {
          return refusal(outsideMessage(args.path));
        }
        if (!isPath && !fromSdk && roots.length === 0) return refusal(outsideMessage(args.path));
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          with: args.with,
          pluginData: RESOLVING,
        });
        // A package that is missing reads the same as one found in the host's node_modules.
        if (resolved.errors.length > 0) return isPath ? resolved : refusal(outsideMessage(args.path));
        if (resolved.external || resolved.namespace !== 'file') return refusal(outsideMessage(args.path));
        const real = realPathOrNull(resolved.path);
        if (real === null || !(fromSdk ? inSdk(real) : inRealPlugin(real))) {
          return refusal(outsideMessage(args.path));
        }
        return { path: real, namespace: 'file', sideEffects: resolved.sideEffects, suffix: resolved.suffix };
      });

      // Every load, whatever led to it (an import, an entry point, a glob esbuild expanded on
      // its own): only the plugin's and the SDK's regular files, read here, never by esbuild.
      build.onLoad({ filter: /.*/ }, async (args) => {
        const shown = path.basename(args.path);
        if (args.namespace !== 'file') return refusal(outsideMessage(args.path));
        const real = realPathOrNull(args.path);
        if (real === null || !(inRealPlugin(real) || inSdk(real))) {
          return refusal(outsideMessage(shown));
        }
        const loader = loaderFor(real, args.with);
        if (typeof loader !== 'string') return refusal(loader.refused);
        if (++files > limits.maxFiles) {
          return refusal(`the plugin imports more than ${limits.maxFiles} files`);
        }
        const contents = await readRegularFile(real, limits.maxFileBytes);
        if (typeof contents === 'string') return refusal(`'${shown}' ${contents}`);
        bytes += contents.length;
        if (bytes > limits.maxTotalBytes) {
          return refusal(`the plugin's files add up to more than ${limits.maxTotalBytes} bytes`);
        }
        if (SCRIPT_LOADERS.has(loader)) {
          try {
            await refuseComputedImports(contents, loader, args.path);
          } catch (error) {
            if (!(error instanceof ComputedImportError)) throw error;
            return { errors: [{ text: error.message, location: error.location }] };
          }
        }
        return { contents, loader, resolveDir: path.dirname(real) };
      });
    },
  };
}

/**
 * The real path of the `@bambam/sdk` entry esbuild finds from the importing file (the plugin's
 * `node_modules`, or a workspace's), if it is the built entry of a package really named
 * `@bambam/sdk`; null otherwise (then the runtime's own contract is bundled).
 */
async function resolveContract(
  build: esbuild.PluginBuild,
  args: esbuild.OnResolveArgs,
): Promise<string | null> {
  const resolved = await build.resolve(SDK_PACKAGE_NAME, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    pluginData: RESOLVING,
  });
  if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return null;
  const entry = realPathOrNull(resolved.path);
  if (entry === null || path.basename(path.dirname(entry)) !== 'dist') return null;
  const packageRoot = path.dirname(path.dirname(entry));
  try {
    const manifest = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as {
      name?: unknown;
    };
    return manifest.name === SDK_PACKAGE_NAME ? entry : null;
  } catch {
    return null;
  }
}

/** The loader for a plugin file and its import attributes, or why it cannot be imported. */
function loaderFor(file: string, attributes: Record<string, string>): esbuild.Loader | { refused: string } {
  const ext = path.extname(file).toLowerCase();
  const byExtension = LOADERS[ext];
  const keys = Object.keys(attributes);
  if (keys.length === 0) {
    return (
      byExtension ?? {
        refused: `'${path.basename(file)}': a plugin cannot import ${ext || 'extensionless'} files`,
      }
    );
  }
  const type = attributes.type;
  if (keys.length > 1 || type === undefined)
    return { refused: 'only the import attribute "type" is supported' };
  // The plugin's own files may be read as data; the guard above has already kept out the host's.
  if (type === 'json') return 'json';
  if (type === 'text') return 'text';
  if (type === 'bytes') return 'binary';
  return { refused: `importing with type "${type}" is not supported` };
}

/** A regular file's bytes, or why not (not a regular file, too large). Never blocks on a FIFO. */
async function readRegularFile(file: string, maxBytes: number): Promise<Uint8Array | string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return 'cannot be read';
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return 'is not a regular file';
    if (stat.size > maxBytes) return `is larger than ${maxBytes} bytes`;
    const contents = await handle.readFile();
    return contents.length > maxBytes ? `is larger than ${maxBytes} bytes` : contents;
  } finally {
    await handle.close();
  }
}

function refusal(text: string): { errors: esbuild.PartialMessage[] } {
  return { errors: [{ text }] };
}

function realPathOrNull(file: string): string | null {
  try {
    return realpathSync(file);
  } catch {
    return null;
  }
}

function realPathOrSelf(file: string): string {
  return realPathOrNull(file) ?? file;
}

export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}
