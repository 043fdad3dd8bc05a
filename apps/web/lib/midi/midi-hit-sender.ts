/**
 * Turns hits into MIDI messages on one output: note-on at the hit's time (velocity 0..1 →
 * 1..127), note-off {@link DEFAULT_MIDI_MAP.noteMs} later, both handed to the output with their
 * timestamp (`MIDIOutput.send(data, timestamp)`, page time in ms) so the browser sends them on
 * time without a timer of ours. A time already past is sent now.
 */
import { DEFAULT_MIDI_MAP, type MidiNote, noteOffBytes, noteOnBytes } from './midi-map.ts';

/** The part of `MIDIOutput` this needs. */
export interface MidiSink {
  send(data: number[] | Uint8Array, timestamp?: number): void;
}

/** One MIDI message as it was sent, for the studio's log and the tests. */
export interface SentMidi {
  readonly data: readonly number[];
  /** Page time (performance.now) it was sent for, ms. */
  readonly timestamp: number;
}

export class MidiHitSender {
  readonly #sink: MidiSink;
  readonly #noteMs: number;

  constructor(sink: MidiSink, options: { noteMs?: number } = {}) {
    this.#sink = sink;
    this.#noteMs = options.noteMs ?? DEFAULT_MIDI_MAP.noteMs;
  }

  /**
   * Sends one hit as note-on at `atMs` (or `nowMs` if that is earlier) and note-off after it.
   * Returns the two messages. Throws what the output throws (e.g. it was disconnected).
   */
  send(target: MidiNote, velocity: number, atMs: number, nowMs: number): [SentMidi, SentMidi] {
    const start = Number.isFinite(atMs) ? Math.max(atMs, nowMs) : nowMs;
    const on: SentMidi = { data: noteOnBytes(target, velocity), timestamp: start };
    const off: SentMidi = { data: noteOffBytes(target), timestamp: start + this.#noteMs };
    this.#sink.send([...on.data], on.timestamp);
    this.#sink.send([...off.data], off.timestamp);
    return [on, off];
  }
}
