/** All of a plugin's sounds, rendered in parallel at load and looked up by name at play time. */
import type { Sound } from '../../sounds.ts';
import { SoundError } from './errors.ts';
import { type RenderedSound, renderSound } from './render.ts';
import { validateSound } from './validate.ts';

/** Rendered buffers by patch, so reloading a plugin (live coding) doesn't re-render unchanged sounds. */
const cache = new Map<string, Promise<RenderedSound>>();
/** Oldest entries are dropped past this many patches. */
const CACHE_LIMIT = 128;

/** The plugin's sounds, rendered. */
export class SoundBank {
  readonly #sounds: Map<string, RenderedSound>;

  private constructor(sounds: Map<string, RenderedSound>) {
    this.#sounds = sounds;
  }

  /**
   * Validates and renders every sound in parallel. Identical patches (same validated JSON, or
   * the same WAV bytes and gain) are rendered once per process and shared.
   * @throws {@link SoundError} for the first sound that is invalid or fails to render (after all have settled).
   */
  static async render(sounds: Readonly<Record<string, Sound>>): Promise<SoundBank> {
    if (typeof sounds !== 'object' || sounds === null)
      throw new TypeError('sounds must be an object of named sounds');
    const names = Object.keys(sounds);
    const settled = await Promise.allSettled(names.map((name) => renderCached(name, sounds[name])));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const rendered = new Map<string, RenderedSound>();
    settled.forEach((result, i) => {
      const { left, right, durationMs } = (result as PromiseFulfilledResult<RenderedSound>).value;
      rendered.set(names[i]!, { name: names[i]!, left, right, durationMs });
    });
    return new SoundBank(rendered);
  }

  /** The rendered sound with that name, if the plugin declared it. */
  get(name: string): RenderedSound | undefined {
    return this.#sounds.get(name);
  }

  /** Names of all sounds, in declaration order. */
  get names(): string[] {
    return [...this.#sounds.keys()];
  }
}

function renderCached(name: string, sound: unknown): Promise<RenderedSound> {
  const valid = validateSound(name, sound);
  const key = cacheKey(valid);
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key); // re-insert: most recently used last
  } else {
    entry = renderSound(name, valid);
    entry.catch(() => cache.delete(key));
  }
  cache.set(key, entry);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return entry.catch((error: unknown) => {
    // A cached failure carries the first name that used the patch: name this one.
    if (error instanceof SoundError && error.sound !== name) {
      throw new SoundError(name, error.message.replace(/^sound '[^']*': /, ''), { cause: error });
    }
    throw error;
  });
}

function cacheKey(sound: Sound): string {
  if (sound.kind === 'tone') return `tone:${JSON.stringify(sound)}`;
  return `sample:${sound.gain}:${sound.wav.byteLength}:${fnv1a(sound.wav)}`;
}

function fnv1a(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16);
}
