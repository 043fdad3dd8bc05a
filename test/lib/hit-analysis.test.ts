import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReceivedTelemetry } from './client.ts';
import {
  downStrokes,
  frameTimeToWall,
  loopWindow,
  pairWithin,
  percentile,
  reportedHits,
} from './hit-analysis.ts';

/** Hand height in the fixture clip at time t (ms): high, fast down by 0.35, low, slow rise. */
function clipY(t: number): number {
  const p = ((t % 1000) + 1000) % 1000;
  if (p < 100) return 0.3;
  if (p < 250) return 0.3 + (0.35 * (p - 100)) / 150;
  if (p < 500) return 0.65;
  if (p < 900) return 0.65 - (0.35 * (p - 500)) / 400;
  return 0.3;
}

function telemetry(options: { ms: number; startAt: number; dropEvery?: number; hitAfterMs?: number }) {
  const out: ReceivedTelemetry[] = [];
  for (let i = 0, t = 0; t < options.ms; i++, t = i * (1000 / 30)) {
    if (options.dropEvery && i % options.dropEvery === 1) continue;
    const clipT = t + options.startAt;
    const y = clipY(clipT);
    const p = ((clipT % 1000) + 1000) % 1000;
    const hit =
      options.hitAfterMs !== undefined &&
      p >= 250 + options.hitAfterMs &&
      p < 250 + options.hitAfterMs + 33.4;
    out.push({
      t,
      width: 640,
      height: 480,
      hands: [
        {
          handedness: 'Right',
          score: 0.9,
          landmarks: Array.from({ length: 21 }, () => ({ x: 0.5, y, z: 0 })),
        },
      ],
      hits: hit ? [{ t, sound: 'kick', velocity: 1, pan: 0 }] : [],
      timings: { decode: 1, convert: 1, track: 5, plugin: 1, total: 8 },
      dropped: 0,
      rtpTimestamp: 1000 + t * 90,
      receivedAt: 10_000 + t,
      hitLatencyMs: hit ? [6] : [],
      pageReceivedAt: 10_020 + t,
    });
  }
  return out;
}

describe('hit analysis', () => {
  it('finds one down-stroke per clip period, at the middle of the move', () => {
    // The session's first frame is clip time 0.62 s (Chromium starts mid-clip).
    const messages = telemetry({ ms: 6000, startAt: 620, dropEvery: 4 });
    const strokes = downStrokes(messages);
    const expected = [1175, 2175, 3175, 4175, 5175, 6175].map((clipT) => clipT - 620);
    assert.equal(strokes.length, expected.length, `strokes at ${strokes.map((s) => s.t.toFixed(0))}`);
    for (const [i, s] of strokes.entries()) {
      assert.ok(Math.abs(s.t - expected[i]) < 20, `stroke ${i} at ${s.t}, expected ${expected[i]}`);
      assert.ok(Math.abs(s.depth - 0.35) < 0.05);
    }
  });

  it('ignores the slow rise and a still hand', () => {
    const still = telemetry({ ms: 2000, startAt: 0 }).map((m) => ({
      ...m,
      hands: [{ ...m.hands[0], landmarks: m.hands[0].landmarks.map((l) => ({ ...l, y: 0.4 })) }],
    }));
    assert.equal(downStrokes(still).length, 0);
    const rising = telemetry({ ms: 400, startAt: 500 });
    assert.equal(downStrokes(rising).length, 0);
  });

  it('picks a one-loop window between strokes holding exactly four hits', () => {
    const messages = telemetry({ ms: 9000, startAt: 620, hitAfterMs: 40 });
    const strokes = downStrokes(messages);
    const window = loopWindow(strokes, messages, { durationMs: 4000, periodMs: 1000 });
    assert.ok(window);
    assert.equal(window.end - window.start, 4000);
    const hits = reportedHits(messages).filter((h) => h.t >= window.start && h.t < window.end);
    assert.equal(hits.length, 4);
    assert.equal(hits[0].engineLatencyMs, 6);
    // Sent = the frame's arrival at the engine + the engine-internal latency (engine wall clock).
    assert.equal(hits[0].sentAt, 10_000 + hits[0].t + 6);
    assert.equal(loopWindow(strokes, messages.slice(0, 60), { durationMs: 4000, periodMs: 1000 }), undefined);
  });

  it('maps frame time to the wall clock and pairs events within a tolerance', () => {
    const toWall = frameTimeToWall(telemetry({ ms: 1000, startAt: 0 }));
    assert.equal(toWall(500), 10_520);
    const pairs = pairWithin(
      [100, 1100, 2100],
      [1150, 160, 5000],
      (x) => x,
      (y) => y,
      0,
      150,
    );
    assert.deepEqual(
      pairs.map((p) => p.delta),
      [60, 50, undefined],
    );
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([5, 1, 4, 2, 3], 99), 5);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
