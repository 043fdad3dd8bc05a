import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Telemetry } from '@bambam/protocol';
import { LatencyWindow } from './latency-stats.ts';

function telemetry(total: number, extra: Partial<Telemetry> & { hitLatencyMs?: number[] } = {}): Telemetry {
  return {
    t: 0,
    width: 640,
    height: 480,
    hands: [],
    hits: [],
    dropped: 0,
    timings: { decode: 1, convert: 0.5, track: total - 2, plugin: 0.5, total },
    ...extra,
  };
}

describe('LatencyWindow', () => {
  it('is empty until a frame arrives', () => {
    assert.equal(new LatencyWindow().summary(), null);
  });

  it('gives medians, p95, frame rate and drops over the window', () => {
    const w = new LatencyWindow({ size: 100 });
    for (let i = 0; i < 31; i++) w.add(telemetry(i === 30 ? 100 : 10, { dropped: i }), i * (1000 / 30));
    const s = w.summary()!;
    assert.equal(s.median.total, 10);
    assert.equal(s.median.decode, 1);
    assert.equal(s.p95Total, 10);
    assert.ok(Math.abs(s.fps - 30) < 0.01, `fps ${s.fps}`);
    assert.equal(s.dropped, 30);
    assert.equal(s.frames, 31);
    assert.equal(s.hitLatency, null);
  });

  it('keeps only the last frames', () => {
    const w = new LatencyWindow({ size: 5 });
    for (let i = 0; i < 10; i++) w.add(telemetry(i < 5 ? 100 : 5), i);
    assert.equal(w.summary()!.median.total, 5);
  });

  it("reads the engine's optional per-hit latency", () => {
    const w = new LatencyWindow();
    w.add(telemetry(10, { hitLatencyMs: [8, 12] } as never), 0);
    w.add(telemetry(10, { hitLatencyMs: [9] } as never), 33);
    assert.equal(w.summary()!.hitLatency, 9);
    w.clear();
    assert.equal(w.summary(), null);
  });
});
