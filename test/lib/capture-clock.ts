/**
 * Maps the RTP timestamps of Chromium's sent video frames to their camera capture times.
 *
 * Chromium derives three things from one capture timestamp per camera frame: the RTP timestamp
 * (90 kHz, plus a random offset C), and, in `requestVideoFrameCallback` on the local preview,
 * `mediaTime` (s) and `captureTime` (performance timeline). So `capturedAt − 1000·mediaTime` is
 * a constant K and `rtp − 90 000·mediaTime` is the constant C (mod 2^32). K comes from the
 * presented frames; C is the value most (sent, presented) frame pairs agree on, pairing only
 * frames whose encode happened shortly after the capture. The preview may skip frames: every
 * RTP timestamp still maps, as the relation is linear.
 */
import type { CapturedFrame, SentFrame } from './client.ts';

export interface CaptureClock {
  /** Wall-clock ms at which the camera captured the frame with this RTP timestamp. */
  captureTimeOf(rtpTimestamp: number): number;
  /** Frame pairs that agreed on the mapping (the more, the surer). */
  readonly matched: number;
  /** How far the agreeing pairs spread, ms (rounding of mediaTime; should be well under 1). */
  readonly spreadMs: number;
}

const RTP_WRAP = 2 ** 32;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

export interface CaptureClockOptions {
  /** Longest capture → encoded delay considered when pairing frames, ms. Default 400. */
  readonly maxEncodeDelayMs?: number;
  /** Fewest agreeing pairs to trust the mapping. Default 5. */
  readonly minMatches?: number;
}

/** Estimates the mapping, or returns undefined when too few frames agree. */
export function estimateCaptureClock(
  sent: readonly SentFrame[],
  captured: readonly CapturedFrame[],
  options: CaptureClockOptions = {},
): CaptureClock | undefined {
  const maxDelay = options.maxEncodeDelayMs ?? 400;
  const minMatches = options.minMatches ?? 5;
  if (sent.length === 0 || captured.length === 0) return undefined;
  const k = median(captured.map((c) => c.capturedAt - 1000 * c.mediaTime));

  // Vote for C in 1 ms bins (90 ticks), over pairs that could be the same frame.
  const byCapture = [...captured].sort((a, b) => a.capturedAt - b.capturedAt);
  const votes = new Map<number, number[]>();
  let first = 0;
  for (const s of sent) {
    while (first < byCapture.length && byCapture[first].capturedAt < s.encodedAt - maxDelay) first++;
    for (let j = first; j < byCapture.length && byCapture[j].capturedAt <= s.encodedAt; j++) {
      const c =
        (((s.rtpTimestamp - Math.round(90_000 * byCapture[j].mediaTime)) % RTP_WRAP) + RTP_WRAP) % RTP_WRAP;
      const bin = Math.round(c / 90);
      const list = votes.get(bin) ?? [];
      list.push(c);
      votes.set(bin, list);
    }
  }
  let best: number[] = [];
  for (const [bin, list] of votes) {
    // A true offset can straddle two bins.
    const merged = [...list, ...(votes.get(bin + 1) ?? [])];
    if (merged.length > best.length) best = merged;
  }
  if (best.length < minMatches) return undefined;
  const offset = median(best);
  const spreadMs = (Math.max(...best) - Math.min(...best)) / 90;
  return {
    matched: best.length,
    spreadMs,
    captureTimeOf: (rtp) => k + ((((rtp - offset) % RTP_WRAP) + RTP_WRAP) % RTP_WRAP) / 90,
  };
}
