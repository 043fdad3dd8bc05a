/**
 * Onset detection for strokes: "the hand just came down". Robust to what trackers do to a hand
 * that is held still (jitter, slow drift) and to jitter during a stroke (no double hits).
 */
import { LandmarkHistory } from './history.ts';

export interface StrokeDetectorOptions {
  /** Speed (units/s along the position, 1 = the frame's height per second) a stroke must reach. Default 1.2. */
  onsetSpeed?: number;
  /** Distance it must have travelled from its recent top before it counts. Default 0.07. */
  minDistance?: number;
  /**
   * Hysteresis: after a stroke fires, speed must drop below this (or reverse) before another can
   * start. Default 0.3.
   */
  releaseSpeed?: number;
  /** Shortest time between two strokes, in ms, whatever the motion does. Default 150. */
  refractoryMs?: number;
  /** Span over which speed is measured, in ms (longer = smoother, later). Default 50. */
  speedSpanMs?: number;
  /** How far back the stroke's top is looked for, in ms. Default 400. */
  topWindowMs?: number;
  /** A gap between samples longer than this restarts detection (the hand was lost). Default 250. */
  maxGapMs?: number;
  /** A jump faster than this (units/s) between two samples is a tracking glitch: detection restarts. Default 15. */
  maxSpeed?: number;
  /** Samples needed after a (re)start before a stroke can fire, so a hand appearing doesn't fire. Default 3. */
  warmupSamples?: number;
  /** Speed that maps to full {@link Stroke.strength}. Default 3. */
  fullSpeed?: number;
}

/** A detected stroke onset. */
export interface Stroke {
  /** Time (ms) of the sample on which it fired. */
  readonly t: number;
  /** Speed when it fired (the faster of the last step and the speed span), in units per second. */
  readonly speed: number;
  /** Speed mapped to 0..1 (`speed / fullSpeed`, at least 0.05): use it as the hit's velocity. */
  readonly strength: number;
  /** Distance travelled from the stroke's top when it fired. */
  readonly distance: number;
}

/**
 * Detects stroke onsets in one coordinate of one hand over time: by default a position that
 * grows, like `y` when a hand moves down the image. For upward strokes pass `-y`.
 *
 * It fires when the speed reaches `onsetSpeed` *and* the position has travelled `minDistance`
 * from its recent top, so slow drift and jitter never fire. After firing it waits until the
 * motion stops or reverses (speed below `releaseSpeed`) and `refractoryMs` has passed, so one
 * stroke fires once. A new hand, a lost hand and a tracking glitch restart it without firing.
 *
 * Use one detector per hand (key them by {@link HandIdentity} ids).
 *
 * @example
 * ```ts
 * const stroke = ctx.state.detector.update(frame.t, centroid(hand, KNUCKLES).y);
 * if (stroke) ctx.play('snare', { velocity: stroke.strength });
 * ```
 */
export class StrokeDetector {
  readonly #onsetSpeed: number;
  readonly #minDistance: number;
  readonly #releaseSpeed: number;
  readonly #refractoryMs: number;
  readonly #speedSpanMs: number;
  readonly #topWindowMs: number;
  readonly #maxGapMs: number;
  readonly #maxSpeed: number;
  readonly #warmup: number;
  readonly #fullSpeed: number;
  readonly #history: LandmarkHistory;
  #inStroke = false;
  /** Time from which the top of the next stroke is looked for (the last release). */
  #armedAt = Number.NEGATIVE_INFINITY;
  #lastFired = Number.NEGATIVE_INFINITY;
  #strokes = 0;

  constructor(options: StrokeDetectorOptions = {}) {
    this.#onsetSpeed = options.onsetSpeed ?? 1.2;
    this.#minDistance = options.minDistance ?? 0.07;
    this.#releaseSpeed = options.releaseSpeed ?? 0.3;
    this.#refractoryMs = options.refractoryMs ?? 150;
    this.#speedSpanMs = options.speedSpanMs ?? 50;
    this.#topWindowMs = options.topWindowMs ?? 400;
    this.#maxGapMs = options.maxGapMs ?? 250;
    this.#maxSpeed = options.maxSpeed ?? 15;
    this.#warmup = Math.max(2, options.warmupSamples ?? 3);
    this.#fullSpeed = options.fullSpeed ?? 3;
    if (!(this.#releaseSpeed < this.#onsetSpeed))
      throw new RangeError('StrokeDetector: releaseSpeed must be below onsetSpeed');
    this.#history = new LandmarkHistory({ windowMs: this.#topWindowMs + this.#speedSpanMs * 2 });
  }

  /** Whether a stroke is under way (fired, not yet released). */
  get inStroke(): boolean {
    return this.#inStroke;
  }

  /** Strokes fired since construction. */
  get count(): number {
    return this.#strokes;
  }

  /**
   * Feeds one sample: time `t` in ms and the position. Returns the stroke when one starts on this
   * sample, else `undefined`. Non-finite input is ignored.
   */
  update(t: number, position: number): Stroke | undefined {
    if (!Number.isFinite(t) || !Number.isFinite(position)) return undefined;
    const history = this.#history;
    const last = history.latest();
    if (last) {
      const dt = t - last.t;
      const jump = dt > 0 ? Math.abs(position - last.y) / (dt / 1000) : 0;
      if (dt < 0 || dt > this.#maxGapMs || jump > this.#maxSpeed) this.#restart();
    }
    history.push(t, { x: 0, y: position });
    if (history.length < this.#warmup) return undefined;
    const speed = history.velocity(this.#speedSpanMs)?.y ?? 0;
    if (this.#inStroke) {
      if (speed < this.#releaseSpeed) {
        this.#inStroke = false;
        this.#armedAt = t;
      }
      return undefined;
    }
    if (speed < this.#onsetSpeed || t - this.#lastFired < this.#refractoryMs) return undefined;
    const top = this.#top(t);
    const distance = position - top;
    if (distance < this.#minDistance) return undefined;
    this.#inStroke = true;
    this.#lastFired = t;
    this.#strokes++;
    // The span's speed includes the moments before the stroke began: the last step tells its pace better.
    const pace = Math.max(speed, history.velocity(0)?.y ?? 0);
    return { t, speed: pace, strength: Math.min(1, Math.max(0.05, pace / this.#fullSpeed)), distance };
  }

  /** Forgets the hand (e.g. when it leaves): the next samples warm up again. */
  reset(): void {
    this.#restart();
    this.#lastFired = Number.NEGATIVE_INFINITY;
  }

  #restart(): void {
    this.#history.clear();
    this.#inStroke = false;
    this.#armedAt = Number.NEGATIVE_INFINITY;
  }

  /** The smallest position since the last release, within the top window. */
  #top(t: number): number {
    const from = Math.max(this.#armedAt, t - this.#topWindowMs);
    let top = Number.POSITIVE_INFINITY;
    const samples = this.#history.samples;
    for (let i = samples.length - 1; i >= 0 && samples[i]!.t >= from; i--) top = Math.min(top, samples[i]!.y);
    return top;
  }
}
