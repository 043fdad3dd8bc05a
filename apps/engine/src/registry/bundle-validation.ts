/**
 * Proves an uploaded bundle is what its manifest says and that it runs: it is loaded in the
 * same isolated-vm sandbox the engine plays it in, its sounds are rendered with the engine's
 * sound bank, and the loaded definition must match the manifest (name, version, description,
 * author, sounds, params).
 */
import { PluginError, PluginSandbox, SoundBank, soundFacts } from '@bambam/runtime';
import { canonicalJson, type Manifest } from './manifest.ts';
import type { CompiledBundle } from './types.ts';

/** Why an upload was refused, for a 422 answer. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly code: string;
  readonly location?: { file?: string; line: number; column: number };
  constructor(code: string, message: string, location?: { file?: string; line: number; column: number }) {
    super(message);
    this.code = code;
    this.location = location;
  }
}

function describeMismatch(manifest: Manifest, loaded: PluginSandbox['description']): string | undefined {
  const checks: [string, unknown, unknown][] = [
    ['name', manifest.name, loaded.name],
    ['version', manifest.version, loaded.version],
    ['description', manifest.description, loaded.description],
    ['author', manifest.author ?? null, loaded.author ?? null],
    ['sounds', manifest.sounds, soundFacts(loaded.sounds)],
    ['params', manifest.params, loaded.params ?? {}],
  ];
  for (const [field, declared, actual] of checks) {
    if (canonicalJson(declared) !== canonicalJson(actual)) {
      return `Manifest ${field} does not match the bundle: manifest has ${canonicalJson(declared).slice(0, 200)}, the bundle declares ${canonicalJson(actual).slice(0, 200)}. Rebuild with \`bambam build\`.`;
    }
  }
  return undefined;
}

/** Loads the bundle in the sandbox, renders its sounds, and compares with the manifest. Throws {@link ValidationError}. */
export async function validateBundle(manifest: Manifest, compiled: CompiledBundle): Promise<void> {
  let sandbox: PluginSandbox | undefined;
  try {
    try {
      sandbox = await PluginSandbox.load(compiled);
    } catch (error) {
      if (error instanceof PluginError) {
        throw new ValidationError(
          'plugin-load',
          `The bundle fails in the sandbox: ${error.message}`,
          error.location,
        );
      }
      throw new ValidationError(
        'plugin-load',
        `The bundle fails in the sandbox: ${(error as Error).message}`,
      );
    }
    const mismatch = describeMismatch(manifest, sandbox.description);
    if (mismatch) throw new ValidationError('manifest-mismatch', mismatch);
    try {
      await SoundBank.render(sandbox.description.sounds);
    } catch (error) {
      throw new ValidationError('sound-render', `A sound fails to render: ${(error as Error).message}`);
    }
  } finally {
    sandbox?.dispose();
  }
}
