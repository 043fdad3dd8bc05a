/**
 * Publishing straight from the studio's editor: the browser cannot bundle, so the engine
 * compiles the TypeScript source with the same `compilePlugin` that `bambam build` uses and
 * derives the manifest from the loaded plugin, exactly as `bambam build` would.
 */
import { MAX_PLUGIN_SOURCE_CHARS } from '@bambam/protocol';
import { compilePlugin, PluginError, PluginSandbox, soundFacts } from '@bambam/runtime';
import { HttpError } from './http-answers.ts';
import type { Manifest } from './manifest.ts';
import { sha256Hex as sha256 } from './sha256.ts';

/** A plugin built from source: what `bambam build` writes to `dist/`. */
export interface BuiltPlugin {
  readonly manifest: Manifest;
  readonly bundle: Buffer;
  readonly sourceMap: Buffer;
}

/** Builds `dist/` (bundle, source map, manifest) from plugin source. Throws 400/413/422 {@link HttpError}s. */
export async function buildFromSource(source: unknown, sdkRange: string): Promise<BuiltPlugin> {
  if (typeof source !== 'string' || source.length === 0) {
    throw new HttpError(400, 'bad-request', "'source' must be a non-empty string of TypeScript.");
  }
  if (source.length > MAX_PLUGIN_SOURCE_CHARS) {
    throw new HttpError(
      413,
      'too-large',
      `Source is ${source.length} characters; the limit is ${MAX_PLUGIN_SOURCE_CHARS}.`,
    );
  }
  const fail = (code: string, prefix: string, error: unknown) => {
    const location = error instanceof PluginError ? error.location : undefined;
    return new HttpError(
      422,
      code,
      `${prefix}: ${(error as Error).message}`,
      location ? { location } : undefined,
    );
  };
  let compiled: Awaited<ReturnType<typeof compilePlugin>>;
  try {
    compiled = await compilePlugin({ source, filename: 'index.ts' });
  } catch (error) {
    throw fail('plugin-compile', 'The source does not compile', error);
  }
  let sandbox: PluginSandbox;
  try {
    sandbox = await PluginSandbox.load(compiled);
  } catch (error) {
    throw fail('plugin-load', 'The bundle fails in the sandbox', error);
  }
  const d = sandbox.description;
  sandbox.dispose();
  const bundle = Buffer.from(compiled.code);
  const map = Buffer.from(compiled.sourceMap);
  const manifest: Manifest = {
    name: d.name,
    version: d.version,
    sdk: sdkRange,
    description: d.description,
    ...(d.author === undefined ? {} : { author: d.author }),
    sounds: soundFacts(d.sounds),
    params: d.params as Manifest['params'],
    bundle: { sha256: sha256(bundle), size: bundle.length },
    sourceMap: { sha256: sha256(map), size: map.length },
  };
  return { manifest, bundle, sourceMap: map };
}
