import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tonejsMidi from '@tonejs/midi';
import { takeToMidi } from './take-midi.ts';

// CommonJS package: Node gives its exports as `default`.
const { Midi } = (tonejsMidi as unknown as { default: typeof tonejsMidi }).default;

const notes = {
  kick: { note: 36, channel: 10 },
  snare: { note: 38, channel: 10 },
  lead: { note: 64, channel: 2 },
};

describe('take MIDI file', () => {
  it('parses (with the same library) to one note per hit, at its time and velocity', () => {
    const hits = [
      { timeMs: 1234.5, sound: 'snare', velocity: 0.5 },
      { timeMs: 0, sound: 'kick', velocity: 1 },
      { timeMs: 1000.4, sound: 'kick', velocity: 0.01 },
      { timeMs: 61_000, sound: 'lead', velocity: 0.77 },
      { timeMs: 500, sound: 'unmapped', velocity: 1 },
    ];
    const { bytes, skipped } = takeToMidi(hits, notes, 'test take');
    assert.equal(skipped, 1);
    const midi = new Midi(bytes);
    assert.equal(midi.name, 'test take');
    const drums = midi.tracks.find((t) => t.channel === 9);
    const lead = midi.tracks.find((t) => t.channel === 1);
    assert.ok(drums && lead, `tracks on channels ${midi.tracks.map((t) => t.channel)}`);
    const got = drums.notes.map((n) => [n.midi, n.time * 1000, Math.round(n.velocity * 127)] as const);
    const want = [
      [36, 0, 127],
      [36, 1000.4, 1],
      [38, 1234.5, 64],
    ] as const;
    assert.equal(got.length, want.length);
    got.forEach(([note, ms, velocity], i) => {
      assert.equal(note, want[i]![0]);
      // 480 ticks per beat at 120 bpm: a tick is 1.04 ms.
      assert.ok(Math.abs(ms - want[i]![1]) <= 0.53, `note ${i} at ${ms} ms, want ${want[i]![1]}`);
      assert.equal(velocity, want[i]![2]);
    });
    assert.equal(lead.notes.length, 1);
    assert.ok(Math.abs(lead.notes[0]!.time - 61) < 0.001);
    assert.equal(Math.round(lead.notes[0]!.velocity * 127), 98);
    assert.ok(Math.abs(drums.notes[0]!.duration - 0.1) < 0.002);
  });

  it('writes a valid file for a take without hits', () => {
    const midi = new Midi(takeToMidi([], notes).bytes);
    assert.equal(midi.tracks.length, 0);
  });
});
