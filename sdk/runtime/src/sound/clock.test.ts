import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioClock } from './clock.ts';

/** A manual clock and timer: time only moves when the test says so. */
function manual() {
  let now = 1000;
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
    /** Advances to `ms`, firing the timer whenever it is due (a stalled loop: pass `stall`). */
    advance(ms: number, stall = false) {
      const target = now + ms;
      if (stall) now = target;
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

test('frames come on absolute deadlines without drift', () => {
  const m = manual();
  const seen: [number, number][] = [];
  const clock = new AudioClock({ onFrame: (i, d) => seen.push([i, d]), now: m.now, timer: m.timer });
  clock.start();
  m.advance(1000);
  assert.equal(seen.length, 51); // frame 0 at start, then one every 20 ms
  seen.forEach(([i, d], k) => {
    assert.equal(i, k);
    assert.equal(d, 1000 + k * 20);
  });
  assert.deepEqual(clock.stats, {
    frames: 51,
    late: 0,
    maxLateMs: 0,
    skipped: 0,
    errors: 0,
    pulled: 0,
    pulledMs: 0,
  });
  clock.dispose();
});

test('pullNext emits the next frame now and moves the timeline earlier, with no gap after it', () => {
  const m = manual();
  const seen: [number, number, number][] = [];
  const clock = new AudioClock({
    onFrame: (i, d) => seen.push([i, d, m.now()]),
    now: m.now,
    timer: m.timer,
  });
  clock.start(); // frame 0 at 1000
  m.advance(27); // frame 1 at 1020; now 1027, frame 2 due at 1040
  clock.pullNext(); // frame 2 now, 13 ms early
  assert.deepEqual(seen.at(-1), [2, 1027, 1027]);
  m.advance(60); // frames 3, 4, 5 every 20 ms from the pulled one
  assert.deepEqual(seen.slice(3), [
    [3, 1047, 1047],
    [4, 1067, 1067],
    [5, 1087, 1087],
  ]);
  assert.equal(clock.stats.pulled, 1);
  assert.equal(clock.stats.pulledMs, 13);
  assert.equal(clock.stats.late, 0);
  clock.stop();
  clock.pullNext(); // not running: nothing
  assert.equal(seen.length, 6);
  clock.dispose();
});

test('after a stall it catches up at most maxCatchUpFrames and skips the rest', () => {
  const m = manual();
  const seen: number[] = [];
  const clock = new AudioClock({
    onFrame: (i) => seen.push(i),
    now: m.now,
    timer: m.timer,
    maxCatchUpFrames: 3,
  });
  clock.start();
  m.advance(40); // frames 0, 1, 2
  m.advance(200, true); // the loop stalls 200 ms: frames 3..12 are due at once
  assert.deepEqual(seen.slice(0, 6), [0, 1, 2, 10, 11, 12]);
  const stats = clock.stats;
  assert.equal(stats.skipped, 7);
  assert.ok(stats.late >= 2);
  assert.ok(stats.maxLateMs >= 40);
  clock.stop();
  const count = seen.length;
  m.advance(200);
  assert.equal(seen.length, count, 'no frames after stop');
});

test('an onFrame that throws is counted and the clock goes on', () => {
  const m = manual();
  const errors: unknown[] = [];
  let calls = 0;
  const clock = new AudioClock({
    onFrame: () => {
      calls++;
      throw new Error('boom');
    },
    onError: (e) => errors.push(e),
    now: m.now,
    timer: m.timer,
  });
  clock.start();
  m.advance(100);
  assert.equal(calls, 6);
  assert.equal(clock.stats.errors, 6);
  assert.equal(errors.length, 6);
  clock.dispose();
  assert.throws(() => clock.start(), /after dispose/);
});

test('runs on the real timer: one frame per 20 ms of elapsed time, deadlines on the 20 ms grid', async () => {
  const deadlines: number[] = [];
  const clock = new AudioClock({ onFrame: (_, d) => deadlines.push(d) });
  const started = performance.now();
  clock.start();
  await new Promise((resolve) => setTimeout(resolve, 210));
  const elapsed = performance.now() - started;
  clock.stop();
  // Every frame due by now was either emitted or (after a stall on a loaded machine) skipped.
  const due = Math.floor(elapsed / 20) + 1;
  const { frames, skipped } = clock.stats;
  assert.ok(
    frames + skipped >= due - 2 && frames + skipped <= due + 1,
    `${frames} + ${skipped} for ${due} due`,
  );
  assert.ok(frames >= 3);
  for (let i = 1; i < deadlines.length; i++) {
    const step = (deadlines[i]! - deadlines[0]!) / 20;
    assert.ok(Math.abs(step - Math.round(step)) < 1e-6 && deadlines[i]! > deadlines[i - 1]!);
  }
});

test('nextFrameIndex and deadlineOf map a time to a stream position, and follow pullNext', () => {
  const m = manual();
  const clock = new AudioClock({ onFrame: () => {}, now: m.now, timer: m.timer });
  clock.start(); // frame 0 at 1000
  m.advance(45); // frames 1 (1020) and 2 (1040) went out
  assert.equal(clock.nextFrameIndex, 3);
  assert.equal(clock.deadlineOf(3), 1060);
  assert.equal(clock.deadlineOf(10), 1200);
  clock.pullNext(); // frame 3 goes now (1045): the timeline moves 15 ms earlier
  assert.equal(clock.nextFrameIndex, 4);
  assert.equal(clock.deadlineOf(4), 1065);
  m.advance(100, true); // a stall past the catch-up: frames skipped, the index jumps
  assert.ok(clock.nextFrameIndex > 4);
  assert.ok(clock.deadlineOf(clock.nextFrameIndex) > m.now());
  clock.dispose();
});
