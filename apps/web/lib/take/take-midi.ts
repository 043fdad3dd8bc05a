/**
 * A take as a Standard MIDI File (`@tonejs/midi`): one note per hit, at its time, with its
 * velocity (0..1 → 1..127, as MIDI out sends it) and the note MIDI out plays for its sound
 * ({@link midiMapFor}); one track per channel (channel 10: drums), 120 bpm, 480 ticks per beat
 * (about 1 ms per tick).
 */
import * as tonejsMidi from '@tonejs/midi';
import { DEFAULT_MIDI_MAP, type MidiNote, midiVelocity } from '../midi/midi-map.ts';

// The package is CommonJS: bundlers give its named exports, Node only its `default`.
const { Midi } =
  (tonejsMidi as { default?: typeof tonejsMidi }).default?.Midi !== undefined
    ? (tonejsMidi as unknown as { default: typeof tonejsMidi }).default
    : tonejsMidi;

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
  const midi = new Midi();
  midi.header.setTempo(DEFAULT_TAKE_MIDI.bpm);
  midi.header.name = name;
  const tracks = new Map<number, ReturnType<InstanceType<typeof Midi>['addTrack']>>();
  let skipped = 0;
  for (const hit of [...hits].sort((a, b) => a.timeMs - b.timeMs)) {
    const target = notes[hit.sound];
    if (!target || !(hit.timeMs >= 0)) {
      skipped++;
      continue;
    }
    let track = tracks.get(target.channel);
    if (!track) {
      track = midi.addTrack();
      track.channel = target.channel - 1;
      track.name = target.channel === DEFAULT_MIDI_MAP.channel ? 'Drums' : `Channel ${target.channel}`;
      tracks.set(target.channel, track);
    }
    track.addNote({
      midi: target.note,
      time: hit.timeMs / 1000,
      duration: DEFAULT_MIDI_MAP.noteMs / 1000,
      // The writer stores floor(velocity × 127): a quarter step up keeps float error off the floor.
      velocity: (midiVelocity(hit.velocity) + 0.25) / 127,
    });
  }
  const array = midi.toArray();
  const bytes = new Uint8Array(new ArrayBuffer(array.byteLength));
  bytes.set(array);
  return { bytes, skipped };
}
