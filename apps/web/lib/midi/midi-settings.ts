/**
 * The player's MIDI settings, remembered in this browser (localStorage): the output they
 * picked, and their note remaps per plugin. A missing, unreadable or refused storage only means
 * nothing is remembered.
 */
import { isChannel, isNote, type MidiNote, type MidiRemap } from './midi-map.ts';

export const MIDI_STORAGE_KEYS = {
  /** The chosen output's id (`''`: none). */
  output: 'bambam.midi.output',
  /** Prefix of the remap of plugin `<name>`: JSON `{ [sound]: { note, channel } }`. */
  remapPrefix: 'bambam.midi.remap.',
} as const;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) storage()?.removeItem(key);
    else storage()?.setItem(key, value);
  } catch {
    // Full or refused: holds for this page only.
  }
}

export function loadMidiOutputId(): string {
  return storage()?.getItem(MIDI_STORAGE_KEYS.output) ?? '';
}

export function saveMidiOutputId(id: string): void {
  write(MIDI_STORAGE_KEYS.output, id || null);
}

/** The remap of a plugin's sounds; entries that are not a valid note and channel are dropped. */
export function loadMidiRemap(plugin: string): MidiRemap {
  const raw = storage()?.getItem(MIDI_STORAGE_KEYS.remapPrefix + plugin);
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const remap: Record<string, MidiNote> = {};
  for (const [sound, value] of Object.entries(parsed)) {
    const { note, channel } = (value ?? {}) as { note?: unknown; channel?: unknown };
    if (isNote(note) && isChannel(channel)) remap[sound] = { note, channel };
  }
  return remap;
}

/** Sets (or with `null` clears) one sound's note; returns the plugin's new remap. */
export function saveMidiRemap(plugin: string, sound: string, target: MidiNote | null): MidiRemap {
  const remap: Record<string, MidiNote> = { ...loadMidiRemap(plugin) };
  if (target) {
    if (!isNote(target.note)) throw new RangeError(`A MIDI note is 0..127, got ${target.note}`);
    if (!isChannel(target.channel)) throw new RangeError(`A MIDI channel is 1..16, got ${target.channel}`);
    remap[sound] = { note: target.note, channel: target.channel };
  } else delete remap[sound];
  write(MIDI_STORAGE_KEYS.remapPrefix + plugin, Object.keys(remap).length > 0 ? JSON.stringify(remap) : null);
  return remap;
}
