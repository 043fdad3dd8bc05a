/** The detector's settings. Distances are in hand sizes (see {@link StrokeSample.scale}), times in ms. */
export interface StrokeDetectorOptions {
  /** Smallest travel (top to bottom) of a stroke, in hand sizes. */
  minTravel?: number;
  /** Smallest peak speed of a stroke, in hand sizes per second. */
  minSpeed?: number;
  /**
   * Longest "stroke time" (travel ÷ peak speed, s × 1000): a stroke is short and sharp, a hand
   * lowered to rest or reaching is slow for its size. 300 ms eased strokes are ~190 ms.
   */
  maxStrokeTimeMs?: number;
  /** Longest time (ms) a down-stroke moves at more than 30% of its peak speed: longer is a hand lowered, not a stroke. */
  maxDownMs?: number;
  /** Most sideways travel per unit of downward travel (needs `sample.x`): more is a wave or a reach. */
  maxSideways?: number;
  /**
   * Speed (hand sizes/s) at which a stroke fires during its down-stroke before any is learned
   * (and the most a learned one needs). A hand lowered to rest peaks under ~9.
   */
  earlySpeed?: number;
  /**
   * Travel (hand sizes) a down-stroke must have before it fires early, before any is learned
   * (and the most a learned one needs; never less than the jitter's travel floor).
   */
  earlyTravel?: number;
  /** Fraction of the player's median peak speed / travel at which a learned down-stroke fires early. */
  earlyFraction?: number;
  /** Strokes remembered to learn the player's travel, speed and timing. */
  learnStrokes?: number;
  /** After a stroke, rising back by this fraction of its travel re-arms (rolls need a quick re-arm). */
  rearmFraction?: number;
  /** How far back (ms) the top of a down-stroke is looked for. */
  topWindowMs?: number;
  /**
   * A hand's motion must be known this long (ms), and then not be coming down, before it can
   * fire: a hand appearing (often moving) doesn't.
   */
  warmupMs?: number;
  /** A gap between samples longer than this (ms) restarts detection (the hand was lost). */
  maxGapMs?: number;
  /** A step faster than this (hand sizes/s) is a tracking jump to elsewhere: detection restarts. */
  maxSpeed?: number;
  /** A sample this far (hand sizes) from where the motion was heading is held until the next one confirms it. */
  glitchJump?: number;
  /** Hand size assumed when none is given, in position units (0.1 = a tenth of the frame). */
  defaultScale?: number;
  /** Speed (hand sizes/s) that maps to full {@link Stroke.strength}. */
  fullSpeed?: number;
}

/** The defaults of {@link StrokeDetectorOptions}: right for most players at 15–60 fps. */
export const DEFAULT_STROKE_OPTIONS: Readonly<Required<StrokeDetectorOptions>> = Object.freeze({
  minTravel: 0.25,
  minSpeed: 2.2,
  maxStrokeTimeMs: 230,
  maxDownMs: 320,
  maxSideways: 1,
  earlySpeed: 10,
  earlyTravel: 0.3,
  earlyFraction: 0.5,
  learnStrokes: 8,
  rearmFraction: 0.2,
  topWindowMs: 400,
  warmupMs: 100,
  maxGapMs: 250,
  maxSpeed: 100,
  glitchJump: 0.8,
  defaultScale: 0.1,
  fullSpeed: 25,
});

/** The defaults overlaid with `options`, each checked: a negative or non-finite one throws a RangeError. */
export function resolveStrokeOptions(
  options: StrokeDetectorOptions,
): Readonly<Required<StrokeDetectorOptions>> {
  const o = { ...DEFAULT_STROKE_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof StrokeDetectorOptions, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`StrokeDetector: ${key} must be a finite number >= 0, got ${value}`);
    o[key] = value;
  }
  if (!(o.defaultScale > 0)) throw new RangeError('StrokeDetector: defaultScale must be above 0');
  return o;
}
