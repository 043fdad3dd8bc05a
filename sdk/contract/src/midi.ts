/**
 * How a plugin's sounds reach MIDI gear: a note and a channel per sound. A sound may declare its
 * own ({@link Sound}'s `midi`); otherwise {@link midiMappingFor} picks a General MIDI drum note
 * from the sound's name, so a drum kit plays a DAW's drum rack as it is.
 */
import type { Sound } from './sounds.ts';

/** A sound's MIDI note. */
export interface MidiMapping {
  /** MIDI note number, 0..127 (General MIDI drums: 36 kick, 38 snare, 42 closed hi-hat…). */
  readonly note: number;
  /** MIDI channel, 1..16. Default {@link DEFAULT_MIDI_CHANNEL} (General MIDI's drum channel). */
  readonly channel?: number;
}

/** General MIDI's percussion channel. */
export const DEFAULT_MIDI_CHANNEL = 10;

/** General MIDI percussion notes by common sound names (lower case), for sounds that declare none. */
export const GM_DRUM_NOTES: Readonly<Record<string, number>> = {
  kick: 36,
  bass: 36,
  bam: 41,
  rim: 37,
  snare: 38,
  clap: 39,
  hat: 42,
  hihat: 42,
  'open-hat': 46,
  tom: 45,
  'low-tom': 41,
  'mid-tom': 47,
  'high-tom': 50,
  crash: 49,
  ride: 51,
  tambourine: 54,
  cowbell: 56,
  shaker: 70,
};

/** The note every other sound falls back to (General MIDI's acoustic snare). */
export const FALLBACK_MIDI_NOTE = 38;

/**
 * The MIDI note and channel a sound plays: its own `midi` when it declares one, else the General
 * MIDI drum note its name suggests (`'kick'`, `'snare'`, `'hat'`…, also as a prefix like
 * `'kick2'`), else {@link FALLBACK_MIDI_NOTE}; channel {@link DEFAULT_MIDI_CHANNEL} unless given.
 */
export function midiMappingFor(name: string, sound?: Pick<Sound, 'midi'>): Required<MidiMapping> {
  if (sound?.midi) return { note: sound.midi.note, channel: sound.midi.channel ?? DEFAULT_MIDI_CHANNEL };
  const key = name.toLowerCase();
  const known =
    GM_DRUM_NOTES[key] ?? Object.entries(GM_DRUM_NOTES).find(([prefix]) => key.startsWith(prefix))?.[1];
  return { note: known ?? FALLBACK_MIDI_NOTE, channel: DEFAULT_MIDI_CHANNEL };
}
