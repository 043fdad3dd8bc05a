import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateCaptureClock } from './capture-clock.ts';
import type { CapturedFrame, SentFrame } from './client.ts';

/** A synthetic camera as Chromium reports it: 30 fps with capture jitter, some frames not presented. */
function camera(options: { rtpOffset: number; k: number; frames: number; presentEvery?: number }) {
  const captured: CapturedFrame[] = [];
  const sent: SentFrame[] = [];
  const truth = new Map<number, number>();
  let seed = 1;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < options.frames; i++) {
    const mediaTime = (i * 33.333 + rand() * 4) / 1000;
    const capturedAt = options.k + 1000 * mediaTime;
    const rtpTimestamp = (Math.round(90_000 * mediaTime) + options.rtpOffset) % 2 ** 32;
    truth.set(rtpTimestamp, capturedAt);
    if (i % (options.presentEvery ?? 1) === 0) captured.push({ capturedAt, mediaTime });
    sent.push({ rtpTimestamp, encodedAt: capturedAt + 3 + rand() * 60, keyframe: i === 0, bytes: 1000 });
  }
  return { captured, sent, truth };
}

describe('estimateCaptureClock', () => {
  it('maps every sent frame to its capture time, across an RTP wrap and with skipped previews', () => {
    const { captured, sent, truth } = camera({
      rtpOffset: 2 ** 32 - 200_000,
      k: 1_795_000_000_000,
      frames: 300,
      presentEvery: 3,
    });
    const clock = estimateCaptureClock(sent, captured);
    assert.ok(clock, 'a mapping was found');
    assert.ok(clock.matched >= 90, `only ${clock.matched} pairs agreed`);
    assert.ok(clock.spreadMs < 1, `spread ${clock.spreadMs} ms`);
    for (const [rtp, capturedAt] of truth) {
      const error = Math.abs(clock.captureTimeOf(rtp) - capturedAt);
      assert.ok(error < 0.1, `frame rtp ${rtp}: off by ${error.toFixed(3)} ms`);
    }
  });

  it('returns undefined when the frames do not agree on a mapping', () => {
    const { captured } = camera({ rtpOffset: 5, k: 1000, frames: 60 });
    const noise = captured.map((c, i) => ({
      rtpTimestamp: (i * 7919 * 1301) % 2 ** 32,
      encodedAt: c.capturedAt + 10,
      keyframe: false,
      bytes: 1,
    }));
    assert.equal(estimateCaptureClock(noise, captured, { maxEncodeDelayMs: 30 }), undefined);
    assert.equal(estimateCaptureClock([], captured), undefined);
  });
});
