/**
 * How a Tone patch becomes samples, shared by the engine (Tone.js on node-web-audio-api) and the
 * studio's audition (Tone.js in the browser), so what a player auditions is what the engine
 * plays, sample for sample. Pure: it takes the Tone module as an argument and imports nothing
 * from Node, so the browser can bundle it (`@bambam/runtime/tone-patch`).
 */
import type { ToneSound } from '@bambam/sdk';

// biome-ignore lint/suspicious/noExplicitAny: Tone's module namespace, typed loosely on purpose (only a few entry points are used)
export type ToneModule = any;

/** Below this level (-90 dBFS) a rendered tail counts as silence and is trimmed. */
export const SILENCE_LEVEL = 10 ** (-90 / 20);

/**
 * Renders a patch (defaults already filled in: `length`, `note`, `duration`) offline with the
 * given Tone module: `new Tone[instrument](options)` triggered at 0 with
 * `triggerAttackRelease(note, duration)` (`triggerAttackRelease(duration)` for NoiseSynth).
 *
 * The offline context is made Tone's global context only while the synth is built and
 * triggered, and restored before anything is awaited: Tone creates some buffers (noise) on the
 * global context, and this keeps concurrent renders from seeing each other's context.
 */
export async function renderToneWith(
  Tone: ToneModule,
  sound: ToneSound,
  sampleRate: number,
): Promise<Float32Array[]> {
  const context = new Tone.OfflineContext(2, sound.length ?? 1, sampleRate);
  const previous = Tone.getContext();
  let synth: ToneModule;
  try {
    Tone.setContext(context);
    const Instrument = Tone[sound.instrument];
    if (typeof Instrument !== 'function') throw new Error(`Tone.js has no instrument '${sound.instrument}'`);
    synth = new Instrument(structuredClone(sound.options ?? {}));
    synth.toDestination();
    if (sound.instrument === 'NoiseSynth') synth.triggerAttackRelease(sound.duration, 0);
    else synth.triggerAttackRelease(sound.note, sound.duration, 0);
  } finally {
    Tone.setContext(previous);
  }
  try {
    const rendered = await context.render();
    const buffer = typeof rendered.get === 'function' ? rendered.get() : rendered;
    const channels: Float32Array[] = [];
    for (let c = 0; c < buffer.numberOfChannels; c++)
      channels.push(new Float32Array(buffer.getChannelData(c)));
    return channels;
  } finally {
    synth?.dispose();
    context.dispose();
  }
}

/** A finished render: stereo, gain applied, never over full scale, silent tail trimmed. */
export interface FinishedChannels {
  readonly left: Float32Array;
  readonly right: Float32Array;
  /** Samples kept after trimming the silent tail. */
  readonly length: number;
  /** Peak level before gain and normalisation. */
  readonly peak: number;
}

/**
 * Applies the sound's gain, scales it down to peak at full scale if it would be louder (a
 * browser would clip it instead; MetalSynth's defaults peak at 3.4), and trims the silent tail.
 * A mono render is used for both channels.
 */
export function finishChannels(channels: readonly Float32Array[], gain: number): FinishedChannels {
  const left = channels[0] ?? new Float32Array(0);
  const right = channels[1] ?? left;
  let peak = 0;
  let end = 0;
  for (let i = 0; i < left.length; i++) {
    const level = Math.max(Math.abs(left[i]!), Math.abs(right[i]!)) || 0;
    if (level > peak) peak = level;
    if (level * gain > SILENCE_LEVEL) end = i + 1;
  }
  const scale = peak * gain > 1 ? 1 / peak : gain;
  const outLeft = new Float32Array(end);
  const outRight = new Float32Array(end);
  for (let i = 0; i < end; i++) {
    outLeft[i] = (left[i]! || 0) * scale;
    outRight[i] = (right[i]! || 0) * scale;
  }
  return { left: outLeft, right: outRight, length: end, peak };
}
