/**
 * How fast the engine's video recovers from a lost packet, from outside the engine: the
 * impairer logs each RTP packet it drops (wall clock, SSRC, RTP timestamp; SRTP leaves the
 * header in clear), the page logs when Chromium encoded each frame (RTP timestamp), and the
 * engine's telemetry says when the last packet of each frame it tracked arrived
 * (`receivedAt`, wall clock, same machine).
 *
 * A loss is recovered when the engine has a frame at or after the lost packet's frame again:
 * the same frame (NACK brought the packet back) or a later one (it asked for a keyframe with
 * PLI and resumed there). Recovery time = that frame's `receivedAt` − when the lost frame was
 * encoded. The telemetry holds tracked frames only (the tracker takes the latest frame while
 * busy), so this is an upper bound: it adds up to a tracker period. The same measure for every
 * frame Chromium sent (the {@link VideoRecovery.baseline}) shows what the network delay and the
 * tracker's sampling alone cost.
 */
import { percentile } from '../hit-analysis.ts';
import type { DroppedPacket } from './namespace.ts';

export interface TrackedFrame {
  readonly rtpTimestamp?: number;
  readonly receivedAt?: number;
}

export interface SentVideoFrame {
  readonly rtpTimestamp: number;
  readonly encodedAt: number;
}

export interface VideoRecovery {
  /** The video stream's SSRC among the dropped packets (undefined: no video packet was dropped). */
  readonly ssrc?: number;
  /** Video packets dropped, and distinct frames they belonged to. */
  readonly droppedPackets: number;
  readonly lostFrames: number;
  /** Per frame that lost a packet (in the measured span): ms to the next tracked frame at or after it. */
  readonly recoveryMs: readonly number[];
  /** The same for every frame sent in the span. */
  readonly baselineMs: readonly number[];
}

const HALF = 2 ** 31;
/** `a` is at or after `b` in RTP timestamp order (wrapping). */
const atOrAfter = (a: number, b: number) => (a - b) >>> 0 < HALF;

/** Per sent frame, ms to the first tracked frame at or after it; undefined past the telemetry's end. */
function nextTracked(
  sent: SentVideoFrame,
  tracked: readonly { rtpTimestamp: number; receivedAt: number }[],
): number | undefined {
  const next = tracked.find((f) => atOrAfter(f.rtpTimestamp, sent.rtpTimestamp));
  return next ? next.receivedAt - sent.encodedAt : undefined;
}

export function videoRecovery(
  drops: readonly DroppedPacket[],
  frames: readonly TrackedFrame[],
  sent: readonly SentVideoFrame[],
  span: { readonly start: number; readonly end: number },
): VideoRecovery {
  const tracked = frames.flatMap((f) =>
    f.rtpTimestamp !== undefined && f.receivedAt !== undefined
      ? [{ rtpTimestamp: f.rtpTimestamp, receivedAt: f.receivedAt }]
      : [],
  );
  const sentTs = new Set(sent.map((s) => s.rtpTimestamp >>> 0));
  // The video SSRC: the one whose dropped packets carry timestamps of frames Chromium sent.
  const bySsrc = new Map<number, number>();
  for (const d of drops)
    if (d.ssrc !== undefined && d.ts !== undefined && sentTs.has(d.ts >>> 0))
      bySsrc.set(d.ssrc, (bySsrc.get(d.ssrc) ?? 0) + 1);
  const ssrc = [...bySsrc.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const video = drops.filter((d) => d.ssrc === ssrc && d.ts !== undefined);
  const inSpan = sent.filter((s) => s.encodedAt >= span.start && s.encodedAt < span.end);
  const lostTs = new Set(video.map((d) => d.ts! >>> 0));
  const lost = inSpan.filter((s) => lostTs.has(s.rtpTimestamp >>> 0));
  const measure = (list: readonly SentVideoFrame[]) =>
    list.flatMap((s) => {
      const ms = nextTracked(s, tracked);
      return ms === undefined ? [] : [ms];
    });
  return {
    ssrc,
    droppedPackets: video.length,
    lostFrames: lost.length,
    recoveryMs: measure(lost),
    baselineMs: measure(inSpan),
  };
}

/** `p50/p90/max` of a list of ms, for messages. */
export function summarize(values: readonly number[]): string {
  if (values.length === 0) return 'none';
  return `p50 ${percentile(values, 50).toFixed(0)} p90 ${percentile(values, 90).toFixed(0)} max ${Math.max(...values).toFixed(0)} ms (${values.length})`;
}
