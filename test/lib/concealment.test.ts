import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AudioCounters, judgeConcealment } from './concealment.ts';

/**
 * Snapshots every 700 ms at 48 kHz, concealing the given percent in each window; with `engine`,
 * its main thread waited `waits[i]` ms for a CPU and its clock skipped `skips[i]` frames in each.
 */
function snapshots(
  percents: readonly number[],
  engine?: { readonly waits: readonly number[]; readonly skips: readonly number[] },
): AudioCounters[] {
  const out: AudioCounters[] = [
    {
      at: 0,
      totalSamplesReceived: 0,
      concealedSamples: 0,
      ...(engine ? { engineRunDelayMs: 1000, engineSkippedFrames: 3 } : {}),
    },
  ];
  for (const [i, p] of percents.entries()) {
    const prev = out[i]!;
    const got = 0.7 * 48_000;
    out.push({
      at: prev.at + 700,
      totalSamplesReceived: prev.totalSamplesReceived + got,
      concealedSamples: prev.concealedSamples + (got * p) / 100,
      ...(engine
        ? {
            engineRunDelayMs: prev.engineRunDelayMs! + engine.waits[i]!,
            engineSkippedFrames: prev.engineSkippedFrames! + engine.skips[i]!,
          }
        : {}),
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
  // As measured with one core busy: the engine's clock skipped frames after stalls in the
  // windows that concealed, while its main thread waited 300–500 ms for a CPU in each window
  // (many short waits: every wake-up waits a little on a busy machine).
  const percents = [0, 9, 5, 15, 0, 5, 0];
  const waits = [300, 420, 380, 450, 310, 360, 290];
  const skips = [0, 5, 3, 7, 0, 2, 0];
  const verdict = judgeConcealment(snapshots(percents, { waits, skips }));
  assert.deepEqual(verdict.faults, [], verdict.summary);
  assert.equal(verdict.medianPercent, 0);
  assert.deepEqual(
    verdict.windows.map((w) => w.starved),
    [false, true, true, true, false, true, false],
  );
  assert.match(verdict.summary, /1\.4s:9%\(engine waited 420 ms, skipped 5: starved\)/);
  // Waiting alone excuses nothing: the clock kept its deadlines, so the concealment is the stream's.
  const waitedOnly = judgeConcealment(snapshots(percents, { waits, skips: [0, 0, 0, 0, 0, 0, 0] }));
  assert.equal(waitedOnly.faults.length, 1, waitedOnly.summary);
  assert.match(waitedOnly.faults[0]!, /median window the engine was not starved in concealed 5\.0%/);
  // Skips without the wait to explain them are the engine's own stalls (a blocking bug): no excuse.
  const ownStalls = judgeConcealment(snapshots(percents, { waits: [1, 2, 1, 3, 1, 2, 1], skips }));
  assert.equal(ownStalls.faults.length, 1, ownStalls.summary);
});

test('the total leaves out what a starved engine skipped, and counts the rest', () => {
  // As measured (one core busy, the engine's main thread waiting for a CPU half the time): each
  // starved window concealed what the clock skipped, within a frame.
  const percents = [0, 40, 0, 40, 0, 0];
  const waits = [300, 500, 300, 500, 300, 300];
  const skipped = judgeConcealment(snapshots(percents, { waits, skips: [0, 12, 0, 12, 0, 0] }));
  assert.ok(skipped.totalPercent > 13, skipped.summary);
  assert.equal(skipped.unexplainedPercent, 0);
  assert.deepEqual(skipped.faults, [], skipped.summary);
  assert.match(skipped.summary, /besides 560 ms the starved engine's skipped frames explain/);
  // One skipped frame each cannot explain 280 ms: the rest counts, and is too much.
  const unexplained = judgeConcealment(snapshots(percents, { waits, skips: [0, 1, 0, 1, 0, 0] }));
  assert.ok(Math.abs(unexplained.unexplainedPercent - (100 * (560 - 160)) / 4200) < 1e-6);
  assert.deepEqual(unexplained.faults, [
    '9.5% concealed in all besides what the starved engine skipped (limit 8%)',
  ]);
  // Without the engine's figures nothing is explained.
  assert.match(judgeConcealment(snapshots(percents)).faults.join(), /13\.3% concealed in all \(limit 8%\)/);
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
