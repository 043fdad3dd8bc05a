/**
 * How a plugin's sounds reach MIDI gear: a note and a channel per sound. A sound may declare its
 * own (`midi` on {@link ToneSound} / {@link SampleSound}); otherwise {@link midiMapFor} picks the
 * General MIDI drum key its name says (`kick` → 36, `snare` → 38, `hat` → 42…), so a drum kit
 * plays a DAW's drum rack as it is; other sounds get keys of their own above GM's percussion.
 * The studio's MIDI out, its take export and `bambam run --midi` all use this map.
 */
import type { SampleSound, ToneSound } from './sounds.ts';

/** A sound's MIDI note. */
export interface MidiMapping {
  /** MIDI note number, 0..127 (General MIDI drums: 36 kick, 38 snare, 42 closed hi-hat…). */
  readonly note: number;
  /** MIDI channel, 1..16. Default {@link DEFAULT_MIDI_CHANNEL} (General MIDI's drum channel). */
  readonly channel?: number;
}

/** General MIDI's percussion channel. */
export const DEFAULT_MIDI_CHANNEL = 10;

/** Sounds no drum name matches get keys from here up (above GM's percussion keys 35..81), in order. */
export const FIRST_FREE_MIDI_NOTE = 82;

/**
 * General MIDI level 1 percussion keys, by words a drum sound's name contains (first match
 * wins). bam-drum's kit: bam (its deep main drum) → 35 Acoustic Bass Drum, kick → 36, snare → 38,
 * clap → 39, tom → 45 Low Tom, hat → 42 Closed Hi-Hat.
 */
export const GM_DRUM_NOTES: readonly (readonly [RegExp, number])[] = [
  [/^bam$/i, 35],
  [/open.?hi.?hat|open.?hat/i, 46],
  [/pedal.?hat/i, 44],
  [/hi.?hat|^hat|hat$/i, 42],
  [/kick|bass.?drum|^bd$/i, 36],
  [/rim/i, 37],
  [/snare|^sd$/i, 38],
  [/clap/i, 39],
  [/floor.?tom/i, 41],
  [/high.?tom|hi.?tom/i, 50],
  [/mid.?tom/i, 47],
  [/tom/i, 45],
  [/crash/i, 49],
  [/ride/i, 51],
  [/splash/i, 55],
  [/china/i, 52],
  [/cowbell/i, 56],
  [/tambourine/i, 54],
  [/clave/i, 75],
  [/shaker|maraca/i, 70],
  [/conga/i, 63],
  [/bongo/i, 60],
  [/cymbal/i, 49],
];

/** The General MIDI drum key a sound's name says, if it names a drum. */
export function gmDrumNote(name: string): number | undefined {
  return GM_DRUM_NOTES.find(([pattern]) => pattern.test(name))?.[1];
}

/**
 * The MIDI note and channel of every sound of an instrument, in the order it lists them: the
 * sound's own `midi` (when valid), else its General MIDI drum key by name, else the next free key
 * from {@link FIRST_FREE_MIDI_NOTE}; channel {@link DEFAULT_MIDI_CHANNEL} unless declared.
 * Accepts the sounds as plugins declare them or as the engine describes them.
 */
export function midiMapFor(
  sounds: Readonly<Record<string, Pick<ToneSound | SampleSound, 'midi'> | object>>,
): Record<string, Required<MidiMapping>> {
  const map: Record<string, Required<MidiMapping>> = {};
  let free = FIRST_FREE_MIDI_NOTE;
  for (const [name, sound] of Object.entries(sounds)) {
    const declared = (sound as { midi?: Partial<MidiMapping> }).midi;
    if (declared && isMidiNote(declared.note)) {
      map[name] = {
        note: declared.note,
        channel: isMidiChannel(declared.channel) ? declared.channel : DEFAULT_MIDI_CHANNEL,
      };
      continue;
    }
    map[name] = { note: gmDrumNote(name) ?? Math.min(127, free++), channel: DEFAULT_MIDI_CHANNEL };
  }
  return map;
}

/** A whole number 0..127. */
export function isMidiNote(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 127;
}

/** A whole number 1..16 (channels as musicians number them). */
export function isMidiChannel(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 16;
}
