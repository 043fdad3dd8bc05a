/**
 * Sounds are data. A plugin declares them once; the engine renders each to a 48 kHz buffer
 * when the plugin loads, so playing one at run time only mixes samples (no synthesis on the
 * real-time path). The studio auditions the same data with Tone.js in the browser, so what
 * you hear in the editor is what the engine plays.
 *
 * @packageDocumentation
 */

import type { MidiMapping } from './midi.ts';

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

/**
 * The bounds every {@link ToneSound} is checked against before the engine renders it. They are
 * generous for music (Tone.js's own types stop at 32 partials; drums and bells use a fraction of
 * these) and keep the worst patch a plugin can declare cheap to render: the most expensive one
 * allowed renders in well under a second, where an unbounded `fatsawtooth` with `count: 1000`
 * would never finish. A patch outside them is refused at load with a `SoundError` that names
 * the sound, the option's path and the allowed range.
 *
 * Options are checked per instrument against Tone.js's option tree: an option the instrument
 * does not have (at any depth) is refused, not ignored, so a typo is an error, not silence.
 * Times are numbers of seconds (Tone's `'8n'` notation is not accepted), frequencies are Hz or
 * note names like `'C2'`.
 */
export const SOUND_LIMITS = {
  /** Longest `duration`, `length`, and any time option (envelope stages, `pitchDecay`, `portamento`…), in seconds. */
  maxSeconds: 4,
  /** Lowest frequency (`note`, `frequency`, `baseFrequency`, `resonance`…), in Hz. Note names `'C-1'`…`'B9'` are accepted as they are. */
  minFrequency: 20,
  /** Highest frequency, in Hz. */
  maxFrequency: 20000,
  /** Voices of a `fat*` oscillator (`oscillator.count`). */
  maxFatCount: 8,
  /**
   * Oscillator voices in the whole patch: each oscillator counts its `count` if `fat*` (3 by
   * default), 2 if `am*`/`fm*`, else 1, summed over `oscillator`, `modulation`, `voice0` and
   * `voice1`. Each voice may cost a wavetable (~0.1 s of CPU in node-web-audio-api).
   */
  maxOscillatorVoices: 8,
  /** Entries of `partials`, `partialCount`, and the number after a type like `'sine8'` (Tone.js's own limit). */
  maxPartials: 32,
  /** Points of an envelope curve given as an array (`attackCurve: [0, 0.3, 1]`). */
  maxCurvePoints: 64,
  /** `harmonicity` (FM/AM/Metal/Duo ratio of modulator to carrier). */
  maxHarmonicity: 64,
  /** `modulationIndex` (FM depth). */
  maxModulationIndex: 256,
  /** `octaves` (MembraneSynth pitch sweep, MetalSynth and filter envelope range). */
  maxOctaves: 12,
  /** `detune` in cents, either way. */
  maxDetuneCents: 4800,
  /** `spread` of a fat oscillator's voices, in cents. */
  maxSpreadCents: 1200,
  /** Rate of an LFO (`modulationFrequency`, `vibratoRate`), in Hz. */
  maxRateHz: 1000,
  /** Filter `Q`. */
  maxQ: 100,
  /** Filter `gain` in dB, either way. */
  maxFilterGainDb: 40,
  /** `volume` options, in dB: from this… */
  minVolumeDb: -120,
  /** …to this. */
  maxVolumeDb: 24,
  /** The sound's linear output `gain`. */
  maxGain: 8,
  /**
   * Values in a sound's `options` tree, all levels together, an array counting as one (arrays
   * have their own limits above). The rules already bound it: the largest legal tree, a
   * DuoSynth with every option of both voices, has under 100.
   */
  maxOptionEntries: 200,
} as const;

/** Longest sound, in seconds, that a plugin may declare (a hit plus its tail): {@link SOUND_LIMITS}`.maxSeconds`. */
export const MAX_SOUND_SECONDS = SOUND_LIMITS.maxSeconds;

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
  /** Says this is a Tone.js patch. */
  readonly kind: 'tone';
  /** Which Tone.js instrument renders it. */
  readonly instrument: ToneInstrument;
  /**
   * Options passed to the instrument's constructor (the same object Tone.js takes, e.g.
   * `{ envelope: { decay: 0.3 } }`). Only the options the instrument has are accepted, each
   * within {@link SOUND_LIMITS}.
   */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The note to trigger: a name like `'C2'` or a frequency in Hz (20..20000). Ignored by `NoiseSynth`. Default `'C2'`. */
  readonly note?: string | number;
  /** How long the note is held, in seconds (`triggerAttackRelease`'s duration), at most {@link MAX_SOUND_SECONDS}. Default `0.1`. */
  readonly duration?: number;
  /** Total length rendered, in seconds, including the release tail. Default `duration + 1`, at most {@link MAX_SOUND_SECONDS}. */
  readonly length?: number;
  /** Output gain applied to the rendered buffer, linear, 0..{@link SOUND_LIMITS}`.maxGain`. Default `1`. */
  readonly gain?: number;
  /** The MIDI note (and channel) this sound sends to MIDI gear; default from its name (see `midiMappingFor`). */
  readonly midi?: MidiMapping;
}

/**
 * Recorded audio shipped with the plugin: the bytes of a WAV file (PCM 8/16/24/32-bit or
 * float). Import it in the plugin source (`import kick from './kick.wav'`): the bundler turns
 * it into a `Uint8Array`. It is resampled to 48 kHz at load.
 */
export interface SampleSound {
  /** Says this is a WAV sample. */
  readonly kind: 'sample';
  /** The WAV file's bytes. */
  readonly wav: Uint8Array;
  /** Output gain applied to the sample, linear. Default `1`. */
  readonly gain?: number;
  /** The MIDI note (and channel) this sound sends to MIDI gear; default from its name (see `midiMappingFor`). */
  readonly midi?: MidiMapping;
}

/** A sound a plugin can play: a Tone.js patch or a WAV sample. */
export type Sound = ToneSound | SampleSound;
