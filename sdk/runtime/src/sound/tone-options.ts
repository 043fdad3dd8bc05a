/**
 * The option trees of the Tone.js instruments a plugin may use, as rules the validator walks:
 * each option Tone.js takes (from its `getDefaults()` and types, Tone 15.5), with its type and
 * the range allowed by {@link SOUND_LIMITS}. Anything not listed is refused.
 */
import { SOUND_LIMITS, type ToneInstrument } from '@bambam/sdk';

/** What one option may hold. */
export type OptionRule =
  | {
      readonly kind: 'number';
      readonly min: number;
      readonly max: number;
      readonly integer?: boolean;
      /** Said in error messages, e.g. `s`, `Hz`, `cents`. */
      readonly unit?: string;
    }
  /** Hz in {@link SOUND_LIMITS} `minFrequency..maxFrequency`, or a note name like `'C2'`. */
  | { readonly kind: 'frequency' }
  | { readonly kind: 'enum'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'boolean' }
  /** An OmniOscillator type: `'sine'`, `'sawtooth8'`, `'fatsquare'`, `'fmtriangle4'`, `'pwm'`… (`modulators`: base types only). */
  | { readonly kind: 'oscillatorType'; readonly prefixes: boolean }
  /** An envelope curve: one of the names, or an array of levels in 0..1. */
  | { readonly kind: 'curve'; readonly names: readonly string[] }
  /** An array of numbers (oscillator `partials`). */
  | { readonly kind: 'numbers'; readonly maxLength: number; readonly min: number; readonly max: number }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, OptionRule>> };

const L = SOUND_LIMITS;
const time: OptionRule = { kind: 'number', min: 0, max: L.maxSeconds, unit: 's' };
const frequency: OptionRule = { kind: 'frequency' };
const volume: OptionRule = { kind: 'number', min: L.minVolumeDb, max: L.maxVolumeDb, unit: 'dB' };
const detune: OptionRule = { kind: 'number', min: -L.maxDetuneCents, max: L.maxDetuneCents, unit: 'cents' };
const rate: OptionRule = { kind: 'number', min: 0, max: L.maxRateHz, unit: 'Hz' };
const harmonicity: OptionRule = { kind: 'number', min: 0, max: L.maxHarmonicity };
const modulationIndex: OptionRule = { kind: 'number', min: 0, max: L.maxModulationIndex };
const octaves: OptionRule = { kind: 'number', min: 0, max: L.maxOctaves };

const CURVE_NAMES = ['linear', 'exponential', 'sine', 'cosine', 'bounce', 'ripple', 'step'];
const envelopeFields = {
  attack: time,
  decay: time,
  sustain: { kind: 'number', min: 0, max: 1 },
  release: time,
  attackCurve: { kind: 'curve', names: CURVE_NAMES },
  decayCurve: { kind: 'enum', values: ['linear', 'exponential'] },
  releaseCurve: { kind: 'curve', names: CURVE_NAMES },
} as const satisfies Record<string, OptionRule>;
const envelope: OptionRule = { kind: 'object', fields: envelopeFields };
const frequencyEnvelope: OptionRule = {
  kind: 'object',
  fields: {
    ...envelopeFields,
    baseFrequency: frequency,
    exponent: { kind: 'number', min: 0, max: 10 },
    octaves,
  },
};

/** Tone's OmniOscillator options (the union over its types: an option another type uses is harmless). */
const oscillator: OptionRule = {
  kind: 'object',
  fields: {
    type: { kind: 'oscillatorType', prefixes: true },
    frequency,
    detune,
    phase: { kind: 'number', min: 0, max: 360, unit: 'degrees' },
    volume,
    mute: { kind: 'boolean' },
    partials: { kind: 'numbers', maxLength: L.maxPartials, min: -1, max: 1 },
    partialCount: { kind: 'number', min: 0, max: L.maxPartials, integer: true },
    count: { kind: 'number', min: 1, max: L.maxFatCount, integer: true },
    spread: { kind: 'number', min: 0, max: L.maxSpreadCents, unit: 'cents' },
    harmonicity,
    modulationIndex,
    modulationType: { kind: 'oscillatorType', prefixes: false },
    modulationFrequency: rate,
    width: { kind: 'number', min: -1, max: 1 },
  },
};

const filter: OptionRule = {
  kind: 'object',
  fields: {
    type: {
      kind: 'enum',
      values: ['lowpass', 'highpass', 'bandpass', 'lowshelf', 'highshelf', 'notch', 'allpass', 'peaking'],
    },
    frequency,
    detune,
    Q: { kind: 'number', min: 0, max: L.maxQ },
    gain: { kind: 'number', min: -L.maxFilterGainDb, max: L.maxFilterGainDb, unit: 'dB' },
    rolloff: { kind: 'enum', values: [-12, -24, -48, -96] },
  },
};

const noise: OptionRule = {
  kind: 'object',
  fields: {
    type: { kind: 'enum', values: ['white', 'pink', 'brown'] },
    playbackRate: { kind: 'number', min: 0.1, max: 10 },
    fadeIn: time,
    fadeOut: time,
    volume,
  },
};

const monophonic = { volume, detune, portamento: time } as const;
const synthFields = { ...monophonic, envelope, oscillator } as const;
const monoSynthFields = { ...synthFields, filter, filterEnvelope: frequencyEnvelope } as const;
const modulated = { harmonicity, modulation: oscillator, modulationEnvelope: envelope } as const;

/** The options each instrument takes. */
export const TONE_OPTION_RULES: Readonly<Record<ToneInstrument, OptionRule & { kind: 'object' }>> = {
  Synth: { kind: 'object', fields: synthFields },
  MembraneSynth: {
    kind: 'object',
    // Tone's own ranges: octaves 0.5..8, pitchDecay 0..0.5 s.
    fields: {
      ...synthFields,
      octaves: { kind: 'number', min: 0.5, max: 8 },
      pitchDecay: { kind: 'number', min: 0, max: 0.5, unit: 's' },
    },
  },
  MetalSynth: {
    kind: 'object',
    fields: { ...monophonic, envelope, harmonicity, modulationIndex, octaves, resonance: frequency },
  },
  NoiseSynth: { kind: 'object', fields: { volume, envelope, noise } },
  FMSynth: { kind: 'object', fields: { ...synthFields, ...modulated, modulationIndex } },
  AMSynth: { kind: 'object', fields: { ...synthFields, ...modulated } },
  MonoSynth: { kind: 'object', fields: monoSynthFields },
  DuoSynth: {
    kind: 'object',
    fields: {
      ...monophonic,
      harmonicity,
      vibratoAmount: { kind: 'number', min: 0, max: 1 },
      vibratoRate: rate,
      voice0: { kind: 'object', fields: monoSynthFields },
      voice1: { kind: 'object', fields: monoSynthFields },
    },
  },
};

/** A note name as Tone.js reads it: `'C2'`, `'F#3'`, `'Bb-1'`. */
export const NOTE_NAME = /^[A-Ga-g](#{1,2}|b{1,2})?-?\d$/;

const BASE_TYPES = '(sine|square|triangle|sawtooth)';
const PARTIALS = '([1-9]|[12]\\d|3[0-2])?'; // Tone's types allow 1..32
/** Oscillator types with an optional `fat`/`am`/`fm` prefix, as Tone's `OmniOscillatorType`. */
export const OSCILLATOR_TYPE = new RegExp(`^((fat|am|fm)?(${BASE_TYPES}${PARTIALS}|custom)|pwm|pulse)$`);
/** A modulator's type (`modulationType`): no prefix, no pwm/pulse. */
export const MODULATION_TYPE = new RegExp(`^(${BASE_TYPES}${PARTIALS}|custom)$`);
