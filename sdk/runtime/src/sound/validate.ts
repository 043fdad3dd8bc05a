/**
 * Checks that a plugin's sound declaration is one the engine can render, before any rendering
 * starts. Plugins are untrusted: every field is type-checked and bounded ({@link SOUND_LIMITS})
 * so that a patch can't ask for minutes of audio, a thousand-voice oscillator, absurd option
 * trees, or objects that reach into Tone's internals.
 */
import {
  MAX_SOUND_SECONDS,
  type MidiMapping,
  type SampleSound,
  SOUND_LIMITS,
  type Sound,
  TONE_INSTRUMENTS,
  type ToneInstrument,
  type ToneSound,
} from '@bambam/sdk';
import { SoundError } from './errors.ts';
import {
  MODULATION_TYPE,
  NOTE_NAME,
  type OptionRule,
  OSCILLATOR_TYPE,
  TONE_OPTION_RULES,
} from './tone-options.ts';

/**
 * Tone instruments the engine can't render offline in Node: PluckSynth needs an AudioWorklet,
 * which the offline renderer here does not provide.
 */
export const UNSUPPORTED_TONE_INSTRUMENTS: readonly string[] = ['PluckSynth'];

/** Largest WAV file a {@link SampleSound} may carry. */
export const MAX_SAMPLE_BYTES = 8 * 1024 * 1024;

const TONE_KEYS = new Set(['kind', 'instrument', 'options', 'note', 'duration', 'length', 'gain', 'midi']);
const SAMPLE_KEYS = new Set(['kind', 'wav', 'gain', 'midi']);
const MAX_GAIN = SOUND_LIMITS.maxGain;

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
  const note = checkFrequency(sound.note === undefined ? TONE_DEFAULTS.note : sound.note, (why) => {
    throw new SoundError(name, `'note' ${why}`);
  });
  const duration = seconds(
    name,
    'duration',
    sound.duration === undefined ? TONE_DEFAULTS.duration : sound.duration,
  );
  const length = seconds(
    name,
    'length',
    sound.length === undefined ? Math.min(duration + TONE_DEFAULTS.tail, MAX_SOUND_SECONDS) : sound.length,
  );
  const gain = validateGain(name, sound.gain);
  const options =
    sound.options === undefined ? {} : validateOptions(name, instrument as ToneInstrument, sound.options);
  const voices = oscillatorVoices(instrument as ToneInstrument, options);
  if (voices > SOUND_LIMITS.maxOscillatorVoices) {
    throw new SoundError(
      name,
      `the patch has ${voices} oscillator voices (a fat oscillator counts its 'count', 3 by default; am/fm count 2); at most ${SOUND_LIMITS.maxOscillatorVoices}`,
    );
  }
  return {
    kind: 'tone',
    instrument: instrument as ToneInstrument,
    options,
    note,
    duration,
    length,
    gain,
    ...validateMidi(name, sound.midi),
  };
}

/** A sound's `midi`: `{ note: 0..127, channel?: 1..16 }`, or nothing. */
function validateMidi(name: string, midi: unknown): { midi?: MidiMapping } {
  if (midi === undefined) return {};
  if (!isPlainObject(midi))
    throw new SoundError(name, `'midi' must be { note, channel? }, got ${describe(midi)}`);
  for (const key of Object.keys(midi)) {
    if (key !== 'note' && key !== 'channel') {
      throw new SoundError(name, `unknown field 'midi.${key}' (midi has: note, channel)`);
    }
  }
  const { note, channel } = midi;
  if (typeof note !== 'number' || !Number.isInteger(note) || note < 0 || note > 127) {
    throw new SoundError(name, `'midi.note' must be a whole number in [0, 127], got ${describe(note)}`);
  }
  if (channel === undefined) return { midi: { note } };
  if (typeof channel !== 'number' || !Number.isInteger(channel) || channel < 1 || channel > 16) {
    throw new SoundError(name, `'midi.channel' must be a whole number in [1, 16], got ${describe(channel)}`);
  }
  return { midi: { note, channel } };
}

/** Oscillators a patch makes (see {@link SOUND_LIMITS}`.maxOscillatorVoices`); MetalSynth's six are fixed and cheap. */
function oscillatorVoices(instrument: ToneInstrument, options: Record<string, unknown>): number {
  const voicesOf = (oscillator: unknown): number => {
    const { type, count } = (oscillator ?? {}) as { type?: string; count?: number };
    if (type?.startsWith('fat')) return count ?? 3;
    if (type?.startsWith('am') || type?.startsWith('fm')) return 2;
    return 1;
  };
  const sub = (key: string) => (options[key] ?? {}) as Record<string, unknown>;
  switch (instrument) {
    case 'NoiseSynth':
    case 'MetalSynth':
      return 0;
    case 'FMSynth':
    case 'AMSynth':
      return voicesOf(options.oscillator) + voicesOf(options.modulation ?? { type: 'square' });
    case 'DuoSynth':
      return voicesOf(sub('voice0').oscillator) + voicesOf(sub('voice1').oscillator);
    default:
      return voicesOf(options.oscillator);
  }
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
  return { kind: 'sample', wav, gain: validateGain(name, sound.gain), ...validateMidi(name, sound.midi) };
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

/**
 * Checks the options tree against the instrument's rules ({@link TONE_OPTION_RULES}) and
 * returns a copy of it as plain data. Walks only as deep as the rules go, so a deeply nested
 * or huge tree is refused at its first unexpected entry, without being traversed.
 */
function validateOptions(
  name: string,
  instrument: ToneInstrument,
  options: unknown,
): Record<string, unknown> {
  let entries = 0;
  const fail = (path: string, why: string): never => {
    throw new SoundError(name, `option '${path}' ${why}`);
  };
  const check = (rule: OptionRule, value: unknown, path: string): unknown => {
    if (++entries > SOUND_LIMITS.maxOptionEntries) {
      throw new SoundError(
        name,
        `'options' is too large (more than ${SOUND_LIMITS.maxOptionEntries} entries)`,
      );
    }
    switch (rule.kind) {
      case 'number':
        return checkNumber(value, rule, (why) => fail(path, why));
      case 'frequency':
        return checkFrequency(value, (why) => fail(path, why));
      case 'boolean':
        if (typeof value !== 'boolean') fail(path, `must be true or false, got ${describe(value)}`);
        return value;
      case 'enum':
        if (!rule.values.includes(value as string | number)) {
          fail(
            path,
            `must be one of ${rule.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
          );
        }
        return value;
      case 'oscillatorType': {
        const pattern = rule.prefixes ? OSCILLATOR_TYPE : MODULATION_TYPE;
        if (typeof value !== 'string' || !pattern.test(value)) {
          const example = rule.prefixes
            ? "'sine', 'sawtooth8', 'fatsquare', 'fmtriangle', 'pwm'"
            : "'sine', 'square4'";
          fail(
            path,
            `must be an oscillator type like ${example} (at most ${SOUND_LIMITS.maxPartials} partials), got ${describe(value)}`,
          );
        }
        return value;
      }
      case 'curve':
        if (typeof value === 'string') {
          if (!rule.names.includes(value))
            fail(
              path,
              `must be one of ${rule.names.join(', ')} or an array of levels, got ${describe(value)}`,
            );
          return value;
        }
        return checkNumbers(value, SOUND_LIMITS.maxCurvePoints, 0, 1, path, fail);
      case 'numbers':
        return checkNumbers(value, rule.maxLength, rule.min, rule.max, path, fail);
      case 'object': {
        if (!isPlainObject(value)) fail(path, `must be an object, got ${describe(value)}`);
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value as object)) {
          const at = path ? `${path}.${key}` : key;
          if (!Object.hasOwn(rule.fields, key)) {
            const known = Object.keys(rule.fields).join(', ');
            throw new SoundError(
              name,
              `${instrument} has no option '${at}' (${path ? `'${path}'` : 'it'} has: ${known})`,
            );
          }
          out[key] = check(rule.fields[key]!, (value as Record<string, unknown>)[key], at);
        }
        return out;
      }
    }
  };
  if (!isPlainObject(options))
    throw new SoundError(name, `'options' must be an object, got ${describe(options)}`);
  return check(TONE_OPTION_RULES[instrument], options, '') as Record<string, unknown>;
}

function checkNumber(
  value: unknown,
  rule: { min: number; max: number; integer?: boolean; unit?: string },
  fail: (why: string) => never,
): number {
  const unit = rule.unit ? ` ${rule.unit}` : '';
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < rule.min ||
    value > rule.max ||
    (rule.integer && !Number.isInteger(value))
  ) {
    const what = rule.integer ? 'an integer' : 'a number';
    return fail(`must be ${what} in ${rule.min}..${rule.max}${unit}, got ${describe(value)}`);
  }
  return value;
}

function checkFrequency(value: unknown, fail: (why: string) => never): number | string {
  const { minFrequency, maxFrequency } = SOUND_LIMITS;
  if (typeof value === 'string' && NOTE_NAME.test(value)) return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= minFrequency && value <= maxFrequency) {
    return value;
  }
  return fail(
    `must be a frequency in ${minFrequency}..${maxFrequency} Hz or a note name like 'C2' or 'F#3', got ${describe(value)}`,
  );
}

function checkNumbers(
  value: unknown,
  maxLength: number,
  min: number,
  max: number,
  path: string,
  fail: (path: string, why: string) => never,
): number[] {
  if (!Array.isArray(value)) return fail(path, `must be an array of numbers, got ${describe(value)}`);
  if (value.length > maxLength) return fail(path, `has ${value.length} entries; at most ${maxLength}`);
  return value.map((item, i) => checkNumber(item, { min, max }, (why) => fail(`${path}[${i}]`, why)));
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
  if (typeof value === 'function') return 'a function';
  if (isPlainObject(value)) return 'an object';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'an object';
  return String(value);
}
