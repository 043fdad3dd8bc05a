// Scheduled plays through the AudioOutput: frame clock → engine clock → stream sample, on a
// clock driven by hand (time moves only when the test says so), the mixer's real output read
// back sample by sample.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RenderedSound } from '@bambam/runtime';
import { AudioOutput } from './audio-output.ts';
import { DEFAULT_FRAME_CLOCK_MAP, FrameClockMap, scheduleDelayFromEnv } from './frame-clock-map.ts';

/** A 10-sample click: easy to find in the output. */
function blip(): RenderedSound {
  const left = new Float32Array(10).fill(0.5);
  return { name: 'blip', left, right: left.slice(), durationMs: 10 / 48 };
}

/** A manual clock and timer (as in the SDK's clock test). */
function manual(start = 1000) {
  let now = start;
  let pending: { callback: () => void; at: number } | undefined;
  return {
    now: () => now,
    timer: {
      set: (callback: () => void, delayMs: number) => {
        pending = { callback, at: now + delayMs };
        return pending;
      },
      clear: () => {
        pending = undefined;
      },
    },
    advance(ms: number) {
      const target = now + ms;
      while (pending && pending.at <= target) {
        const { callback, at } = pending;
        pending = undefined;
        now = Math.max(now, at);
        callback();
      }
      now = target;
    },
  };
}

function output(options: { maxScheduled?: number } = {}) {
  const m = manual();
  /** Mixed PCM by frame index (left channel), as it went to the encoder. */
  const frames = new Map<number, Float32Array>();
  let encoding: Float32Array | undefined;
  const audio = new AudioOutput({
    now: m.now,
    timer: m.timer,
    maxScheduled: options.maxScheduled,
    schedule: { scheduleDelayMs: 40 },
    encode: (frame) => {
      encoding = frame.filter((_, i) => i % 2 === 0);
      return new Uint8Array(0);
    },
    send: (_opus, index) => frames.set(index, encoding!),
  });
  /** Stream samples where a sound starts (after silence), in order. */
  const onsets = () => {
    const onsets: number[] = [];
    let previous = 0;
    for (const [index, pcm] of [...frames].sort((a, b) => a[0] - b[0])) {
      pcm.forEach((s, i) => {
        if (s !== 0 && previous === 0) onsets.push(index * 960 + i);
        previous = s;
      });
    }
    return onsets;
  };
  return { m, audio, frames, onsets };
}

const origin = { arrivalMs: 0 };

test('a play at t + 7.3 ms starts 7.3 ms (350 samples) after one at t, each at its exact sample', () => {
  const { m, audio, onsets } = output();
  audio.start(); // frame 0 at 1000
  m.advance(5); // 1005: frame 1 (samples 960..) is next, due at 1020
  audio.observeFrame(100, 1003); // offset 903 ms
  const a = audio.schedule(blip(), { velocity: 1, pan: 0, at: 100, t: 100 }, origin)!;
  const b = audio.schedule(blip(), { velocity: 1, pan: 0, at: 107.3, t: 100 }, origin)!;
  // at 100 → 100 + 903 + 40 = 1043 ms → 23 ms after frame 1's deadline → sample 960 + 1104.
  // Sample 2064 is in frame 2 (1920..2879), whose packet goes out at its deadline, 1040 ms.
  assert.deepEqual(a, { audioSample: 2064, audioAt: 100, late: false, sentAt: 1040 });
  assert.equal(b.audioSample - a.audioSample, 350);
  assert.equal(audio.scheduledWaiting, 2);
  m.advance(100);
  assert.equal(audio.scheduledWaiting, 0);
  const heard = onsets();
  assert.equal(heard.length, 2, `onsets ${heard}`);
  assert.ok(Math.abs(heard[0]! - 2064) <= 1, `first at ${heard[0]}`);
  assert.ok(Math.abs(heard[1]! - heard[0]! - 7.3 * 48) <= 1, `second ${heard[1]! - heard[0]!} samples later`);
  assert.deepEqual(audio.scheduleStats, { queued: 2, late: 0, refused: 0 });
  audio.dispose();
});

test('network jitter does not move a scheduled sound: a late frame leaves the offset alone', () => {
  const { m, audio } = output();
  audio.start();
  m.advance(5);
  audio.observeFrame(100, 1003);
  const first = audio.schedule(blip(), { velocity: 1, pan: 0, at: 140, t: 100 }, origin)!;
  audio.observeFrame(133, 1003 + 33 + 25); // 25 ms of jitter
  const second = audio.schedule(blip(), { velocity: 1, pan: 0, at: 140, t: 133 }, origin)!;
  // Only the slow rise (1 ms/s over 33 ms of frame time: 0.033 ms, 1.6 samples) may move it.
  assert.ok(
    Math.abs(second.audioSample - first.audioSample) <= 2,
    `${second.audioSample - first.audioSample}`,
  );
  // An earlier-than-ever frame lowers the offset at once.
  audio.observeFrame(166, 1003 + 66 - 4);
  const third = audio.schedule(blip(), { velocity: 1, pan: 0, at: 180, t: 166 }, origin)!;
  assert.ok(Math.abs(third.audioSample - first.audioSample - (40 - 4) * 48) <= 2);
  audio.dispose();
});

test('a play in the past plays at once, in the next frame, and is counted', () => {
  const { m, audio, onsets } = output();
  audio.start();
  m.advance(5);
  audio.observeFrame(100, 1003);
  const placed = audio.schedule(blip(), { velocity: 1, pan: 0, at: -1e9, t: 100 }, origin)!;
  assert.equal(placed.late, true);
  assert.equal(placed.audioSample, 960);
  // A frame of t = 40 whose plays come late: 40 + 903 + 40 = 983 ms, before frame 1's start.
  const recent = audio.schedule(blip(), { velocity: 1, pan: 0, at: 40, t: 40 }, origin)!;
  assert.equal(recent.late, true);
  assert.ok(Math.abs(recent.audioAt - (40 + (1020 - 983))) < 0.05, `placed as if at ${recent.audioAt}`);
  // Before its own frame's t, though the delay would leave room: in the past by contract.
  const early = audio.schedule(blip(), { velocity: 1, pan: 0, at: 95, t: 100 }, origin)!;
  assert.equal(early.late, true);
  assert.equal(audio.scheduleStats.late, 3);
  audio.flush(); // late plays are sent early like unscheduled hits
  assert.deepEqual(onsets(), [960]);
  audio.dispose();
});

test('a play ahead waits: nothing sounds before its frame', () => {
  const { m, audio, onsets } = output();
  audio.start();
  m.advance(5);
  audio.observeFrame(100, 1003);
  const placed = audio.schedule(blip(), { velocity: 1, pan: 0, at: 350, t: 100 }, origin)!; // 250 ms ahead
  assert.equal(placed.audioSample, 960 + (1293 - 1020) * 48);
  m.advance(200);
  assert.deepEqual(onsets(), []);
  assert.equal(audio.scheduledWaiting, 1);
  m.advance(100);
  assert.deepEqual(onsets(), [placed.audioSample]);
  audio.dispose();
});

test('latencyCompensationMs moves placements earlier (or later); bad values are refused', () => {
  const { m, audio } = output();
  audio.start();
  m.advance(5);
  audio.observeFrame(100, 1003);
  const plain = audio.schedule(blip(), { velocity: 1, pan: 0, at: 150, t: 100 }, origin)!;
  audio.latencyCompensationMs = 10;
  const earlier = audio.schedule(blip(), { velocity: 1, pan: 0, at: 150, t: 100 }, origin)!;
  audio.latencyCompensationMs = -5;
  const later = audio.schedule(blip(), { velocity: 1, pan: 0, at: 150, t: 100 }, origin)!;
  assert.equal(plain.audioSample - earlier.audioSample, 480);
  assert.equal(later.audioSample - plain.audioSample, 240);
  assert.throws(() => {
    audio.latencyCompensationMs = Number.NaN;
  }, RangeError);
  assert.throws(() => {
    audio.latencyCompensationMs = 5000;
  }, RangeError);
  assert.equal(audio.latencyCompensationMs, -5);
  audio.dispose();
});

test('the queue of waiting plays is bounded; clear() empties it', () => {
  const { m, audio, onsets } = output({ maxScheduled: 3 });
  audio.start();
  m.advance(5);
  audio.observeFrame(100, 1003);
  const placed = [0, 1, 2, 3].map((i) =>
    audio.schedule(blip(), { velocity: 1, pan: 0, at: 200 + i, t: 100 }, origin),
  );
  assert.equal(placed[3], undefined);
  assert.deepEqual(audio.scheduleStats, { queued: 3, late: 0, refused: 1 });
  audio.clear();
  assert.equal(audio.scheduledWaiting, 0);
  m.advance(300);
  assert.deepEqual(onsets(), []);
  audio.dispose();
});

test('the map: min filter, slow rise, and the delay from the environment', () => {
  const map = new FrameClockMap({ scheduleDelayMs: 0, riseMsPerSecond: 1 });
  assert.equal(map.toEngineMs(0), undefined);
  map.observe(0, 500);
  map.observe(1000, 1530); // 30 ms late: the offset may only rise 1 ms in that second
  assert.equal(map.offset, 501);
  map.observe(2000, 2400); // earlier: taken at once
  assert.equal(map.offset, 400);
  assert.equal(map.toEngineMs(2100), 2500);
  assert.equal(scheduleDelayFromEnv({}), DEFAULT_FRAME_CLOCK_MAP.scheduleDelayMs);
  assert.equal(scheduleDelayFromEnv({ BAMBAM_SCHEDULE_DELAY_MS: '25' }), 25);
  assert.throws(() => scheduleDelayFromEnv({ BAMBAM_SCHEDULE_DELAY_MS: 'soon' }), /BAMBAM_SCHEDULE_DELAY_MS/);
});

test('before any frame anchors the map, a scheduled play plays at once (late)', () => {
  const { m, audio, onsets } = output();
  audio.start();
  m.advance(5);
  const placed = audio.schedule(blip(), { velocity: 1, pan: 0, at: 150, t: 100 }, origin)!;
  assert.deepEqual(placed, { audioSample: 960, audioAt: 150, late: true });
  m.advance(20);
  assert.deepEqual(onsets(), [960]);
  audio.dispose();
});
