/**
 * Checks that a plugin's sound declaration is one the engine can render, before any rendering
 * starts. Plugins are untrusted: every field is type-checked and bounded so that a patch can't
 * ask for minutes of audio, absurd option trees, or objects that reach into Tone's internals.
 */
import {
  MAX_SOUND_SECONDS,
  type SampleSound,
  type Sound,
  TONE_INSTRUMENTS,
  type ToneSound,
} from '../../sounds.ts';
import { SoundError } from './errors.ts';

/**
 * Tone instruments the engine can't render offline in Node: PluckSynth needs an AudioWorklet,
 * which the offline renderer here does not provide.
 */
export const UNSUPPORTED_TONE_INSTRUMENTS: readonly string[] = ['PluckSynth'];

/** Largest WAV file a {@link SampleSound} may carry. */
export const MAX_SAMPLE_BYTES = 8 * 1024 * 1024;

const TONE_KEYS = new Set(['kind', 'instrument', 'options', 'note', 'duration', 'length', 'gain']);
const SAMPLE_KEYS = new Set(['kind', 'wav', 'gain']);
const FORBIDDEN_OPTION_KEYS = new Set(['context', '__proto__', 'constructor', 'prototype']);
/** Option keys that are times in seconds (envelopes, decays): bounded by the longest sound. */
const TIME_OPTION_KEYS = new Set(['attack', 'decay', 'release', 'pitchDecay', 'portamento', 'delayTime']);
const MAX_OPTION_DEPTH = 5;
const MAX_OPTION_ENTRIES = 200;
const MAX_OPTION_STRING = 64;
const MAX_OPTION_MAGNITUDE = 1e6;
const MAX_GAIN = 8;
const NOTE_NAME = /^[A-Ga-g](#{1,2}|b{1,2})?-?\d$/;

/** Defaults applied by {@link validateSound}. */
export const TONE_DEFAULTS = { note: 'C2', duration: 0.1, tail: 1 } as const;

/**
 * Validates a plugin's sound declaration and returns it with defaults filled in (`note`,
 * `duration`, `length`, `gain`, `options` for Tone patches; `gain` for samples).
 *
 * @param name - the sound's key in the plugin's `sounds`, used in error messages.
 * @param sound - the declaration, untrusted.
 * @throws {@link SoundError} with a message that says which field is wrong and why.
 */
export function validateSound(name: string, sound: unknown): Sound {
  if (!isPlainObject(sound)) throw new SoundError(name, `expected an object, got ${describe(sound)}`);
  if (sound.kind === 'tone') return validateTone(name, sound);
  if (sound.kind === 'sample') return validateSample(name, sound);
  throw new SoundError(name, `'kind' must be 'tone' or 'sample', got ${describe(sound.kind)}`);
}

function validateTone(name: string, sound: Record<string, unknown>): ToneSound {
  rejectUnknownKeys(name, sound, TONE_KEYS);
  const { instrument } = sound;
  if (typeof instrument === 'string' && UNSUPPORTED_TONE_INSTRUMENTS.includes(instrument)) {
    throw new SoundError(name, `${instrument} can't be rendered by the engine (it needs an AudioWorklet)`);
  }
  if (typeof instrument !== 'string' || !(TONE_INSTRUMENTS as readonly string[]).includes(instrument)) {
    throw new SoundError(
      name,
      `unknown instrument ${describe(instrument)}; use one of ${TONE_INSTRUMENTS.join(', ')}`,
    );
  }
  const note = sound.note ?? TONE_DEFAULTS.note;
  if (typeof note === 'number') {
    if (!Number.isFinite(note) || note < 20 || note > 20000) {
      throw new SoundError(name, `'note' as a frequency must be 20..20000 Hz, got ${note}`);
    }
  } else if (typeof note !== 'string' || !NOTE_NAME.test(note)) {
    throw new SoundError(
      name,
      `'note' must be a note name like 'C2' or 'F#3', or a frequency in Hz; got ${describe(note)}`,
    );
  }
  const duration = seconds(name, 'duration', sound.duration ?? TONE_DEFAULTS.duration);
  const length = seconds(
    name,
    'length',
    sound.length ?? Math.min(duration + TONE_DEFAULTS.tail, MAX_SOUND_SECONDS),
  );
  const gain = validateGain(name, sound.gain);
  const options = sound.options === undefined ? {} : validateOptions(name, sound.options);
  return {
    kind: 'tone',
    instrument: instrument as ToneSound['instrument'],
    options,
    note,
    duration,
    length,
    gain,
  };
}

function validateSample(name: string, sound: Record<string, unknown>): SampleSound {
  rejectUnknownKeys(name, sound, SAMPLE_KEYS);
  let wav = sound.wav;
  if (wav instanceof ArrayBuffer) wav = new Uint8Array(wav);
  if (!(wav instanceof Uint8Array)) {
    throw new SoundError(
      name,
      `'wav' must be the WAV file's bytes (a Uint8Array), got ${describe(sound.wav)}`,
    );
  }
  if (wav.byteLength > MAX_SAMPLE_BYTES) {
    throw new SoundError(name, `the WAV file is ${wav.byteLength} bytes; the limit is ${MAX_SAMPLE_BYTES}`);
  }
  const head = String.fromCharCode(...wav.subarray(0, 4)) + String.fromCharCode(...wav.subarray(8, 12));
  if (wav.byteLength < 44 || head !== 'RIFFWAVE') {
    throw new SoundError(name, "'wav' is not a WAV file (no RIFF/WAVE header)");
  }
  return { kind: 'sample', wav, gain: validateGain(name, sound.gain) };
}

function seconds(name: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_SOUND_SECONDS) {
    throw new SoundError(
      name,
      `'${key}' must be a number of seconds in (0, ${MAX_SOUND_SECONDS}], got ${describe(value)}`,
    );
  }
  return value;
}

function validateGain(name: string, value: unknown): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_GAIN) {
    throw new SoundError(name, `'gain' must be a number in [0, ${MAX_GAIN}], got ${describe(value)}`);
  }
  return value;
}

/** Copies the options tree as plain JSON data, rejecting anything else or anything too big. */
function validateOptions(name: string, options: unknown): Record<string, unknown> {
  let entries = 0;
  const copy = (value: unknown, path: string, depth: number): unknown => {
    if (++entries > MAX_OPTION_ENTRIES) {
      throw new SoundError(name, `'options' is too large (more than ${MAX_OPTION_ENTRIES} entries)`);
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || Math.abs(value) > MAX_OPTION_MAGNITUDE) {
        throw new SoundError(
          name,
          `option '${path}' must be a finite number of magnitude ≤ 1e6, got ${value}`,
        );
      }
      return value;
    }
    if (typeof value === 'boolean') return value;
    if (typeof value === 'string') {
      if (value.length > MAX_OPTION_STRING)
        throw new SoundError(name, `option '${path}' is a string that is too long`);
      return value;
    }
    if (depth >= MAX_OPTION_DEPTH) throw new SoundError(name, `option '${path}' is nested too deeply`);
    if (Array.isArray(value)) return value.map((item, i) => copy(item, `${path}[${i}]`, depth + 1));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (FORBIDDEN_OPTION_KEYS.has(key)) throw new SoundError(name, `option '${at}' is not allowed`);
        const checked = copy(item, at, depth + 1);
        if (
          TIME_OPTION_KEYS.has(key) &&
          typeof checked === 'number' &&
          (checked < 0 || checked > MAX_SOUND_SECONDS)
        ) {
          throw new SoundError(
            name,
            `option '${at}' is a time and must be 0..${MAX_SOUND_SECONDS} s, got ${checked}`,
          );
        }
        if (key === 'volume' && typeof checked === 'number' && checked > 24) {
          throw new SoundError(name, `option '${at}' must be at most 24 dB, got ${checked}`);
        }
        out[key] = checked;
      }
      return out;
    }
    throw new SoundError(
      name,
      `option '${path}' must be a number, string, boolean, array or object, got ${describe(value)}`,
    );
  };
  if (!isPlainObject(options))
    throw new SoundError(name, `'options' must be an object, got ${describe(options)}`);
  return copy(options, '', 0) as Record<string, unknown>;
}

function rejectUnknownKeys(name: string, sound: Record<string, unknown>, known: Set<string>): void {
  for (const key of Object.keys(sound)) {
    if (!known.has(key)) {
      throw new SoundError(
        name,
        `unknown field '${key}' (a ${sound.kind} sound has: ${[...known].join(', ')})`,
      );
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return String(value);
}
