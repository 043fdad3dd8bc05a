/**
 * Lines up what the engine reported (telemetry: landmarks, hits) with what the page heard
 * (audio onsets), for the end-to-end test and the benchmark.
 *
 * Clocks: telemetry `t` is the engine's frame time (ms from the RTP timestamps, 0 at the
 * session's first frame); `receivedAt` is the engine's wall clock when the frame's last packet
 * arrived; `pageReceivedAt` and the recording's block times are the client's wall clock. Engine
 * and client run on one machine, so wall clocks agree.
 */
import type { ReceivedTelemetry } from './client.ts';

export interface Stroke {
  /** Engine frame time (ms) at which the hand passed the middle of its way down. */
  readonly t: number;
  /** How far it moved down, as a fraction of the frame height. */
  readonly depth: number;
}

export interface StrokeOptions {
  /** Smallest downward move that counts, fraction of frame height. Default 0.15. */
  readonly minDepth?: number;
  /**
   * The move must happen within this long, ms. Default 700: the fixture's strokes take 150 ms,
   * but a tracker that falls behind may see only one frame before and one after.
   */
  readonly withinMs?: number;
  /** After a stroke, none for this long, ms. Default 500. */
  readonly refractoryMs?: number;
}

/** Mean landmark y of the first hand (0 top … 1 bottom), or undefined without a hand. */
export function handY(message: Pick<ReceivedTelemetry, 'hands'>): number | undefined {
  const hand = message.hands[0];
  if (!hand || hand.landmarks.length === 0) return undefined;
  return hand.landmarks.reduce((sum, l) => sum + l.y, 0) / hand.landmarks.length;
}

/** Fast downward hand moves in the telemetry landmarks. */
export function downStrokes(telemetry: readonly ReceivedTelemetry[], options: StrokeOptions = {}): Stroke[] {
  const minDepth = options.minDepth ?? 0.15;
  const within = options.withinMs ?? 700;
  const refractory = options.refractoryMs ?? 500;
  const points = telemetry
    .map((m) => ({ t: m.t, y: handY(m) }))
    .filter((p): p is { t: number; y: number } => p.y !== undefined)
    .sort((a, b) => a.t - b.t);
  const strokes: Stroke[] = [];
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    if (points[i].t - last < refractory) continue;
    // The deepest point within the window after i.
    let j = i;
    for (let k = i + 1; k < points.length && points[k].t - points[i].t <= within; k++) {
      if (points[k].y > points[j].y) j = k;
    }
    if (points[j].y - points[i].y < minDepth) continue;
    // Follow the move to its bottom, which may lie beyond the window.
    while (j + 1 < points.length && points[j + 1].y >= points[j].y && points[j + 1].t - points[i].t < 1000)
      j++;
    // Start from the last point at the top (the window may have begun during the slow rise).
    let top = i;
    for (let k = i; k < j; k++) if (points[k].y <= points[top].y + 0.01) top = k;
    const depth = points[j].y - points[top].y;
    if (depth < minDepth) continue;
    const middle = points[top].y + depth / 2;
    let k = top + 1;
    while (k < j && points[k].y < middle) k++;
    // Interpolate the middle crossing between the two frames around it.
    const a = points[k - 1];
    const b = points[k];
    const t = b.y === a.y ? b.t : a.t + ((middle - a.y) / (b.y - a.y)) * (b.t - a.t);
    strokes.push({ t, depth });
    last = t;
    i = j;
  }
  return strokes;
}

/** One hit the engine reported, with the clocks needed to find it in the audio. */
export interface ReportedHit {
  /** Engine frame time of the frame it was played on, ms. */
  readonly t: number;
  readonly sound: string;
  /** Engine wall clock when that frame's last RTP packet arrived (if the engine reports it). */
  readonly frameReceivedAt?: number;
  /** Client wall clock when the telemetry carrying it arrived. */
  readonly reportedAt: number;
  /** RTP timestamp of the frame (if the engine reports it). */
  readonly rtpTimestamp?: number;
  /** Engine-internal latency (last RTP in → first Opus out), ms, if reported. */
  readonly engineLatencyMs?: number;
  /**
   * Engine wall clock when the first audio packet carrying it left (`frameReceivedAt +
   * engineLatencyMs`), if reported: what its onset in the received audio follows. Unlike
   * `reportedAt`, it does not move with the telemetry's own delivery (a busy page or socket).
   */
  readonly sentAt?: number;
}

export function reportedHits(telemetry: readonly ReceivedTelemetry[]): ReportedHit[] {
  return telemetry.flatMap((m) =>
    m.hits.map((hit, i) => ({
      t: m.t,
      sound: hit.sound,
      frameReceivedAt: m.receivedAt,
      reportedAt: m.pageReceivedAt,
      rtpTimestamp: m.rtpTimestamp,
      engineLatencyMs: m.hitLatencyMs?.[i],
      sentAt:
        m.receivedAt !== undefined && m.hitLatencyMs?.[i] !== undefined
          ? m.receivedAt + m.hitLatencyMs[i]
          : undefined,
    })),
  );
}

/**
 * Engine frame time → client wall clock, from the telemetry of frames (median of
 * `pageReceivedAt − t`, i.e. when the client learned about the frame).
 */
export function frameTimeToWall(telemetry: readonly ReceivedTelemetry[]): (t: number) => number {
  const offsets = telemetry.map((m) => m.pageReceivedAt - m.t).sort((a, b) => a - b);
  if (offsets.length === 0) throw new Error('frameTimeToWall: no telemetry');
  const offset = offsets[Math.floor(offsets.length / 2)];
  return (t) => t + offset;
}

/**
 * A window of one clip loop in engine frame time, starting half a period after a down-stroke
 * (mid-way between two strokes, so no hit sits on its edges). Undefined when the telemetry
 * does not cover a full loop after the first stroke.
 */
export function loopWindow(
  strokes: readonly Stroke[],
  telemetry: readonly ReceivedTelemetry[],
  loop: { durationMs: number; periodMs: number },
): { start: number; end: number } | undefined {
  const lastT = telemetry.reduce((max, m) => Math.max(max, m.t), Number.NEGATIVE_INFINITY);
  for (const stroke of strokes) {
    const start = stroke.t + loop.periodMs / 2;
    const end = start + loop.durationMs;
    if (end <= lastT) return { start, end };
  }
  return undefined;
}

/** Pairs each item of `a` with the first unused item of `b` within `[lo, hi]` of it (times in ms). */
export function pairWithin<A, B>(
  a: readonly A[],
  b: readonly B[],
  timeA: (x: A) => number,
  timeB: (y: B) => number,
  lo: number,
  hi: number,
): { a: A; b: B | undefined; delta: number | undefined }[] {
  const used = new Set<number>();
  return a.map((x) => {
    const ta = timeA(x);
    let best = -1;
    for (let j = 0; j < b.length; j++) {
      if (used.has(j)) continue;
      const d = timeB(b[j]) - ta;
      if (d >= lo && d <= hi && (best < 0 || timeB(b[j]) < timeB(b[best]))) best = j;
    }
    if (best < 0) return { a: x, b: undefined, delta: undefined };
    used.add(best);
    return { a: x, b: b[best], delta: timeB(b[best]) - ta };
  });
}

/** p-th percentile (0..100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
