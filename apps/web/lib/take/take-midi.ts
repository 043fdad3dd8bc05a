/**
 * A take as a Standard MIDI File (`@bambam/runtime/midi-file`, the writer `bambam run --midi`
 * uses too): one note per hit, at its time, with its velocity (0..1 → 1..127, as MIDI out sends
 * it) and the note MIDI out plays for its sound ({@link midiMapFor}); one track per channel
 * (channel 10: drums), 120 bpm, 480 ticks per beat (about 1 ms per tick).
 */
import { type MidiFileNote, writeMidiFile } from '@bambam/runtime/midi-file';
import { DEFAULT_MIDI_MAP, type MidiNote, midiVelocity } from '../midi/midi-map.ts';

export const DEFAULT_TAKE_MIDI = { bpm: 120 } as const;

/** What the writer needs of a hit. */
export interface MidiHit {
  readonly timeMs: number;
  readonly sound: string;
  readonly velocity: number;
}

/** The file's bytes, and the hits that had no note (their sound is not in the map). */
export function takeToMidi(
  hits: readonly MidiHit[],
  notes: Readonly<Record<string, MidiNote>>,
  name = 'Bam Bam take',
): { bytes: Uint8Array<ArrayBuffer>; skipped: number } {
  const written: MidiFileNote[] = [];
  let skipped = 0;
  for (const hit of [...hits].sort((a, b) => a.timeMs - b.timeMs)) {
    const target = notes[hit.sound];
    if (!target || !(hit.timeMs >= 0)) {
      skipped++;
      continue;
    }
    written.push({
      note: target.note,
      channel: target.channel,
      timeSeconds: hit.timeMs / 1000,
      durationSeconds: DEFAULT_MIDI_MAP.noteMs / 1000,
      // The writer stores floor(velocity × 127): a quarter step up keeps float error off the floor.
      velocity: (midiVelocity(hit.velocity) + 0.25) / 127,
    });
  }
  const bytes = writeMidiFile(written, {
    bpm: DEFAULT_TAKE_MIDI.bpm,
    name,
    trackName: (channel) => (channel === DEFAULT_MIDI_MAP.channel ? 'Drums' : `Channel ${channel}`),
  });
  return { bytes, skipped };
}
