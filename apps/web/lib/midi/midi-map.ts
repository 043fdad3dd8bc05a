/**
 * Which MIDI note and channel each of an instrument's sounds plays: the player's remap (kept
 * per plugin in this browser), else the sound's own `midi: { note, channel }` when the plugin
 * declares one, else General MIDI's drum map (channel 10) by the sound's name, else a note of
 * its own from {@link DEFAULT_MIDI_MAP.firstFreeNote} on, in the order the plugin lists its sounds.
 * The take's MIDI file uses the same map as MIDI out.
 */
import type { SoundInfo } from '@bambam/sdk/protocol';

/** A note on a channel: `note` 0..127, `channel` 1..16 (as musicians number them). */
export interface MidiNote {
  readonly note: number;
  readonly channel: number;
}

/** The player's remaps of one plugin's sounds. */
export type MidiRemap = Readonly<Record<string, MidiNote>>;

export const DEFAULT_MIDI_MAP = {
  /** General MIDI's percussion channel. */
  channel: 10,
  /** Sounds the drum map does not name get notes from here up (above GM's percussion keys 35..81). */
  firstFreeNote: 82,
  /** Note-off this long after note-on, ms. */
  noteMs: 100,
} as const;

/**
 * General MIDI level 1 percussion keys, by words a drum sound's name contains (first match
 * wins). bam-drum's kit: bam (its deep, pitched main drum) → 35 Acoustic Bass Drum, kick → 36,
 * snare → 38, clap → 39, tom → 45 Low Tom, hat → 42 Closed Hi-Hat.
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

/** The sound's own `midi` declaration, when it has a valid one (the contract may add it: read loosely). */
export function declaredMidi(sound: SoundInfo | undefined): MidiNote | undefined {
  const midi = (sound as { midi?: unknown } | undefined)?.midi;
  if (typeof midi !== 'object' || midi === null) return undefined;
  const { note, channel } = midi as { note?: unknown; channel?: unknown };
  if (!isNote(note)) return undefined;
  return { note, channel: isChannel(channel) ? channel : DEFAULT_MIDI_MAP.channel };
}

/** The General MIDI drum key for a sound's name, if its name says what drum it is. */
export function gmDrumNote(name: string): number | undefined {
  return GM_DRUM_NOTES.find(([pattern]) => pattern.test(name))?.[1];
}

/** The note of every sound of an instrument (remap > declared > GM by name > a free note). */
export function midiMapFor(
  sounds: Readonly<Record<string, SoundInfo>>,
  remap: MidiRemap = {},
): Record<string, MidiNote> {
  const map: Record<string, MidiNote> = {};
  let free: number = DEFAULT_MIDI_MAP.firstFreeNote;
  for (const [name, sound] of Object.entries(sounds)) {
    const remapped = remap[name];
    if (remapped && isNote(remapped.note) && isChannel(remapped.channel)) {
      map[name] = { note: remapped.note, channel: remapped.channel };
      continue;
    }
    const declared = declaredMidi(sound);
    if (declared) {
      map[name] = declared;
      continue;
    }
    const gm = gmDrumNote(name);
    map[name] = { note: gm ?? Math.min(127, free++), channel: DEFAULT_MIDI_MAP.channel };
  }
  return map;
}

/** A hit's velocity 0..1 as MIDI velocity 1..127 (0 would be a note-off). */
export function midiVelocity(velocity: number): number {
  if (!Number.isFinite(velocity)) return 1;
  return Math.min(127, Math.max(1, Math.round(velocity * 127)));
}

/** Note-on bytes: status 0x90 + channel − 1, note, velocity 1..127. */
export function noteOnBytes(target: MidiNote, velocity: number): [number, number, number] {
  return [0x90 | (target.channel - 1), target.note, midiVelocity(velocity)];
}

/** Note-off bytes: status 0x80 + channel − 1, note, release velocity 0. */
export function noteOffBytes(target: MidiNote): [number, number, number] {
  return [0x80 | (target.channel - 1), target.note, 0];
}

export function isNote(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 127;
}

export function isChannel(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 16;
}
