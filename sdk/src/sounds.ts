/**
 * Sounds are data. A plugin declares them once; the engine renders each to a 48 kHz buffer
 * when the plugin loads, so playing one at run time only mixes samples (no synthesis on the
 * real-time path). The studio auditions the same data with Tone.js in the browser, so what
 * you hear in the editor is what the engine plays.
 *
 * @packageDocumentation
 */

/** Tone.js instruments a {@link ToneSound} may use. */
export const TONE_INSTRUMENTS = [
  'Synth',
  'MembraneSynth',
  'MetalSynth',
  'NoiseSynth',
  'FMSynth',
  'AMSynth',
  'MonoSynth',
  'DuoSynth',
] as const;

/** The name of a Tone.js instrument a {@link ToneSound} may use. */
export type ToneInstrument = (typeof TONE_INSTRUMENTS)[number];

/** Longest sound, in seconds, that a plugin may declare (a hit plus its tail). */
export const MAX_SOUND_SECONDS = 4;

/**
 * A Tone.js instrument patch, rendered once with `Tone.Offline`.
 *
 * @example
 * ```ts
 * const kick: ToneSound = {
 *   kind: 'tone',
 *   instrument: 'MembraneSynth',
 *   options: { pitchDecay: 0.05, octaves: 6, envelope: { attack: 0.001, decay: 0.4, sustain: 0 } },
 *   note: 'C1',
 *   duration: 0.4,
 * };
 * ```
 */
export interface ToneSound {
  readonly kind: 'tone';
  /** Which Tone.js instrument renders it. */
  readonly instrument: ToneInstrument;
  /** Options passed to the instrument's constructor (the same object Tone.js takes, e.g. `{ envelope: { decay: 0.3 } }`). */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The note to trigger: a name like `'C2'` or a frequency in Hz. Ignored by `NoiseSynth`. Default `'C2'`. */
  readonly note?: string | number;
  /** How long the note is held, in seconds (`triggerAttackRelease`'s duration). Default `0.1`. */
  readonly duration?: number;
  /** Total length rendered, in seconds, including the release tail. Default `duration + 1`, at most {@link MAX_SOUND_SECONDS}. */
  readonly length?: number;
  /** Output gain applied to the rendered buffer, linear. Default `1`. */
  readonly gain?: number;
}

/**
 * Recorded audio shipped with the plugin: the bytes of a WAV file (PCM 8/16/24/32-bit or
 * float). Import it in the plugin source (`import kick from './kick.wav'`): the bundler turns
 * it into a `Uint8Array`. It is resampled to 48 kHz at load.
 */
export interface SampleSound {
  readonly kind: 'sample';
  /** The WAV file's bytes. */
  readonly wav: Uint8Array;
  /** Output gain applied to the sample, linear. Default `1`. */
  readonly gain?: number;
}

/** A sound a plugin can play: a Tone.js patch or a WAV sample. */
export type Sound = ToneSound | SampleSound;
