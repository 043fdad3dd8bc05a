/**
 * Standard MIDI Files written with `@tonejs/midi`: one track per channel, one note per hit. The
 * studio's take export and `bambam run --midi` both write through it. Browser-safe (no Node
 * APIs): the studio imports it as `@bambam/runtime/midi-file`.
 */
import * as tonejsMidi from '@tonejs/midi';

// The package is CommonJS: bundlers give its named exports, Node only its `default`.
const { Midi } =
  (tonejsMidi as unknown as { default?: typeof tonejsMidi }).default?.Midi !== undefined
    ? (tonejsMidi as unknown as { default: typeof tonejsMidi }).default
    : tonejsMidi;

/** One note of the file. */
export interface MidiFileNote {
  /** MIDI key 0..127. */
  readonly note: number;
  /** MIDI channel 1..16 (10: General MIDI drums). */
  readonly channel: number;
  /** Start, in seconds from the file's start. */
  readonly timeSeconds: number;
  readonly durationSeconds: number;
  /** 0..1, as `@tonejs/midi` takes it (it stores floor(velocity × 127)). */
  readonly velocity: number;
}

export interface MidiFileOptions {
  /** Tempo written in the header, in bpm; none written when absent (files default to 120). */
  readonly bpm?: number;
  /** The file's name (header). */
  readonly name?: string;
  /** Each channel's track name. */
  readonly trackName: (channel: number) => string;
}

/** The notes as a Standard MIDI File, tracks in the order their channels first appear. */
export function writeMidiFile(
  notes: Iterable<MidiFileNote>,
  options: MidiFileOptions,
): Uint8Array<ArrayBuffer> {
  const midi = new Midi();
  if (options.bpm !== undefined) midi.header.setTempo(options.bpm);
  if (options.name !== undefined) midi.header.name = options.name;
  const tracks = new Map<number, ReturnType<InstanceType<typeof Midi>['addTrack']>>();
  for (const note of notes) {
    let track = tracks.get(note.channel);
    if (!track) {
      track = midi.addTrack();
      track.channel = note.channel - 1; // the file counts channels from 0
      track.name = options.trackName(note.channel);
      tracks.set(note.channel, track);
    }
    track.addNote({
      midi: note.note,
      time: note.timeSeconds,
      duration: note.durationSeconds,
      velocity: note.velocity,
    });
  }
  const array = midi.toArray();
  const bytes = new Uint8Array(new ArrayBuffer(array.byteLength));
  bytes.set(array);
  return bytes;
}
