import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AudioCounters, judgeConcealment } from './concealment.ts';

/** Snapshots every 700 ms at 48 kHz, concealing the given percent in each window. */
function snapshots(percents: readonly number[]): AudioCounters[] {
  const out: AudioCounters[] = [{ at: 0, totalSamplesReceived: 0, concealedSamples: 0 }];
  for (const [i, p] of percents.entries()) {
    const prev = out[i]!;
    const got = 0.7 * 48_000;
    out.push({
      at: prev.at + 700,
      totalSamplesReceived: prev.totalSamplesReceived + got,
      concealedSamples: prev.concealedSamples + (got * p) / 100,
    });
  }
  return out;
}

test('bursts of a busy machine are no fault: clean most of the time, no long gap', () => {
  // As measured with one core busy: 4.7% in all, every stroke heard.
  const verdict = judgeConcealment(snapshots([0, 0, 4, 0, 1, 0, 0, 0, 9, 25, 0, 0]));
  assert.deepEqual(verdict.faults, []);
  assert.equal(verdict.medianPercent, 0);
  assert.equal(Math.round(verdict.worstMs), 175);
  assert.ok(Math.abs(verdict.totalPercent - 39 / 12) < 1e-9);
});

test('concealment in most windows is a fault of the stream', () => {
  const verdict = judgeConcealment(snapshots([3, 4, 3, 5, 3, 4, 3]));
  assert.equal(verdict.faults.length, 1, verdict.summary);
  assert.match(verdict.faults[0]!, /median window concealed 3\.0%/);
});

test('a long gap is a fault even when the rest is clean', () => {
  const verdict = judgeConcealment(snapshots([0, 0, 0, 60, 0, 0, 0, 0, 0, 0]));
  assert.ok(
    verdict.faults.some((f) => /one window concealed 420 ms/.test(f)),
    verdict.summary,
  );
});

test('a large total is a fault', () => {
  const verdict = judgeConcealment(snapshots([0, 40, 0, 40, 0, 40, 0]), { maxGapMs: 1000 });
  assert.ok(
    verdict.faults.some((f) => /17\.1% concealed in all/.test(f)),
    verdict.summary,
  );
});

test('no audio between the snapshots is a fault; fewer than two snapshots is an error', () => {
  const still: AudioCounters = { at: 0, totalSamplesReceived: 10, concealedSamples: 0 };
  assert.deepEqual(judgeConcealment([still, { ...still, at: 700 }]).faults, [
    'no audio received between the snapshots',
  ]);
  assert.throws(() => judgeConcealment([still]), RangeError);
});
