/**
 * Which MIDI note and channel each of an instrument's sounds plays: the player's remap (kept
 * per plugin in this browser), else the sound's own `midi: { note, channel }` when the plugin
 * declares one, else General MIDI's drum map (channel 10) by the sound's name, else a note of
 * its own from {@link DEFAULT_MIDI_MAP.firstFreeNote} on, in the order the plugin lists its sounds
 * (the SDK's `midiMapFor`, which `bambam run --midi` uses too). The take's MIDI file uses the same
 * map as MIDI out.
 */
import type { SoundInfo } from '@bambam/protocol';
import {
  DEFAULT_MIDI_CHANNEL,
  FIRST_FREE_MIDI_NOTE,
  isMidiChannel,
  isMidiNote,
  midiMapFor as sdkMidiMapFor,
} from '@bambam/sdk';

/** A note on a channel: `note` 0..127, `channel` 1..16 (as musicians number them). */
export interface MidiNote {
  readonly note: number;
  readonly channel: number;
}

/** The player's remaps of one plugin's sounds. */
export type MidiRemap = Readonly<Record<string, MidiNote>>;

export const DEFAULT_MIDI_MAP = {
  /** General MIDI's percussion channel. */
  channel: DEFAULT_MIDI_CHANNEL,
  /** Sounds the drum map does not name get notes from here up (above GM's percussion keys 35..81). */
  firstFreeNote: FIRST_FREE_MIDI_NOTE,
  /** Note-off this long after note-on, ms. */
  noteMs: 100,
} as const;

/** The note of every sound of an instrument: the player's remap over the SDK's map (`midiMapFor`). */
export function midiMapFor(
  sounds: Readonly<Record<string, SoundInfo>>,
  remap: MidiRemap = {},
): Record<string, MidiNote> {
  const map: Record<string, MidiNote> = sdkMidiMapFor(sounds);
  for (const [name, remapped] of Object.entries(remap)) {
    if (name in map && isMidiNote(remapped.note) && isMidiChannel(remapped.channel)) {
      map[name] = { note: remapped.note, channel: remapped.channel };
    }
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

export { isMidiChannel as isChannel, isMidiNote as isNote };
