/**
 * The 1€ filter (Casiez, Roussel, Vogel, CHI 2012): smooths jitter when a value moves slowly and
 * follows quickly when it moves fast, with little lag. Good for pointer-like landmark positions.
 */

export interface OneEuroOptions {
  /** Cut-off (Hz) at rest: lower = smoother but laggier. Default 1. */
  minCutoff?: number;
  /** How fast the cut-off rises with speed: higher = less lag on fast moves. Default 0.5. */
  beta?: number;
  /** Cut-off (Hz) for the speed estimate. Default 1. */
  derivativeCutoff?: number;
}

/**
 * Smooths one value over time.
 *
 * @example
 * ```ts
 * state: () => ({ y: new OneEuroFilter({ minCutoff: 1, beta: 0.5 }) }),
 * onFrame(frame, ctx) {
 *   const y = ctx.state.y.filter(frame.t, frame.hands[0].landmarks[WRIST].y);
 * }
 * ```
 */
export class OneEuroFilter {
  private readonly minCutoff: number;
  private readonly beta: number;
  private readonly derivativeCutoff: number;
  private last: { t: number; value: number; derivative: number } | undefined;

  constructor(options: OneEuroOptions = {}) {
    const { minCutoff = 1, beta = 0.5, derivativeCutoff = 1 } = options;
    this.minCutoff = minCutoff;
    this.beta = beta;
    this.derivativeCutoff = derivativeCutoff;
  }

  /**
   * Filters `value` observed at time `t` (ms) and returns the smoothed value. The first value, a
   * repeated or earlier time, passes through (and restarts the filter when time went backwards).
   */
  filter(t: number, value: number): number {
    if (!Number.isFinite(value) || !Number.isFinite(t)) return this.last?.value ?? value;
    const last = this.last;
    if (!last || t < last.t) {
      this.last = { t, value, derivative: 0 };
      return value;
    }
    const dt = (t - last.t) / 1000;
    if (dt === 0) return last.value;
    const derivative = smooth(last.derivative, (value - last.value) / dt, alpha(this.derivativeCutoff, dt));
    const cutoff = this.minCutoff + this.beta * Math.abs(derivative);
    const filtered = smooth(last.value, value, alpha(cutoff, dt));
    this.last = { t, value: filtered, derivative };
    return filtered;
  }

  /** Forgets the past: the next value passes through. */
  reset(): void {
    this.last = undefined;
  }
}

/** Three {@link OneEuroFilter}s, one per axis, for a point. */
export class OneEuroPointFilter {
  private readonly x: OneEuroFilter;
  private readonly y: OneEuroFilter;
  private readonly z: OneEuroFilter;

  constructor(options: OneEuroOptions = {}) {
    this.x = new OneEuroFilter(options);
    this.y = new OneEuroFilter(options);
    this.z = new OneEuroFilter(options);
  }

  /** Filters a point observed at `t` (ms). */
  filter(t: number, point: { x: number; y: number; z?: number }): { x: number; y: number; z: number } {
    return {
      x: this.x.filter(t, point.x),
      y: this.y.filter(t, point.y),
      z: this.z.filter(t, point.z ?? 0),
    };
  }

  /** Forgets the past. */
  reset(): void {
    this.x.reset();
    this.y.reset();
    this.z.reset();
  }
}

function alpha(cutoff: number, dt: number): number {
  const tau = 1 / (2 * Math.PI * cutoff);
  return 1 / (1 + tau / dt);
}

function smooth(previous: number, value: number, a: number): number {
  return previous + a * (value - previous);
}
