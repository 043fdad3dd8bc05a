/**
 * A take as a Standard MIDI File (`bambam run --midi`): one note per play, at its sounding time
 * (`at` when scheduled, never before its frame), with its velocity, on the note and channel the
 * sound maps to (`midiMapFor`: the sound's own `midi`, else General MIDI drums by name, else a
 * free key), the same map as the studio's MIDI out and take export.
 * Written by @tonejs/midi, the same library the studio's take export uses.
 */
import { midiMapFor, type PlayEvent, type Sound } from '@bambam/sdk';
import toneMidi from '@tonejs/midi';

/** How long each note is held: drums have no length; DAWs want a note-off. */
export const MIDI_NOTE_SECONDS = 0.1;

type MidiLike = {
  addTrack(): { name: string; channel: number; addNote(note: object): unknown };
  toArray(): Uint8Array;
};

/**
 * The plays as a MIDI file, times relative to `startT` (ms, the recording's first frame), at
 * 120 bpm (the file's default tempo; seconds are what is kept).
 */
export function midiFileFromPlays(
  plays: readonly PlayEvent[],
  sounds: Readonly<Record<string, Pick<Sound, 'midi'>>>,
  startT: number,
): Uint8Array {
  const { Midi } = toneMidi as unknown as { Midi: new () => MidiLike };
  const midi = new Midi();
  const tracks = new Map<number, ReturnType<MidiLike['addTrack']>>();
  const map = midiMapFor(sounds);
  for (const play of plays) {
    const mapped = map[play.sound];
    if (!mapped) continue; // plays name declared sounds only; the sandbox checks it
    const { note, channel } = mapped;
    let track = tracks.get(channel);
    if (!track) {
      track = midi.addTrack();
      track.name = `bambam channel ${channel}`;
      track.channel = channel - 1; // the file counts channels from 0
      tracks.set(channel, track);
    }
    const soundsAt = play.at === undefined ? play.t : Math.max(play.at, play.t);
    track.addNote({
      midi: note,
      time: Math.max(0, (soundsAt - startT) / 1000),
      duration: MIDI_NOTE_SECONDS,
      velocity: Math.min(1, Math.max(1 / 127, play.velocity)),
    });
  }
  return midi.toArray();
}
