/** All of a plugin's sounds, rendered in parallel at load and looked up by name at play time. */
import type { Sound } from '@bambam/sdk';
import { SoundError } from './errors.ts';
import type { RenderedSound } from './render.ts';
import { validateSound } from './validate.ts';
import { DEFAULT_RENDER_LIMITS, type RenderPool, sharedRenderPool } from './worker-client.ts';

/** Rendered buffers by patch, so reloading a plugin (live coding) doesn't re-render unchanged sounds. */
const cache = new Map<string, RenderedSound>();
/** Oldest entries are dropped past this many patches. */
const CACHE_LIMIT = 128;

/** Budgets of {@link SoundBank.render}. */
export interface SoundBankOptions {
  /** Longest one sound may render once a worker starts it. Default `DEFAULT_RENDER_LIMITS.soundTimeoutMs` (2 s). */
  readonly soundTimeoutMs?: number;
  /** Longest all the sounds may take together, waiting included. Default `DEFAULT_RENDER_LIMITS.bankTimeoutMs` (10 s). */
  readonly bankTimeoutMs?: number;
  /** The pool to render on. Default: the process's shared pool. */
  readonly pool?: RenderPool;
}

/** The plugin's sounds, rendered. */
export class SoundBank {
  private readonly sounds: Map<string, RenderedSound>;

  private constructor(sounds: Map<string, RenderedSound>) {
    this.sounds = sounds;
  }

  /**
   * Validates every sound, then renders them on the render pool, each under
   * `soundTimeoutMs` and all together under `bankTimeoutMs`; past either, the workers
   * rendering them are terminated. Identical patches (same validated JSON, or the same WAV
   * bytes and gain) are rendered once and, once rendered, reused by later banks.
   * @throws {@link SoundError} for the first sound (in declaration order) that is invalid, fails to render or runs out of time.
   */
  static async render(
    sounds: Readonly<Record<string, Sound>>,
    options: SoundBankOptions = {},
  ): Promise<SoundBank> {
    if (typeof sounds !== 'object' || sounds === null)
      throw new TypeError('sounds must be an object of named sounds');
    const names = Object.keys(sounds);
    const valid = names.map((name) => validateSound(name, sounds[name])); // before any rendering
    const pool = options.pool ?? sharedRenderPool();
    const caller = {};
    const bankTimeoutMs = options.bankTimeoutMs ?? DEFAULT_RENDER_LIMITS.bankTimeoutMs;
    const deadline = setTimeout(() => {
      const seconds = Number((bankTimeoutMs / 1000).toPrecision(3));
      pool.cancel(
        caller,
        (name) =>
          new SoundError(
            name,
            `the plugin's sounds took longer than ${seconds} s to render and were stopped`,
          ),
      );
    }, bankTimeoutMs);
    const inThisBank = new Map<string, Promise<RenderedSound>>();
    const render = (name: string, sound: Sound): Promise<RenderedSound> => {
      const key = cacheKey(sound);
      const done = cache.get(key);
      if (done) {
        cache.delete(key); // re-insert: most recently used last
        cache.set(key, done);
        return Promise.resolve(done);
      }
      let entry = inThisBank.get(key);
      if (!entry) {
        entry = pool.render(name, sound, { caller, timeoutMs: options.soundTimeoutMs });
        entry.then((rendered) => remember(key, rendered)).catch(() => {});
        inThisBank.set(key, entry);
      }
      return entry.catch((error: unknown) => {
        // A shared failure carries the first name that used the patch: name this one.
        if (error instanceof SoundError && error.sound !== name) {
          throw new SoundError(name, error.message.replace(/^sound '[^']*': /, ''), { cause: error });
        }
        throw error;
      });
    };
    try {
      const settled = await Promise.allSettled(names.map((name, i) => render(name, valid[i]!)));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      const rendered = new Map<string, RenderedSound>();
      settled.forEach((result, i) => {
        const { left, right, durationMs } = (result as PromiseFulfilledResult<RenderedSound>).value;
        rendered.set(names[i]!, { name: names[i]!, left, right, durationMs });
      });
      return new SoundBank(rendered);
    } finally {
      clearTimeout(deadline);
    }
  }

  /** The rendered sound with that name, if the plugin declared it. */
  get(name: string): RenderedSound | undefined {
    return this.sounds.get(name);
  }

  /** Names of all sounds, in declaration order. */
  get names(): string[] {
    return [...this.sounds.keys()];
  }
}

function remember(key: string, rendered: RenderedSound): void {
  cache.set(key, rendered);
  while (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
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
