/** Recent positions of one point over time, for velocity and travel estimates. */
import type { Point } from './geometry.ts';

/** One timed position. */
export interface TimedPoint {
  /** Time in ms (a frame's `t`). */
  readonly t: number;
  /** Horizontal position, normalised (0..1 across the image). */
  readonly x: number;
  /** Vertical position, normalised (0 top, 1 bottom). */
  readonly y: number;
  /** Depth, as the landmark's `z` (0 when the point had none). */
  readonly z: number;
}

/** A velocity in normalised image units per second (1 = the full frame width/height per second). */
export interface Velocity {
  /** Rightward speed (negative: leftward). */
  readonly x: number;
  /** Downward speed (negative: upward). */
  readonly y: number;
  /** Speed away from the camera (negative: towards it). */
  readonly z: number;
}

/** Options of {@link LandmarkHistory}. */
export interface LandmarkHistoryOptions {
  /** How much history to keep, in ms. Default 1000. */
  windowMs?: number;
  /** Most samples kept whatever the frame rate. Default 120. */
  maxSamples?: number;
}

/**
 * Keeps the recent positions of one point (a landmark, or a steadier point such as
 * {@link palmCenter}) and derives velocities from them. Time going backwards clears it.
 *
 * @example
 * ```ts
 * state: () => ({ wrist: new LandmarkHistory() }),
 * onFrame(frame, ctx) {
 *   const hand = frame.hands[0];
 *   if (!hand) return;
 *   ctx.state.wrist.push(frame.t, hand.landmarks[WRIST]);
 *   const v = ctx.state.wrist.velocity(); // units per second; y > 0 is moving down
 *   if (v && v.y > 2) ctx.play('hit');
 * }
 * ```
 */
export class LandmarkHistory {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private timedPoints: TimedPoint[] = [];

  constructor(options: LandmarkHistoryOptions = {}) {
    const { windowMs = 1000, maxSamples = 120 } = options;
    this.windowMs = windowMs;
    this.maxSamples = Math.max(2, maxSamples);
  }

  /** Number of samples held. */
  get length(): number {
    return this.timedPoints.length;
  }

  /** The samples held, oldest first. */
  get samples(): readonly TimedPoint[] {
    return this.timedPoints;
  }

  /** The newest sample. */
  latest(): TimedPoint | undefined {
    return this.timedPoints[this.timedPoints.length - 1];
  }

  /**
   * Adds a position at time `t` (ms). Non-finite values are ignored; a sample at the same time
   * as the newest replaces it; a time earlier than the newest clears the history first.
   */
  push(t: number, point: Point): void {
    if (!Number.isFinite(t) || !Number.isFinite(point?.x) || !Number.isFinite(point?.y)) return;
    const sample: TimedPoint = { t, x: point.x, y: point.y, z: Number.isFinite(point.z) ? point.z! : 0 };
    const last = this.latest();
    if (last && t < last.t) this.timedPoints = [];
    if (last && t === last.t) this.timedPoints[this.timedPoints.length - 1] = sample;
    else this.timedPoints.push(sample);
    const oldest = t - this.windowMs;
    let drop = 0;
    while (drop < this.timedPoints.length - 2 && this.timedPoints[drop]!.t < oldest) drop++;
    drop = Math.max(drop, this.timedPoints.length - this.maxSamples);
    if (drop > 0) this.timedPoints.splice(0, drop);
  }

  /**
   * Average velocity over roughly the last `spanMs` (from the newest sample back to the newest
   * one at least `spanMs` older, or the oldest held). Longer spans are smoother but react later.
   * @returns units per second, or `undefined` with fewer than two samples.
   */
  velocity(spanMs = 50): Velocity | undefined {
    return velocity(this.timedPoints, spanMs);
  }

  /** The smallest and largest value of one axis over the last `spanMs`, or `undefined` when empty. */
  range(axis: 'x' | 'y' | 'z', spanMs = this.windowMs): { min: number; max: number } | undefined {
    const last = this.latest();
    if (!last) return undefined;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (let i = this.timedPoints.length - 1; i >= 0; i--) {
      const sample = this.timedPoints[i]!;
      if (sample.t < last.t - spanMs) break;
      min = Math.min(min, sample[axis]);
      max = Math.max(max, sample[axis]);
    }
    return { min, max };
  }

  /** Forgets everything. */
  clear(): void {
    this.timedPoints = [];
  }
}

/**
 * Average velocity over roughly the last `spanMs` of timed samples (oldest first): from the newest
 * sample back to the newest one at least `spanMs` older (or the oldest given).
 * @returns units per second, or `undefined` with fewer than two samples or no time between them.
 */
export function velocity(samples: readonly TimedPoint[], spanMs = 50): Velocity | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  const last = samples[n - 1]!;
  let i = n - 2;
  while (i > 0 && samples[i]!.t > last.t - spanMs) i--;
  const first = samples[i]!;
  const dt = (last.t - first.t) / 1000;
  if (!(dt > 0)) return undefined;
  return { x: (last.x - first.x) / dt, y: (last.y - first.y) / dt, z: (last.z - first.z) / dt };
}
