import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AudioCounters, judgeConcealment } from './concealment.ts';

/**
 * Snapshots every 700 ms at 48 kHz, concealing the given percent in each window; with
 * `engineWaits`, the engine's main thread waited that many ms for a CPU in each window.
 */
function snapshots(percents: readonly number[], engineWaits?: readonly number[]): AudioCounters[] {
  const out: AudioCounters[] = [
    {
      at: 0,
      totalSamplesReceived: 0,
      concealedSamples: 0,
      ...(engineWaits ? { engineRunDelayMs: 1000 } : {}),
    },
  ];
  for (const [i, p] of percents.entries()) {
    const prev = out[i]!;
    const got = 0.7 * 48_000;
    out.push({
      at: prev.at + 700,
      totalSamplesReceived: prev.totalSamplesReceived + got,
      concealedSamples: prev.concealedSamples + (got * p) / 100,
      ...(engineWaits ? { engineRunDelayMs: prev.engineRunDelayMs! + engineWaits[i]! } : {}),
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
  assert.match(verdict.faults[0]!, /median window the engine was not starved in concealed 3\.0%/);
});

test('windows in which the machine starved the engine are left out of the median, and named', () => {
  // As measured with one core busy: the engine's main thread waited 60–150 ms for a CPU in the
  // windows that concealed; in the others it waited a few ms and the stream was clean.
  const percents = [0, 9, 5, 15, 0, 5, 0];
  const waits = [4, 120, 80, 150, 6, 60, 3];
  const verdict = judgeConcealment(snapshots(percents, waits));
  assert.deepEqual(verdict.faults, [], verdict.summary);
  assert.equal(verdict.medianPercent, 0);
  assert.deepEqual(
    verdict.windows.map((w) => w.starved),
    [false, true, true, true, false, true, false],
  );
  assert.match(verdict.summary, /1\.4s:9%\(engine waited 120 ms, starved\)/);
  // The same concealment with the engine fed all along is a fault of the stream.
  const fed = judgeConcealment(snapshots(percents, [4, 5, 3, 6, 6, 2, 3]));
  assert.equal(fed.faults.length, 1, fed.summary);
  assert.match(fed.faults[0]!, /median window the engine was not starved in concealed 5\.0%/);
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
