/**
 * Tone.js in Node, loaded once and only when a Tone patch is first rendered. Tone expects a
 * browser: node-web-audio-api provides the Web Audio classes, copied onto `globalThis` before
 * Tone is imported (Tone captures them at import time).
 */
import type { ToneSound } from '@bambam/sdk';
import { SAMPLE_RATE } from './constants.ts';
import type { ToneModule } from './render-tone-patch.ts';
import { renderToneWith } from './render-tone-patch.ts';

let tonePromise: Promise<ToneModule> | undefined;

/** Imports Tone.js with node-web-audio-api's globals in place. */
export function loadTone(): Promise<ToneModule> {
  tonePromise ??= (async () => {
    const webAudio: Record<string, unknown> = await import('node-web-audio-api');
    const global = globalThis as Record<string, unknown>;
    for (const [key, value] of Object.entries(webAudio)) {
      if (key !== 'default' && !(key in global)) global[key] = value;
    }
    global.window ??= globalThis;
    const Tone: ToneModule = await import('tone');
    trimPeriodicWaves(Tone);
    return Tone;
  })();
  return tonePromise;
}

/**
 * Tone passes every periodic wave (custom `partials`, types like `'sawtooth8'`) as 2048
 * coefficients, mostly trailing zeros, and node-web-audio-api's cost grows with their number
 * (~100 ms of CPU for 2048, ~2 ms for 33). Dropping the trailing zeros leaves the wave, and the
 * rendered samples, exactly the same (checked in render.test.ts).
 */
function trimPeriodicWaves(Tone: ToneModule): void {
  const prototype = Tone.Context.prototype;
  const create = prototype.createPeriodicWave;
  prototype.createPeriodicWave = function (
    this: unknown,
    real: Float32Array,
    imag: Float32Array,
    constraints?: object,
  ) {
    let n = Math.max(real.length, imag.length);
    while (n > 2 && !real[n - 1] && !imag[n - 1]) n--;
    return create.call(this, real.subarray(0, n), imag.subarray(0, n), constraints);
  };
}

/**
 * Renders a validated Tone patch to one Float32Array per channel at 48 kHz, with Tone.js on
 * node-web-audio-api. Refuses options the instrument does not have, and callbacks
 * (`onsilence`) and `context`, which are not the plugin's to set.
 */
export async function renderTonePatch(sound: ToneSound): Promise<Float32Array[]> {
  const Tone = await loadTone();
  const Instrument = Tone[sound.instrument];
  const defaults: Record<string, unknown> = Instrument.getDefaults();
  const known = Object.keys(defaults).filter(
    (key) => typeof defaults[key] !== 'function' && key !== 'context',
  );
  for (const key of Object.keys(sound.options ?? {})) {
    if (!known.includes(key)) {
      throw new Error(`${sound.instrument} has no option '${key}' (it has: ${known.join(', ')})`);
    }
  }
  return renderToneWith(Tone, sound, SAMPLE_RATE);
}
