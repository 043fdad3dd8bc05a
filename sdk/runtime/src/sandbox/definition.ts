import type { ParamSpec, ParamSpecs, Sound } from '@bambam/sdk';

/** What the host knows about a loaded plugin: its definition minus the code, as plain data. */
export interface PluginDescription {
  name: string;
  version: string;
  description: string;
  author?: string;
  params: ParamSpecs;
  /** Copied out of the isolate: Tone patches as JSON data, samples as their WAV bytes. */
  sounds: Record<string, Sound>;
}

/** A param's value. */
export type ParamValue = number | boolean | string;

/** Marks a value the isolate could not copy as data (a function, a symbol…); see isolate-runtime.js. */
export const NON_DATA = '$bambamNonData';

/** Semantic Versioning 2.0.0, strict (semver.org's regular expression). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const KEY = /^[A-Za-z_$][\w$-]{0,63}$/;
/** Keys that would reach prototypes when used on ordinary objects. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_SOUNDS = 64;
const MAX_PARAMS = 64;
const MAX_TEXT = 500;

/**
 * Checks the data the isolate copied out of a plugin's definition. Throws an Error whose message
 * says which field is wrong and how to fix it. Sound patches are only checked for shape here:
 * the sound renderer validates their contents when it renders them.
 */
export function validateDescription(raw: unknown): PluginDescription {
  if (!isRecord(raw)) throw new Error(`the default export must be definePlugin({...}), got ${describe(raw)}`);
  const { name, version, description, author, sounds, params } = raw;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error(
      `'name' must be lower case letters, digits and dashes (e.g. 'bam-drum'), got ${describe(name)}`,
    );
  }
  if (typeof version !== 'string' || !SEMVER.test(version) || version.length > 64) {
    throw new Error(`'version' must be a semantic version like '1.0.0', got ${describe(version)}`);
  }
  if (typeof description !== 'string' || description.trim() === '' || description.length > MAX_TEXT) {
    throw new Error(`'description' must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  if (author !== undefined && (typeof author !== 'string' || author.length > MAX_TEXT)) {
    throw new Error(`'author' must be a string of at most ${MAX_TEXT} characters`);
  }
  return {
    name,
    version,
    description,
    ...(author !== undefined ? { author } : {}),
    params: validateParamSpecs(params),
    sounds: validateSoundShapes(sounds),
  };
}

function validateSoundShapes(sounds: unknown): Record<string, Sound> {
  if (!isRecord(sounds))
    throw new Error(`'sounds' must be an object of named sounds, got ${describe(sounds)}`);
  const names = Object.keys(sounds);
  if (names.length === 0) throw new Error(`'sounds' must declare at least one sound`);
  if (names.length > MAX_SOUNDS)
    throw new Error(`'sounds' declares ${names.length} sounds; at most ${MAX_SOUNDS}`);
  const out: Record<string, Sound> = {};
  for (const name of names) {
    if (!KEY.test(name) || RESERVED_KEYS.has(name)) {
      throw new Error(
        `sound name ${describe(name)} must be an identifier-like key (not __proto__, constructor, prototype)`,
      );
    }
    const sound = sounds[name];
    if (!isRecord(sound)) throw new Error(`sound '${name}' must be an object, got ${describe(sound)}`);
    if (sound.kind === 'tone') {
      if (typeof sound.instrument !== 'string')
        throw new Error(`sound '${name}': 'instrument' must be a string`);
    } else if (sound.kind === 'sample') {
      if (!(sound.wav instanceof Uint8Array)) {
        throw new Error(
          `sound '${name}': 'wav' must be the bytes of a WAV file (import it: import kick from './kick.wav')`,
        );
      }
    } else {
      throw new Error(`sound '${name}': 'kind' must be 'tone' or 'sample', got ${describe(sound.kind)}`);
    }
    out[name] = sound as unknown as Sound;
  }
  return out;
}

/** Checks a definition's `params` declarations. */
export function validateParamSpecs(params: unknown): ParamSpecs {
  if (params === undefined) return {};
  if (!isRecord(params))
    throw new Error(`'params' must be an object of param declarations, got ${describe(params)}`);
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMS)
    throw new Error(`'params' declares ${keys.length} params; at most ${MAX_PARAMS}`);
  const out: Record<string, ParamSpec> = {};
  for (const key of keys) {
    if (!KEY.test(key) || RESERVED_KEYS.has(key)) {
      throw new Error(
        `param name ${describe(key)} must be an identifier-like key (not __proto__, constructor, prototype)`,
      );
    }
    out[key] = validateParamSpec(key, params[key]);
  }
  return out;
}

function validateParamSpec(key: string, spec: unknown): ParamSpec {
  const fail = (why: string): never => {
    throw new Error(`param '${key}': ${why}`);
  };
  if (!isRecord(spec)) return fail(`expected a declaration object, got ${describe(spec)}`);
  for (const text of ['label', 'description'] as const) {
    if (spec[text] !== undefined && (typeof spec[text] !== 'string' || spec[text].length > MAX_TEXT)) {
      fail(`'${text}' must be a string of at most ${MAX_TEXT} characters`);
    }
  }
  switch (spec.type) {
    case 'number': {
      const { min, max, step } = spec;
      if (!isFiniteNumber(min) || !isFiniteNumber(max) || min > max) {
        fail(`'min' and 'max' must be finite numbers with min <= max`);
      }
      if (!isFiniteNumber(spec.default) || spec.default < (min as number) || spec.default > (max as number)) {
        fail(
          `'default' must be a number within [${String(min)}, ${String(max)}], got ${describe(spec.default)}`,
        );
      }
      if (step !== undefined && (!isFiniteNumber(step) || step <= 0))
        fail(`'step' must be a positive number`);
      break;
    }
    case 'boolean':
      if (typeof spec.default !== 'boolean')
        fail(`'default' must be true or false, got ${describe(spec.default)}`);
      break;
    case 'choice': {
      const { choices } = spec;
      if (!Array.isArray(choices) || choices.length === 0 || !choices.every((c) => typeof c === 'string')) {
        fail(`'choices' must be a non-empty array of strings`);
      }
      if (!(choices as string[]).includes(spec.default as string)) {
        fail(`'default' must be one of the choices, got ${describe(spec.default)}`);
      }
      break;
    }
    default:
      fail(`'type' must be 'number', 'boolean' or 'choice', got ${describe(spec.type)}`);
  }
  return spec as unknown as ParamSpec;
}

/**
 * Checks param values against their declarations and returns `current` updated with them.
 * Unknown keys and wrong types throw a TypeError, out-of-range numbers and unknown choices
 * a RangeError; the message names the param and what it accepts.
 */
export function applyParamValues(
  plugin: string,
  specs: ParamSpecs,
  current: Readonly<Record<string, ParamValue>>,
  values: Record<string, unknown>,
): Record<string, ParamValue> {
  if (!isRecord(values))
    throw new TypeError(`Param values for '${plugin}' must be an object, got ${describe(values)}`);
  const next: Record<string, ParamValue> = { ...current };
  for (const [key, value] of Object.entries(values)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (!spec) {
      const known = Object.keys(specs);
      throw new TypeError(
        `Plugin '${plugin}' has no param '${key}'${known.length ? ` (its params: ${known.join(', ')})` : ' (it declares none)'}`,
      );
    }
    const prefix = `Param '${key}' of '${plugin}'`;
    if (spec.type === 'number') {
      if (!isFiniteNumber(value))
        throw new TypeError(`${prefix} must be a finite number, got ${describe(value)}`);
      if (value < spec.min || value > spec.max) {
        throw new RangeError(`${prefix} must be within [${spec.min}, ${spec.max}], got ${value}`);
      }
    } else if (spec.type === 'boolean') {
      if (typeof value !== 'boolean')
        throw new TypeError(`${prefix} must be true or false, got ${describe(value)}`);
    } else {
      if (typeof value !== 'string')
        throw new TypeError(`${prefix} must be a string, got ${describe(value)}`);
      if (!spec.choices.includes(value)) {
        throw new RangeError(`${prefix} must be one of ${spec.choices.join(', ')}, got '${value}'`);
      }
    }
    next[key] = value;
  }
  return next;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !Object.hasOwn(value, NON_DATA)
  );
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A short, safe rendering of an untrusted value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && Object.hasOwn(value, NON_DATA))
    return String((value as Record<string, unknown>)[NON_DATA]);
  if (ArrayBuffer.isView(value)) return 'a typed array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}
