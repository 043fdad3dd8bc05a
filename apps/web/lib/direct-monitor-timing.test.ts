import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  contextStartTime,
  ENCODE_ESTIMATE_MS,
  ENGINE_SCHEDULE_DELAY_MS,
  heardAtOf,
  type OutputClock,
  STREAM_OUTPUT_ESTIMATE_MS,
  streamCompensationMs,
  targetHeardAt,
  transitMs,
} from './direct-monitor-timing.ts';

const close = (actual: number, expected: number, epsilon = 1e-9) =>
  assert.ok(Math.abs(actual - expected) < epsilon, `${actual} is not ${expected}`);

describe('transitMs', () => {
  it('is the encoder estimate plus the full round trip (RTT/2 up, RTT/2 back)', () => {
    assert.equal(transitMs(0.02), ENCODE_ESTIMATE_MS + 20);
  });
  it('counts no network without a round-trip figure, and ignores nonsense', () => {
    assert.equal(transitMs(undefined), ENCODE_ESTIMATE_MS);
    assert.equal(transitMs(Number.NaN), ENCODE_ESTIMATE_MS);
    assert.equal(transitMs(-1), ENCODE_ESTIMATE_MS);
  });
});

describe('targetHeardAt', () => {
  const base = { receivedAt: 10_000, lagMs: 30, frameT: 500, transitMs: 10, compensationMs: 0 };

  it('goes back to the capture moment: received − engine lag − transit', () => {
    assert.equal(targetHeardAt(base), 10_000 - 30 - 10);
  });
  it('adds the compensation, the constant delay after the gesture', () => {
    assert.equal(targetHeardAt({ ...base, compensationMs: 80 }), 10_000 - 40 + 80);
  });
  it('places a hit the plugin put ahead of its frame (`at`) that much later', () => {
    assert.equal(targetHeardAt({ ...base, at: 525 }), 10_000 - 40 + 25);
  });
  it('takes `at` before the frame as earlier', () => {
    assert.equal(targetHeardAt({ ...base, at: 490 }), 10_000 - 40 - 10);
  });
  it('treats a negative or non-finite lag as none, and a non-finite `at` as absent', () => {
    assert.equal(targetHeardAt({ ...base, lagMs: -5 }), 10_000 - 10);
    assert.equal(targetHeardAt({ ...base, lagMs: Number.NaN }), 10_000 - 10);
    assert.equal(targetHeardAt({ ...base, at: Number.POSITIVE_INFINITY }), 10_000 - 40);
  });
  it('a constant compensation gives a constant delay after capture, whatever the engine lag', () => {
    // Capture at page time 1000; transit 10 ms; engine lag varies; received = capture + transit + lag.
    const heard = [20, 35, 61].map((lagMs) =>
      targetHeardAt({ receivedAt: 1000 + 10 + lagMs, lagMs, frameT: 0, transitMs: 10, compensationMs: 90 }),
    );
    assert.deepEqual(heard, [1090, 1090, 1090]);
  });
});

describe('contextStartTime / heardAtOf', () => {
  const stamped: OutputClock = {
    now: 5000,
    currentTime: 2.0,
    // The sample at context time 1.97 leaves the speakers at page time 4998.
    outputTimestamp: { contextTime: 1.97, performanceTime: 4998 },
    latencySeconds: 0.03,
  };

  it('maps page time to context time through the output timestamp (output latency included)', () => {
    close(contextStartTime(5100, stamped), 1.97 + 0.102);
    close(heardAtOf(1.97 + 0.102, stamped), 5100, 1e-6);
  });
  it('never schedules before currentTime: a target already past plays as soon as possible', () => {
    assert.equal(contextStartTime(4000, stamped), 2.0);
    // As soon as possible is heard one output latency (plus rendering) after now.
    close(heardAtOf(2.0, stamped), 4998 + 30, 1e-6);
  });
  it('without an output timestamp, subtracts base + output latency from currentTime', () => {
    const bare: OutputClock = { now: 5000, currentTime: 2.0, latencySeconds: 0.03 };
    close(contextStartTime(5100, bare), 2.0 + 0.1 - 0.03);
    close(heardAtOf(2.07, bare), 5100, 1e-6);
    assert.equal(contextStartTime(5010, bare), 2.0);
  });
  it('ignores an output timestamp that is not running yet (zeros)', () => {
    const zero: OutputClock = { ...stamped, outputTimestamp: { contextTime: 0, performanceTime: 0 } };
    close(contextStartTime(5100, zero), 2.0 + 0.1 - 0.03);
  });
});

test('streamCompensationMs: the stream listener hears a placed hit at the landing when the engine places it this much earlier', () => {
  // 8 encode + 2 RTT + 20 schedule delay + 45 jitter buffer + 20 assumed output.
  assert.equal(streamCompensationMs({ roundTripSeconds: 0.002, jitterBufferMs: 45 }), 95);
  assert.equal(
    streamCompensationMs({ roundTripSeconds: 0.002, jitterBufferMs: 45, outputLatencyMs: 40 }),
    115,
  );
  // Nothing measured yet: no jitter buffer, no RTT, the assumed output only.
  assert.equal(
    streamCompensationMs({ roundTripSeconds: undefined, jitterBufferMs: undefined }),
    ENCODE_ESTIMATE_MS + ENGINE_SCHEDULE_DELAY_MS + STREAM_OUTPUT_ESTIMATE_MS,
  );
  assert.equal(streamCompensationMs({ roundTripSeconds: Number.NaN, jitterBufferMs: -5 }), 48);
});
