import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HitInfo, Telemetry } from '@bambam/protocol';
import { Emitter } from '../emitter.ts';
import { TakeRecorder } from './take-recorder.ts';

/** Telemetry as the engine client emits it, from a real emitter. */
function source() {
  const events = new Emitter<{ telemetry: Telemetry }>();
  let now = 10_000;
  return {
    on: (event: 'telemetry', listener: (t: Telemetry) => void) => events.on(event, listener),
    frame(t: number, hits: Partial<HitInfo>[] = [], advanceMs = 0) {
      now += advanceMs;
      events.emit('telemetry', {
        t,
        width: 640,
        height: 480,
        hands: [],
        hits: hits.map((h) => ({ t, sound: 'bam', velocity: 1, pan: 0, ...h })),
        timings: { decode: 0, convert: 0, track: 0, plugin: 0, total: 0 },
        dropped: 0,
      });
    },
    clock: {
      now: () => now,
      advance: (ms: number) => {
        now += ms;
      },
    },
  };
}

describe('TakeRecorder', () => {
  it("places hits on the take's timeline from the frame clock, at their `at` when scheduled", () => {
    const s = source();
    const recorder = new TakeRecorder(s, { now: s.clock.now });
    s.frame(100, [{ sound: 'kick' }]); // before record: not in the take
    recorder.record('bam-drum@1.0.0');
    s.frame(500, [], 40); // anchors frame 500 at 40 ms into the take
    s.frame(533, [{ sound: 'snare', velocity: 0.5, pan: -0.2, at: 600 }], 33);
    s.frame(700, [{ sound: 'kick' }, { sound: 'hat', velocity: 2 }], 167);
    s.clock.advance(300);
    const take = recorder.stop();
    assert.ok(take);
    assert.equal(take.plugin, 'bam-drum@1.0.0');
    assert.equal(take.stoppedBy, 'player');
    assert.equal(take.durationMs, 540);
    assert.deepEqual(take.hits, [
      { timeMs: 140, sound: 'snare', velocity: 0.5, pan: -0.2 },
      { timeMs: 240, sound: 'kick', velocity: 1, pan: 0 },
      { timeMs: 240, sound: 'hat', velocity: 1, pan: 0 },
    ]);
    assert.equal(recorder.state.status, 'stopped');
    assert.equal(recorder.state.hits, 3);
    s.frame(800, [{ sound: 'kick' }]); // after stop: not in the take
    assert.equal(recorder.take?.hits.length, 3);
    recorder.dispose();
  });

  it('keeps the timeline going when the frame clock restarts (a new media connection)', () => {
    const s = source();
    const recorder = new TakeRecorder(s, { now: s.clock.now });
    recorder.record();
    s.frame(5000, [{ sound: 'kick' }], 10);
    s.frame(4990, [{ sound: 'kick' }], 5); // a frame out of order is no restart
    s.frame(0, [], 1995); // reconnected: frame times start again
    s.frame(250, [{ sound: 'kick' }], 250);
    const take = recorder.stop();
    assert.deepEqual(
      take?.hits.map((h) => h.timeMs),
      [0, 10, 2260],
    );
    recorder.dispose();
  });

  it('keeps a hit of a frame that arrived out of order before the first one, spacing kept', () => {
    const s = source();
    const recorder = new TakeRecorder(s, { now: s.clock.now });
    recorder.record();
    s.frame(1000, [{ sound: 'kick' }], 5); // anchors frame 1000 at 5 ms
    s.frame(990, [{ sound: 'snare', at: 980 }], 1); // older frame, late: 15 ms before the anchor
    s.clock.advance(100);
    const take = recorder.stop();
    assert.deepEqual(
      take?.hits.map((h) => [h.sound, h.timeMs]),
      [
        ['snare', 0],
        ['kick', 20],
      ],
    );
    assert.equal(take?.durationMs, 106 + 15);
    recorder.dispose();
  });

  it('stops at its length limit with a message, keeping every hit recorded', () => {
    const s = source();
    const recorder = new TakeRecorder(s, { now: s.clock.now, maxMs: 1000 });
    const takes: unknown[] = [];
    recorder.on('take', (take) => takes.push(take));
    recorder.record();
    s.frame(0, [{ sound: 'kick' }], 0);
    s.frame(900, [{ sound: 'snare' }], 900);
    s.frame(1100, [{ sound: 'hat' }], 200); // past the limit: stops, this hit is not in it
    assert.equal(recorder.state.status, 'stopped');
    assert.match(recorder.state.message ?? '', /reached its limit/);
    assert.match(recorder.state.message ?? '', /kept/);
    assert.deepEqual(
      recorder.take?.hits.map((h) => h.sound),
      ['kick', 'snare'],
    );
    assert.equal(recorder.take?.stoppedBy, 'limit');
    assert.equal(recorder.take?.durationMs, 1000);
    assert.equal(takes.length, 1);
    assert.equal(recorder.stop(), null, 'stopping again does nothing');
    recorder.dispose();
  });

  it('stops by itself on the timer too, when no telemetry comes', async () => {
    const s = source();
    const recorder = new TakeRecorder(s, { maxMs: 30 });
    recorder.record();
    await new Promise((resolve) => recorder.on('take', resolve));
    assert.equal(recorder.take?.stoppedBy, 'limit');
    recorder.dispose();
  });
});
