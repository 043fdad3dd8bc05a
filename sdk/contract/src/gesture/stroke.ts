/**
 * Stroke detection for air drumming: "the hand came down and struck", once per stroke, early
 * when it can be, with an estimate of when the hand lands. Adapts to the hand's size in the
 * image and to the player's own strokes; robust to tracker jitter, drift, glitches and hands
 * appearing.
 */

import { brakingStopMs, predictLanding, strikingSpeed } from './stroke-landing.ts';
import { bottomTime, headingAt, strokeShaped } from './stroke-motion.ts';
import {
  DEFAULT_STROKE_OPTIONS,
  resolveStrokeOptions,
  type StrokeDetectorOptions,
} from './stroke-options.ts';
import { median, PlayerStrokeStats } from './stroke-player.ts';
import type { Descent, Sample, Stroke, StrokeSample } from './stroke-types.ts';

export type { Stroke, StrokeSample };
export { DEFAULT_STROKE_OPTIONS, type StrokeDetectorOptions };

/** A hand back within this many hand sizes of where it rested before a gap needs no new warm-up. */
const RESUME_STILL_SIZES = 0.1;

/** Samples that must hold within 0.1 hand sizes for the jitter to be measured on them. */
const NOISE_HOLD_SAMPLES = 5;

/**
 * Detects strokes in one coordinate of one hand over time: by default a position that grows,
 * like `y` when a hand moves down the image (for upward strokes pass `-y`). Use one detector per
 * hand (key them by {@link HandIdentity} ids) and pass the hand's size with each sample.
 *
 * How it decides:
 * - **Relative to the hand.** Travel and speed are measured in hand sizes (`sample.scale`, e.g.
 *   {@link handScale}; the median of recent sizes, so a one-frame misshapen hand doesn't count).
 *   A hand far from the camera plays small strokes in the image; they count the same.
 * - **A down-stroke** runs from its top (the highest point of the last `topWindowMs` since the
 *   last re-arm) while the hand keeps going down; a step up bigger than the hand's jitter ends it.
 * - **At the bottom** (the hand stops or turns back) it is a stroke when it travelled at least
 *   `minTravel`, peaked at `minSpeed` or more, and was *sharp*: travel ÷ peak speed under
 *   `maxStrokeTimeMs`. A hand lowered to rest, reaching or drifting is slow for its size; a
 *   gentle tap is not. It fires then, with `landingT` = the bottom (in the past, interpolated).
 * - **Early**, during the down-stroke: when its speed and travel reach the player's own (half
 *   the median peak speed and travel of the last `learnStrokes` strokes, never less than the
 *   floors above nor more than `earlySpeed`/`earlyTravel`, which apply until strokes are
 *   learned: 10 hand sizes/s after 0.3 hand sizes, the second or third frame of a typical
 *   stroke, faster than a hand lowered to rest ever goes). `landingT` then predicts the bottom:
 *   the travel left to the player's median travel (3× the travel so far before any is learned),
 *   covered at the current speed (a stroke's acceleration fades before its stop; one braking,
 *   from the last three samples, stops where its speed runs out), plus the player's own timing
 *   bias (the median error of the last `learnStrokes` early predictions against the bottoms
 *   then seen, at most ±50 ms), which absorbs the rest of the model's error for that player's
 *   style. {@link StrokeDetector.landingEstimate} refines it every sample until the bottom is seen.
 * - **Braking:** a gentle stroke eased into its bottom never reaches the early speed; when it
 *   has slowed below 70% of its peak and decelerates to a stop within 40 ms, and the stroke as
 *   it will end passes the tests at the bottom, it fires then, with `landingT` = the stop.
 * - **Once per stroke:** after firing it waits for the hand to come back up by `rearmFraction`
 *   of the stroke's travel (the upswing), so rolls of 8–10 strokes a second count once each,
 *   and jitter at the bottom never re-fires.
 * - **Glitches:** a sample far (`glitchJump`) from where the motion was heading is held for one
 *   sample: kept if the next agrees with it, dropped if the track comes back. A step faster than
 *   `maxSpeed`, a gap longer than `maxGapMs` or time going back restarts detection (a hand
 *   back within 0.1 hand sizes of where it rested before the gap skips the warm-up below).
 * - **New hands:** nothing fires until the hand has been followed for `warmupMs` and is not
 *   coming down; the motion before that (a hand entering the frame) never counts.
 * - **Jitter:** the hand's own noise (mean absolute second difference of its positions while
 *   it holds still: five samples within 0.1 hand sizes, so the brief turn at the top of fast
 *   taps doesn't count as holding) raises the travel floor to 8× it, so a shaky track needs a
 *   clearer stroke.
 * - **Learned statistics outlive {@link StrokeDetector.reset}:** the player's travel, speed and timing bias
 *   (the last `learnStrokes` strokes) and the hand's recent sizes are kept when the hand is
 *   forgotten, on the assumption that the same player comes back. When someone else takes over
 *   a detector, its early thresholds and landing predictions stay tuned to the previous player
 *   (and the scale to the previous hand's size) until `learnStrokes` new strokes replace them:
 *   a much smaller-stroking player fires only at the bottom meanwhile, and the first
 *   predictions may be off by up to the old bias. Create a new detector for a new player.
 *
 * @example
 * ```ts
 * const stroke = ctx.state.detector.update(frame.t, centroid(hand, KNUCKLES).y, { scale: handScale(hand, frame) });
 * if (stroke) ctx.play('snare', { velocity: stroke.strength });
 * ```
 */
export class StrokeDetector {
  private readonly o: Readonly<Required<StrokeDetectorOptions>>;
  /** Accepted samples since the last (re)start, newest last, within the top window. */
  private samples: Sample[] = [];
  private startT = Number.NaN;
  private settled = false;
  private scales: number[] = [];
  private pending: (Sample & { scale: number | undefined }) | undefined;
  /** The other coordinate of the newest sample being accepted. */
  private x = Number.NaN;
  private descent: Descent | undefined;
  /** The stroke fired and not yet re-armed: its descent (bottom tracked) and travel. */
  private fired: (Descent & { landingT: number; bottomSeen: boolean; predicted: number }) | undefined;
  /** Earliest time a new top may be taken from (the last re-arm). */
  private armedAt = Number.NEGATIVE_INFINITY;
  /** Mean absolute second difference of positions (hand sizes): the track's jitter. */
  private noise = 0;
  /** What was learned of the player; kept across resets. */
  private readonly player: PlayerStrokeStats;
  private strokes = 0;

  constructor(options: StrokeDetectorOptions = {}) {
    this.o = resolveStrokeOptions(options);
    this.player = new PlayerStrokeStats(this.o.learnStrokes);
  }

  /** Whether a stroke fired and the hand hasn't come back up yet. */
  get inStroke(): boolean {
    return this.fired !== undefined;
  }

  /** Strokes fired since construction. */
  get count(): number {
    return this.strokes;
  }

  /**
   * The current estimate of when the last fired stroke lands (ms), refined with every sample
   * until its bottom is seen; `undefined` when no stroke is under way.
   */
  get landingEstimate(): number | undefined {
    return this.fired?.landingT;
  }

  /**
   * Feeds one sample: time `t` in ms, the position, and optionally the hand's size. Returns the
   * stroke when one fires on this sample, else `undefined`. Non-finite input is ignored.
   */
  update(t: number, position: number, sample: StrokeSample = {}): Stroke | undefined {
    if (!Number.isFinite(t) || !Number.isFinite(position)) return undefined;
    const scale = Number.isFinite(sample.scale) && sample.scale! > 0 ? sample.scale : undefined;
    const x = Number.isFinite(sample.x) ? sample.x! : Number.NaN;
    const last = this.pending ?? this.samples[this.samples.length - 1];
    if (last) {
      const dt = t - last.t;
      if (dt < 0 || dt > this.o.maxGapMs) {
        // Back where it rested after a gap (the tracker stalled; the same hand): it has been
        // followed already, so a stroke starting right after the gap counts without a warm-up.
        const resumed =
          dt > 0 &&
          this.settled &&
          !this.fired &&
          !this.pending &&
          Math.abs(position - last.y) / this.scale() < RESUME_STILL_SIZES;
        this.restart();
        if (resumed) {
          this.settled = true;
          this.armedAt = t;
          this.startDescent(t, position);
        }
      } else if (dt === 0) return undefined;
    }
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      // The held sample was real if this one is nearer to it than to where the motion was heading.
      const heading = headingAt(this.samples, t);
      const stroke =
        heading === undefined || Math.abs(position - pending.y) < Math.abs(position - heading)
          ? this.accept(pending.t, pending.y, pending.x, pending.scale)
          : undefined;
      // A stroke found on the held sample is only known now: it fires on this one.
      return this.accept(t, position, x, scale) ?? (stroke && { ...stroke, t });
    }
    const heading = headingAt(this.samples, t);
    const newest = this.samples[this.samples.length - 1];
    if (
      heading !== undefined &&
      newest &&
      Math.min(Math.abs(position - heading), Math.abs(position - newest.y)) / this.scale() > this.o.glitchJump
    ) {
      this.pending = { t, y: position, x, scale };
      return undefined;
    }
    return this.accept(t, position, x, scale);
  }

  /**
   * Forgets the hand's motion (e.g. when it leaves): the next samples warm up again. What was
   * learned of the player (travel, speed, timing bias, hand size) stays: see the class notes;
   * use a new detector for a new player.
   */
  reset(): void {
    this.restart();
  }

  private restart(): void {
    this.samples = [];
    this.pending = undefined;
    this.startT = Number.NaN;
    this.settled = false;
    this.descent = undefined;
    this.fired = undefined;
    this.armedAt = Number.NEGATIVE_INFINITY;
    this.noise = 0;
  }

  /** The hand's size: the median of the recent sizes given. */
  private scale(): number {
    return this.scales.length ? median(this.scales) : this.o.defaultScale;
  }

  private accept(t: number, y: number, x: number, scale: number | undefined): Stroke | undefined {
    const o = this.o;
    if (scale !== undefined) {
      this.scales.push(scale);
      if (this.scales.length > 9) this.scales.shift();
    }
    const s = this.scale();
    const samples = this.samples;
    const prev = samples[samples.length - 1];
    if (prev && Math.abs(y - prev.y) / s / ((t - prev.t) / 1000) > o.maxSpeed) this.restart();
    if (Number.isNaN(this.startT)) this.startT = t;
    samples.push({ t, y, x });
    while (samples.length > 2 && samples[0]!.t < t - o.topWindowMs) samples.shift();
    const n = samples.length;
    // Measured only while the hand holds (five samples within 0.1 hand sizes): strokes and
    // rolls have big second differences too, and must not raise it; nor must the brief turn at
    // the top of a fast tap, which three samples can mistake for holding.
    if (n >= NOISE_HOLD_SAMPLES) {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = n - NOISE_HOLD_SAMPLES; i < n; i++) {
        min = Math.min(min, samples[i]!.y);
        max = Math.max(max, samples[i]!.y);
      }
      if ((max - min) / s < 0.1) {
        const second = Math.abs(samples[n - 1]!.y - 2 * samples[n - 2]!.y + samples[n - 3]!.y) / s;
        this.noise += (second - this.noise) * 0.1;
      }
    }
    if (!prev) return undefined;
    const step = (y - prev.y) / s;
    const speed = (step / (t - prev.t)) * 1000;
    if (!this.settled) {
      // The motion of a hand appearing is no stroke: arm once it has been followed for
      // `warmupMs` and is not coming down (still, or going up).
      this.armedAt = t;
      this.settled = t - this.startT >= o.warmupMs && speed < o.minSpeed;
      if (this.settled) this.startDescent(t, y);
      return undefined;
    }
    if (this.fired) return this.follow(t, y, s, speed);
    return this.detect(t, y, s, step, speed);
  }

  /** After firing: track the bottom, refine the landing, re-arm on the upswing. */
  private follow(t: number, y: number, s: number, speed: number): undefined {
    const fired = this.fired!;
    if (!fired.bottomSeen) {
      if (y > fired.bottomY) {
        const travelled = (y - fired.topY) / s;
        fired.peakSpeed = Math.max(fired.peakSpeed, speed);
        fired.bottomT = t;
        fired.bottomY = y;
        if (speed < fired.peakSpeed * 0.3) fired.bottomSeen = true;
        else fired.landingT = predictLanding(this.samples, this.scale(), this.player, t, travelled).landingT;
      } else fired.bottomSeen = true;
      if (fired.bottomSeen) {
        fired.landingT = bottomTime(this.samples, fired.bottomT);
        this.player.learnStroke((fired.bottomY - fired.topY) / s, fired.peakSpeed);
        if (Number.isFinite(fired.predicted)) this.player.learnLateness(fired.landingT - fired.predicted);
      }
    }
    const travel = (fired.bottomY - fired.topY) / s;
    const rise = Math.max(travel * this.o.rearmFraction, Math.min(this.noise * 4, travel * 0.5));
    if ((fired.bottomY - y) / s >= rise) {
      this.fired = undefined;
      this.armedAt = t;
      this.descent = undefined;
      this.startDescent(t, y);
    }
    return undefined;
  }

  private detect(t: number, y: number, s: number, step: number, speed: number): Stroke | undefined {
    const o = this.o;
    let descent = this.descent;
    if (!descent || step < -Math.max(this.noise * 2, 0.03)) {
      // Going up (or nothing yet): this may be the top of the next down-stroke.
      if (descent && step < 0 && this.descentEnded(descent, s)) {
        const stroke = this.fireAtBottom(t, s, descent);
        if (stroke) return stroke;
      }
      descent = this.startDescent(t, y);
      return undefined;
    }
    // Keep the top within the window.
    if (descent.topT < t - o.topWindowMs) {
      const top = this.top(t);
      descent.topT = top.t;
      descent.topY = top.y;
    }
    if (y > descent.bottomY) {
      descent.bottomY = y;
      descent.bottomT = t;
      if (step > 0) descent.downSteps++;
      descent.peakSpeed = Math.max(descent.peakSpeed, this.speed(t));
    } else if (this.descentEnded(descent, s)) {
      const stroke = this.fireAtBottom(t, s, descent);
      this.startDescent(t, y);
      return stroke;
    }
    const travel = (y - descent.topY) / s;
    if (descent.downSteps < 2 || y < descent.bottomY) return undefined;
    const { speed: earlySpeed, travel: earlyTravel } = this.player.earlyThresholds(o, this.travelFloor());
    const pace = Math.max(speed, this.speed(t));
    if (pace >= earlySpeed && travel >= earlyTravel && strokeShaped(this.samples, descent, s, this.o)) {
      const { landingT, predicted } = predictLanding(this.samples, this.scale(), this.player, t, travel);
      const stroke = this.fire(
        t,
        descent,
        landingT,
        true,
        travel,
        strikingSpeed(this.samples, this.scale(), this.player, travel, descent),
      );
      this.fired!.predicted = predicted;
      return stroke;
    }
    const stopMs = brakingStopMs(this.samples, s, descent, y, this.travelFloor(), this.o);
    if (Number.isFinite(stopMs)) return this.fire(t, descent, t + stopMs, true, travel);
    return undefined;
  }

  /** Whether the descent has stopped (this sample is no deeper) and was big enough to look at. */
  private descentEnded(descent: Descent, s: number): boolean {
    return (descent.bottomY - descent.topY) / s >= this.travelFloor();
  }

  private fireAtBottom(t: number, s: number, descent: Descent): Stroke | undefined {
    const travel = (descent.bottomY - descent.topY) / s;
    const o = this.o;
    if (descent.downSteps < 1 || travel < this.travelFloor() || descent.peakSpeed < o.minSpeed)
      return undefined;
    if ((travel / descent.peakSpeed) * 1000 > o.maxStrokeTimeMs) return undefined;
    if (!strokeShaped(this.samples, descent, s, this.o)) return undefined;
    const stroke = this.fire(t, descent, Number.NaN, false, travel);
    const fired = this.fired!;
    fired.bottomSeen = true;
    fired.landingT = bottomTime(this.samples, fired.bottomT);
    this.player.learnStroke(travel, descent.peakSpeed);
    return { ...stroke, landingT: fired.landingT };
  }

  private fire(
    t: number,
    descent: Descent,
    landingT: number,
    early: boolean,
    travel: number,
    striking = descent.peakSpeed,
  ): Stroke {
    this.strokes++;
    this.fired = { ...descent, landingT, bottomSeen: false, predicted: Number.NaN };
    this.descent = undefined;
    const speed = descent.peakSpeed;
    return {
      t,
      landingT,
      early,
      speed,
      strength: Math.min(1, Math.max(0.05, striking / this.o.fullSpeed)),
      distance: travel,
    };
  }

  private travelFloor(): number {
    return Math.max(this.o.minTravel, this.noise * 8);
  }

  /** Speed over the last ~2 samples (steadier than one step), hand sizes per second. */
  private speed(t: number): number {
    const samples = this.samples;
    const n = samples.length;
    const from = samples[Math.max(0, n - 3)]!;
    const last = samples[n - 1]!;
    if (last.t === from.t) return 0;
    return ((last.y - from.y) / this.scale() / (t - from.t)) * 1000;
  }

  private top(t: number): Sample {
    const from = Math.max(this.armedAt, t - this.o.topWindowMs);
    let top = this.samples[this.samples.length - 1]!;
    for (const p of this.samples) if (p.t >= from && p.y < top.y) top = p;
    return top;
  }

  private startDescent(t: number, y: number): Descent {
    this.descent = { topT: t, topY: y, bottomT: t, bottomY: y, peakSpeed: 0, downSteps: 0 };
    return this.descent;
  }
}
