/** Turns a sound declaration into 48 kHz stereo buffers, once, at plugin load. */
import { MAX_SOUND_SECONDS, type Sound } from '@bambam/sdk';
import { SAMPLE_RATE } from './constants.ts';
import { SoundError } from './errors.ts';
import { renderTonePatch } from './node-tone.ts';
import { finishChannels } from './render-tone-patch.ts';
import { resample } from './resample.ts';
import { validateSound } from './validate.ts';
import { decodeWav } from './wav.ts';
import type { RenderPool } from './worker-client.ts';

/** A sound ready to mix: 48 kHz, one buffer per stereo channel, never louder than full scale. */
export interface RenderedSound {
  /** The sound's name in its plugin. */
  readonly name: string;
  /** Left channel samples (shared, never written by the mixer). */
  readonly left: Float32Array;
  /** Right channel samples, same length as `left`. */
  readonly right: Float32Array;
  /** Length in milliseconds. */
  readonly durationMs: number;
}

/** Where and how long {@link renderSound} renders. */
export interface RenderOptions {
  /**
   * `'worker'` (default): on the process's pool of render worker threads ({@link RenderPool}),
   * so loading a plugin never blocks the event loop, and under `timeoutMs`.
   * `'here'`: on the calling thread, with no timeout (tests, tools).
   */
  thread?: 'worker' | 'here';
  /** Longest the render may take once a worker starts it; past it the worker is terminated. Default `DEFAULT_RENDER_LIMITS.soundTimeoutMs` (2 s). */
  timeoutMs?: number;
  /** The pool to render on. Default: the process's shared pool. */
  pool?: RenderPool;
}

/**
 * Renders a sound: a Tone patch with `Tone.Offline`-style offline rendering on
 * node-web-audio-api, or a WAV sample decoded and resampled to 48 kHz. Validates it first.
 * Mono becomes both channels; channels past the second are dropped. The result is scaled by the
 * sound's `gain`, scaled down to peak at full scale if it would exceed it (a browser would clip
 * it there), and its silent tail is trimmed so the mixer does no work on it.
 *
 * @throws {@link SoundError} when the declaration is invalid, rendering fails, or it takes
 * longer than `timeoutMs` ("rendering took longer than 2 s and was stopped").
 */
export async function renderSound(
  name: string,
  sound: Sound,
  options: RenderOptions = {},
): Promise<RenderedSound> {
  const valid = validateSound(name, sound);
  if (options.thread === 'here') return renderValidatedHere(name, valid);
  const { sharedRenderPool } = await import('./worker-client.ts');
  return (options.pool ?? sharedRenderPool()).render(name, valid, { timeoutMs: options.timeoutMs });
}

/** {@link renderSound} on the calling thread. */
export function renderSoundHere(name: string, sound: Sound): Promise<RenderedSound> {
  return renderValidatedHere(name, validateSound(name, sound));
}

/** Renders a sound that {@link validateSound} returned, on the calling thread (the render worker's entry). */
export async function renderValidatedHere(name: string, valid: Sound): Promise<RenderedSound> {
  let channels: Float32Array[];
  try {
    if (valid.kind === 'tone') {
      channels = await renderTonePatch(valid);
    } else {
      const decoded = decodeWav(valid.wav);
      const seconds = (decoded.channels[0]?.length ?? 0) / decoded.sampleRate;
      if (seconds > MAX_SOUND_SECONDS + 1e-9) {
        throw new Error(`the sample is ${seconds.toFixed(2)} s long; the limit is ${MAX_SOUND_SECONDS} s`);
      }
      channels = decoded.channels.slice(0, 2).map((c) => resample(c, decoded.sampleRate, SAMPLE_RATE));
    }
  } catch (error) {
    if (error instanceof SoundError) throw error;
    throw new SoundError(name, `could not render: ${(error as Error).message}`, { cause: error });
  }
  return finish(name, channels, valid.gain ?? 1);
}

function finish(name: string, channels: Float32Array[], gain: number): RenderedSound {
  const { left, right, length } = finishChannels(channels, gain);
  return { name, left, right, durationMs: (length / SAMPLE_RATE) * 1000 };
}
