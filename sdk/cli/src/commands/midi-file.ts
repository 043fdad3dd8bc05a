/**
 * A take as a Standard MIDI File (`bambam run --midi`): one note per play, at its sounding time
 * (`at` when scheduled, never before its frame), with its velocity, on the note and channel the
 * sound maps to (`midiMapFor`: the sound's own `midi`, else General MIDI drums by name, else a
 * free key), the same map as the studio's MIDI out and take export. Written by the same writer
 * as the studio's take export (`@bambam/runtime/midi-file`).
 */
import { writeMidiFile } from '@bambam/runtime/midi-file';
import { midiMapFor, type PlayEvent, type Sound } from '@bambam/sdk';

/** How long each note is held: drums have no length; DAWs want a note-off. */
export const MIDI_NOTE_SECONDS = 0.1;

/**
 * The plays as a MIDI file, times relative to `startT` (ms, the recording's first frame), at
 * 120 bpm (the file's default tempo; seconds are what is kept).
 */
export function midiFileFromPlays(
  plays: readonly PlayEvent[],
  sounds: Readonly<Record<string, Pick<Sound, 'midi'>>>,
  startT: number,
): Uint8Array {
  const map = midiMapFor(sounds);
  const notes = plays.flatMap((play) => {
    const mapped = map[play.sound];
    if (!mapped) return []; // plays name declared sounds only; the sandbox checks it
    const soundsAt = play.at === undefined ? play.t : Math.max(play.at, play.t);
    return [
      {
        note: mapped.note,
        channel: mapped.channel,
        timeSeconds: Math.max(0, (soundsAt - startT) / 1000),
        durationSeconds: MIDI_NOTE_SECONDS,
        velocity: Math.min(1, Math.max(1 / 127, play.velocity)),
      },
    ];
  });
  return writeMidiFile(notes, { trackName: (channel) => `bambam channel ${channel}` });
}
