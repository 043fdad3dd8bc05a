/** What a {@link StrokeDetector} takes with each sample and gives when a stroke fires, and what it keeps of the motion. */

/** Optional extras of one sample. */
export interface StrokeSample {
  /**
   * The hand's size in the image, in position units: e.g. {@link handScale} (wrist to middle
   * knuckle). Thresholds are relative to it, so a far hand's small strokes count like a near
   * hand's big ones. Default {@link StrokeDetectorOptions.defaultScale}.
   */
  scale?: number;
  /**
   * The other coordinate of the same point (x when the position is y), in the same units as the
   * position (multiply x by width ÷ height): a down-stroke that moves sideways more than
   * `maxSideways` times its depth is a wave or a reach, not a stroke.
   */
  x?: number;
}

/** A detected stroke. */
export interface Stroke {
  /** Time (ms) of the sample on which it fired. */
  readonly t: number;
  /**
   * When the hand reaches (or reached) its lowest point, ms on the same clock, sub-frame: in the
   * future when it fired during the down-stroke, in the past when it only became sure at the
   * bottom. Play the sound at this time.
   */
  readonly landingT: number;
  /** Whether it fired before the bottom (`landingT` is a prediction). */
  readonly early: boolean;
  /** Peak speed of the down-stroke so far, in hand sizes per second. */
  readonly speed: number;
  /**
   * The speed it strikes with mapped to 0..1 (÷ `fullSpeed`, at least 0.05): use it as the hit's
   * velocity. For an early stroke, the speed it is heading for: a hand still speeding up.
   */
  readonly strength: number;
  /** Travel from the stroke's top when it fired, in hand sizes. */
  readonly distance: number;
}

export interface Sample {
  t: number;
  /** Position in position units (not divided by the scale). */
  y: number;
  /** The other coordinate, or NaN. */
  x: number;
}

/** What the detector knows of one down-stroke. */
export interface Descent {
  topT: number;
  topY: number;
  /** Deepest sample so far. */
  bottomT: number;
  bottomY: number;
  peakSpeed: number;
  downSteps: number;
}
