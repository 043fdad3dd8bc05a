import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compensationFor,
  estimateOffset,
  median,
  motionToSoundMs,
  robustSpread,
  unrecoverableMs,
  wrapToPeriod,
} from './calibration.ts';

const PERIOD = 600;
/** Clicks every period from t0. */
const clicksFrom = (t0: number, n: number) => Array.from({ length: n }, (_, k) => t0 + k * PERIOD);
/** A deterministic jitter in [-amp, amp]. */
const jitter = (k: number, amp: number) => amp * Math.sin(k * 2.39996);

describe('median / robustSpread / wrapToPeriod', () => {
  it('computes them', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
    assert.equal(robustSpread([10, 10, 10, 1000]), 0);
    assert.equal(wrapToPeriod(310, PERIOD), -290);
    assert.equal(wrapToPeriod(-301, PERIOD), 299);
    assert.equal(wrapToPeriod(-300, PERIOD), -300);
    assert.equal(wrapToPeriod(1235, PERIOD), 35);
  });
});

describe('estimateOffset', () => {
  it('finds a steady offset (strokes 35 ms after each click) despite small jitter', () => {
    const clicks = clicksFrom(1000, 12);
    const hits = clicks.map((c, k) => c + 35 + jitter(k, 8));
    const estimate = estimateOffset(clicks, hits, PERIOD);
    assert.ok(estimate.ok, JSON.stringify(estimate));
    assert.ok(Math.abs(estimate.offsetMs - 35) < 4, `offset ${estimate.offsetMs}`);
    assert.equal(estimate.kept, 12);
    assert.ok(estimate.spreadMs < 12);
    assert.equal(compensationFor(estimate.offsetMs), -estimate.offsetMs);
  });

  it('finds early strokes (negative offset) too', () => {
    const clicks = clicksFrom(0, 10);
    const estimate = estimateOffset(
      clicks,
      clicks.map((c, k) => c - 80 + jitter(k, 5)),
      PERIOD,
    );
    assert.ok(estimate.ok);
    assert.ok(Math.abs(estimate.offsetMs + 80) < 4);
  });

  it('is phase-robust: strokes half a period off the clicks do not split into −P/2 and +P/2', () => {
    const clicks = clicksFrom(0, 12);
    // Around +300 (= −300): half land at +290, half at +310 (which is −290 from the next click).
    const hits = clicks.map((c, k) => c + 300 + (k % 2 === 0 ? -10 : 10));
    const estimate = estimateOffset(clicks, hits, PERIOD);
    assert.ok(estimate.ok, JSON.stringify(estimate));
    assert.ok(Math.abs(Math.abs(estimate.offsetMs) - 300) <= 10, `offset ${estimate.offsetMs}`);
    assert.ok(estimate.spreadMs <= 15, `spread ${estimate.spreadMs}`);
    assert.ok(estimate.kept >= 11);
  });

  it('discards a few outliers (a missed beat, a stray hit) and keeps the median of the rest', () => {
    const clicks = clicksFrom(0, 12);
    const hits = clicks.map((c, k) => c + 40 + jitter(k, 6));
    hits[3] = clicks[3]! + 200; // way late
    hits.push(clicks[6]! + 52); // a second hit on one click
    const estimate = estimateOffset(clicks, hits, PERIOD);
    assert.ok(estimate.ok, JSON.stringify(estimate));
    assert.ok(Math.abs(estimate.offsetMs - 40) < 4);
    assert.equal(estimate.matches.filter((m) => m.discarded).length, 2);
    assert.equal(estimate.kept, 11);
  });

  it('says too irregular when strokes do not follow the clicks (another tempo)', () => {
    const clicks = clicksFrom(0, 14).map((c) => (c * 857) / 600); // 70 BPM clicks
    const hits = clicksFrom(100, 14); // 100 BPM strokes
    const estimate = estimateOffset(clicks, hits, 857);
    assert.equal(estimate.ok, false);
    assert.ok(!estimate.ok && estimate.reason === 'too-irregular', JSON.stringify(estimate));
    assert.match(!estimate.ok ? estimate.message : '', /too irregular/);
  });

  it('says too irregular when the spread is too wide, too few with fewer than 8 strokes', () => {
    const clicks = clicksFrom(0, 12);
    const wide = estimateOffset(
      clicks,
      clicks.map((c, k) => c + 40 + jitter(k, 90)),
      PERIOD,
    );
    assert.ok(!wide.ok && wide.reason === 'too-irregular', JSON.stringify(wide));
    const few = estimateOffset(
      clicks,
      clicks.slice(0, 7).map((c) => c + 20),
      PERIOD,
    );
    assert.ok(!few.ok && few.reason === 'too-few');
    assert.equal(few.kept, 7);
    const none = estimateOffset([], [1, 2, 3], PERIOD);
    assert.ok(!none.ok && none.reason === 'too-few');
  });

  it('ignores hits far outside the clicks and refuses a bad period', () => {
    const clicks = clicksFrom(0, 10);
    const hits = [...clicks.map((c) => c + 10), -5000, 99_999];
    const estimate = estimateOffset(clicks, hits, PERIOD);
    assert.ok(estimate.ok);
    assert.equal(estimate.matches.length, 10);
    assert.throws(() => estimateOffset(clicks, hits, 0), RangeError);
    assert.throws(() => estimateOffset(clicks, hits, Number.NaN), RangeError);
  });
});

describe('motion to sound with a compensation', () => {
  // The system's own latency: each hit can be heard 110 ms after its landing at the earliest.
  const hits = [0, 600, 1200].map((l) => ({ landingAt: l, earliestAt: l + 110 }));

  it('is the latency when compensation is below it, and what stays after the beat', () => {
    assert.equal(motionToSoundMs(hits, 0), 110);
    assert.equal(motionToSoundMs(hits, -35), 110);
    // Strokes 35 ms late → compensation −35: hits land 110 − (−35) = 145 ms after the beat.
    assert.equal(unrecoverableMs(hits, -35), 145);
  });

  it('is the compensation once it exceeds the latency: then hits land on the beat', () => {
    assert.equal(motionToSoundMs(hits, 150), 150);
    assert.equal(unrecoverableMs(hits, 150), 0);
  });
});
