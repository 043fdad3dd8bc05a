/**
 * Latency calibration, the math: the player strikes along with a metronome; each stroke's landing
 * (as the page estimates it, {@link DirectPlay.landingAt}: where the page would schedule the hit
 * with compensation 0) is paired with a click, and the robust middle of (landing − click) is the
 * player's offset. The compensation that puts hits on the beat is its opposite: a player landing
 * 35 ms after the click gets −35 ms, one landing 80 ms early gets +80 ms (hits held back 80 ms).
 *
 * Phase-robust: hits are paired with the click nearest to the strokes' circular mean phase, so an
 * offset near half a period does not split into two clusters (−P/2 and +P/2).
 *
 * A hit can never play before it has arrived: a hit is heard at max(landing + compensation,
 * earliest), so the motion-to-sound delay is never below the system's own latency
 * ({@link motionToSoundMs}); what compensation cannot recover shows as hits after the beat.
 */

export const DEFAULT_CALIBRATION_ESTIMATE = {
  /** Matched strokes needed, after outliers are discarded. */
  minStrokes: 8,
  /** Largest robust spread (1.4826 × median absolute deviation) of the kept offsets, ms. */
  maxSpreadMs: 40,
  /** Offsets farther than max(3 × spread, this) from the median are outliers, ms. */
  outlierFloorMs: 30,
  /** Largest share of matched strokes that may be discarded as outliers. */
  maxOutlierShare: 1 / 3,
} as const;

export type CalibrationEstimateOptions = {
  readonly [K in keyof typeof DEFAULT_CALIBRATION_ESTIMATE]: number;
};

/** One stroke paired with one click (page times, ms). */
export interface StrokeMatch {
  readonly click: number;
  readonly hit: number;
  /** hit − click, ms. */
  readonly offsetMs: number;
  /** Discarded as an outlier (or a second hit on the same click). */
  readonly discarded: boolean;
}

interface EstimateBase {
  /** Every hit paired with a click, in time order. */
  readonly matches: readonly StrokeMatch[];
  /** Matches kept for the estimate. */
  readonly kept: number;
  /** Robust spread of the kept offsets, ms (NaN when none). */
  readonly spreadMs: number;
}

export type OffsetEstimate =
  | (EstimateBase & {
      readonly ok: true;
      /** Median of the kept offsets (landing − click), ms. */
      readonly offsetMs: number;
    })
  | (EstimateBase & {
      readonly ok: false;
      readonly reason: 'too-few' | 'too-irregular';
      /** For the player. */
      readonly message: string;
    });

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** 1.4826 × median absolute deviation: the standard deviation for normal data, blind to outliers. */
export function robustSpread(values: readonly number[]): number {
  const m = median(values);
  return 1.4826 * median(values.map((v) => Math.abs(v - m)));
}

/** `value` wrapped into [−period/2, period/2). */
export function wrapToPeriod(value: number, periodMs: number): number {
  return value - periodMs * Math.floor(value / periodMs + 0.5);
}

/** The click nearest to `t` (clicks sorted). */
function nearest(clicks: readonly number[], t: number): number {
  let best = clicks[0]!;
  for (const click of clicks) if (Math.abs(t - click) < Math.abs(t - best)) best = click;
  return best;
}

/**
 * The player's offset (hit − click, ms) from the clicks' and hits' page times, or why there is
 * none. Hits more than half a period outside the clicks are ignored.
 */
export function estimateOffset(
  clicks: readonly number[],
  hits: readonly number[],
  periodMs: number,
  options: CalibrationEstimateOptions = DEFAULT_CALIBRATION_ESTIMATE,
): OffsetEstimate {
  if (!(periodMs > 0) || !Number.isFinite(periodMs))
    throw new RangeError(`periodMs must be a positive number, got ${periodMs}`);
  const sortedClicks = clicks.filter(Number.isFinite).sort((a, b) => a - b);
  const half = periodMs / 2;
  const inRange = hits
    .filter(Number.isFinite)
    .filter((h) => sortedClicks.length > 0 && h >= sortedClicks[0]! - half && h < sortedClicks.at(-1)! + half)
    .sort((a, b) => a - b);

  // Circular mean of the phases: where the strokes sit in the beat, whatever the wrap.
  let sin = 0;
  let cos = 0;
  for (const h of inRange) {
    const angle = (2 * Math.PI * (h - nearest(sortedClicks, h))) / periodMs;
    sin += Math.sin(angle);
    cos += Math.cos(angle);
  }
  const center = inRange.length > 0 ? (Math.atan2(sin, cos) * periodMs) / (2 * Math.PI) : 0;

  // Pair each hit with the click that puts it nearest the centre; one hit per click.
  const paired = inRange.map((hit) => {
    const click = nearest(sortedClicks, hit - center);
    return { click, hit, offsetMs: hit - click };
  });
  const byClick = new Map<number, (typeof paired)[number]>();
  for (const p of paired) {
    const other = byClick.get(p.click);
    if (!other || Math.abs(p.offsetMs - center) < Math.abs(other.offsetMs - center)) byClick.set(p.click, p);
  }
  const single = new Set(byClick.values());

  const candidates = [...single].map((p) => p.offsetMs);
  const firstMedian = median(candidates);
  const threshold = Math.max(3 * robustSpread(candidates), options.outlierFloorMs);
  const keep = (p: (typeof paired)[number]) =>
    single.has(p) && Math.abs(p.offsetMs - firstMedian) <= threshold;
  const matches: StrokeMatch[] = paired.map((p) => ({ ...p, discarded: !keep(p) }));
  const kept = matches.filter((m) => !m.discarded).map((m) => m.offsetMs);
  const spreadMs = kept.length > 0 ? robustSpread(kept) : Number.NaN;
  const base = { matches, kept: kept.length, spreadMs };

  if (paired.length < options.minStrokes) {
    return {
      ...base,
      ok: false,
      reason: 'too-few',
      message: `only ${paired.length} strokes (${options.minStrokes} needed): try again`,
    };
  }
  // Enough strokes came, but not enough of them on a steady beat.
  const outlierShare = (paired.length - kept.length) / paired.length;
  if (
    kept.length < options.minStrokes ||
    spreadMs > options.maxSpreadMs ||
    outlierShare > options.maxOutlierShare
  ) {
    return {
      ...base,
      ok: false,
      reason: 'too-irregular',
      message: `too irregular (spread ${spreadMs.toFixed(0)} ms, ${paired.length - kept.length} of ${paired.length} strokes off the beat): try again`,
    };
  }
  return { ...base, ok: true, offsetMs: median(kept) };
}

/** The compensation that puts strokes with this offset on the beat, ms. */
export function compensationFor(offsetMs: number): number {
  return -offsetMs;
}

/** A played hit's timing (page times, ms): its landing and the earliest it could be heard. */
export interface HitTiming {
  readonly landingAt: number;
  readonly earliestAt: number;
}

/**
 * How long after the stroke's landing hits are heard with this compensation (median, ms): each
 * is heard at max(landing + compensation, earliest).
 */
export function motionToSoundMs(hits: readonly HitTiming[], compensationMs: number): number {
  return median(hits.map((h) => Math.max(compensationMs, h.earliestAt - h.landingAt)));
}

/**
 * How far after the beat hits still land once compensated (ms, ≥ 0): the part of the offset the
 * page cannot recover because it cannot play a hit before it has arrived.
 */
export function unrecoverableMs(hits: readonly HitTiming[], compensationMs: number): number {
  return Math.max(0, motionToSoundMs(hits, compensationMs) - compensationMs);
}
