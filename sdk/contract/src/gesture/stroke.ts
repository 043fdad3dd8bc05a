/**
 * Stroke detection for air drumming: "the hand came down and struck", once per stroke, early
 * when it can be, with an estimate of when the hand lands. Adapts to the hand's size in the
 * image and to the player's own strokes; robust to tracker jitter, drift, glitches and hands
 * appearing.
 */

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

interface Sample {
  t: number;
  /** Position in position units (not divided by the scale). */
  y: number;
  /** The other coordinate, or NaN. */
  x: number;
}

/** What the detector knows of one down-stroke. */
interface Descent {
  topT: number;
  topY: number;
  /** Deepest sample so far. */
  bottomT: number;
  bottomY: number;
  peakSpeed: number;
  downSteps: number;
}

/** Samples that must hold within 0.1 hand sizes for the jitter to be measured on them. */
const NOISE_HOLD_SAMPLES = 5;

/**
 * A down-stroke slowed below this fraction of its peak speed and decelerating is braking into
 * its bottom (see {@link BRAKING_STOP_MS}).
 */
const BRAKING_FRACTION = 0.7;
/**
 * A braking down-stroke that will stop within this (ms, at its current deceleration) fires now,
 * about a frame before its bottom, when it would pass the tests at the bottom.
 */
const BRAKING_STOP_MS = 40;
/** Most the learned timing bias (ms) may move a predicted landing. */
const MAX_BIAS_MS = 50;
/**
 * Before any stroke is learned, a down-stroke fired early is expected to travel this many times
 * its travel so far: with the unlearned thresholds (`earlyTravel` 0.3 hand sizes) it fires about
 * a third of the way down a typical 1–2 hand-size stroke.
 */
const UNLEARNED_TRAVEL_FACTOR = 3;

/** Median of a short list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

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
 *   `maxSpeed`, a gap longer than `maxGapMs` or time going back restarts detection.
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
  private learned: { travel: number; speed: number }[] = [];
  /** Bottom time − uncorrected fire-time prediction of the last early strokes (ms): the player's bias. */
  private lateness: number[] = [];
  private strokes = 0;

  constructor(options: StrokeDetectorOptions = {}) {
    const o = { ...DEFAULT_STROKE_OPTIONS };
    for (const [key, value] of Object.entries(options) as [
      keyof StrokeDetectorOptions,
      number | undefined,
    ][]) {
      if (value === undefined) continue;
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`StrokeDetector: ${key} must be a finite number >= 0, got ${value}`);
      o[key] = value;
    }
    if (!(o.defaultScale > 0)) throw new RangeError('StrokeDetector: defaultScale must be above 0');
    this.o = o;
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
      if (dt < 0 || dt > this.o.maxGapMs) this.restart();
      else if (dt === 0) return undefined;
    }
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      // The held sample was real if this one is nearer to it than to where the motion was heading.
      const heading = this.predict(t);
      const stroke =
        heading === undefined || Math.abs(position - pending.y) < Math.abs(position - heading)
          ? this.accept(pending.t, pending.y, pending.x, pending.scale)
          : undefined;
      // A stroke found on the held sample is only known now: it fires on this one.
      return this.accept(t, position, x, scale) ?? (stroke && { ...stroke, t });
    }
    const heading = this.predict(t);
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

  /** Where the motion was heading at time t (linear from the last two samples). */
  private predict(t: number): number | undefined {
    const n = this.samples.length;
    if (n < 2) return undefined;
    const a = this.samples[n - 2]!;
    const b = this.samples[n - 1]!;
    return b.y + ((b.y - a.y) / (b.t - a.t)) * (t - b.t);
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
        else fired.landingT = this.landing(t, travelled).landingT;
      } else fired.bottomSeen = true;
      if (fired.bottomSeen) {
        fired.landingT = this.bottomTime();
        this.learn((fired.bottomY - fired.topY) / s, fired.peakSpeed);
        if (Number.isFinite(fired.predicted)) {
          this.lateness.push(fired.landingT - fired.predicted);
          if (this.lateness.length > this.o.learnStrokes) this.lateness.shift();
        }
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
    const { speed: earlySpeed, travel: earlyTravel } = this.earlyThresholds();
    const pace = Math.max(speed, this.speed(t));
    if (pace >= earlySpeed && travel >= earlyTravel && this.strokeShaped(descent, s)) {
      const { landingT, predicted } = this.landing(t, travel);
      const stroke = this.fire(t, descent, landingT, true, travel, this.strikingSpeed(travel, descent));
      this.fired!.predicted = predicted;
      return stroke;
    }
    const stopMs = this.brakingStopMs(descent, s, y);
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
    if (!this.strokeShaped(descent, s)) return undefined;
    const stroke = this.fire(t, descent, Number.NaN, false, travel);
    const fired = this.fired!;
    fired.bottomSeen = true;
    fired.landingT = this.bottomTime();
    this.learn(travel, descent.peakSpeed);
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

  /**
   * The bottom's time, sub-frame: the deepest sample, moved towards its deeper neighbour by a
   * parabola through the three samples around it (a sharp stop puts it near the deepest one).
   */
  private bottomTime(): number {
    const fired = this.fired!;
    const samples = this.samples;
    const i = samples.findIndex((p) => p.t === fired.bottomT);
    if (i <= 0 || i >= samples.length - 1) return fired.bottomT;
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const c = samples[i + 1]!;
    const denominator = a.y - 2 * b.y + c.y;
    if (!(denominator < 0)) return b.t;
    const shift = (0.5 * (a.y - c.y)) / denominator; // in samples, −0.5..0.5
    const dt = shift < 0 ? b.t - a.t : c.t - b.t;
    return b.t + Math.max(-0.5, Math.min(0.5, shift)) * dt;
  }

  /**
   * When the hand lands, predicted at time `t` (the newest sample), `travel` into the
   * down-stroke: {@link StrokeDetector.remainingMs}, corrected by the player's learned bias (the median error
   * of the last early strokes' predictions). `predicted` is the uncorrected prediction.
   */
  private landing(t: number, travel: number): { landingT: number; predicted: number } {
    const predicted = t + this.remainingMs(travel);
    const bias = this.lateness.length >= 3 ? median(this.lateness) : 0;
    return {
      landingT: Math.max(t, predicted + Math.max(-MAX_BIAS_MS, Math.min(MAX_BIAS_MS, bias))),
      predicted,
    };
  }

  /**
   * Time (ms) from the newest sample to the bottom, `travel` (hand sizes) into the down-stroke:
   * the player's median travel (before any is learned, {@link UNLEARNED_TRAVEL_FACTOR} × the
   * travel so far) left to go, covered at the current speed; one already braking (from the last
   * three samples) stops where its speed runs out, if that comes first. A stroke still speeding
   * up is taken at its current speed: its acceleration fades before the stop, and extrapolating
   * it predicted landings ~15 ms early on the corpus.
   */
  private remainingMs(travel: number): number {
    // Braking only: a stroke's acceleration fades before its stop, so extrapolating it lands too soon.
    const { speed, accel: measured } = this.motion();
    const accel = Math.min(0, measured);
    const expected = this.expectedTravel(travel);
    const left = Math.max(0, expected - travel);
    let ms: number;
    if (Math.abs(accel) < 1e-9) ms = left / speed;
    else {
      const disc = speed * speed + 2 * accel * left;
      ms = disc < 0 ? speed / -accel : (Math.sqrt(disc) - speed) / accel;
    }
    return Math.min(150, Math.max(0, ms));
  }

  /**
   * The speed (hand sizes/s) a down-stroke `travel` deep so far will strike with: a hand still
   * speeding up keeps speeding up over the travel left (at its current acceleration, at most as
   * much as accelerating evenly from its top would give, speed ∝ √distance).
   */
  private strikingSpeed(travel: number, descent: Descent): number {
    const { speed, accel } = this.motion();
    const expected = this.expectedTravel(travel);
    const heading = Math.sqrt(speed * speed + 2 * Math.max(0, accel) * (expected - travel)) * 1000;
    const even = descent.peakSpeed * Math.sqrt(expected / travel);
    return Math.max(descent.peakSpeed, Math.min(heading, even));
  }

  /** The travel (hand sizes) a down-stroke `travel` deep so far is expected to end with. */
  private expectedTravel(travel: number): number {
    const expected = this.learned.length
      ? median(this.learned.map((l) => l.travel))
      : travel * UNLEARNED_TRAVEL_FACTOR;
    return Math.max(travel, expected);
  }

  /**
   * Speed (hand sizes per ms, ≥ 1e-6) and acceleration (hand sizes per ms²) at the newest
   * sample, from the last three samples.
   */
  private motion(): { speed: number; accel: number } {
    const samples = this.samples;
    const n = samples.length;
    const s = this.scale();
    const c = samples[n - 1]!;
    const b = samples[n - 2]!;
    const stepSpeed = (c.y - b.y) / s / (c.t - b.t); // at the step's middle
    let accel = 0;
    const a = samples[n - 3];
    if (a && a.t < b.t) {
      const before = (b.y - a.y) / s / (b.t - a.t);
      accel = (stepSpeed - before) / ((c.t - a.t) / 2);
    }
    return { speed: Math.max(1e-6, stepSpeed + (accel * (c.t - b.t)) / 2), accel };
  }

  /**
   * Whether a down-stroke that is braking will stop within {@link BRAKING_STOP_MS} (at its current speed and
   * deceleration), and would then pass the tests at the bottom: a gentle stroke, eased into its
   * bottom, fires a frame early. Returns the time to the stop (ms), or NaN.
   */
  private brakingStopMs(descent: Descent, s: number, y: number): number {
    const { speed, accel } = this.motion();
    if (!(accel < 0) || speed * 1000 > descent.peakSpeed * BRAKING_FRACTION) return Number.NaN;
    const ms = speed / -accel;
    if (ms > BRAKING_STOP_MS) return Number.NaN;
    const travel = (y - descent.topY) / s + (speed * ms) / 2;
    if (travel < this.travelFloor() || descent.peakSpeed < this.o.minSpeed) return Number.NaN;
    if ((travel / descent.peakSpeed) * 1000 > this.o.maxStrokeTimeMs) return Number.NaN;
    return this.strokeShaped(descent, s) ? ms : Number.NaN;
  }

  /**
   * Whether the down-stroke so far is short (moving fast for at most `maxDownMs`) and mostly
   * vertical (sideways travel at most `maxSideways` × its depth).
   */
  private strokeShaped(descent: Descent, s: number): boolean {
    const samples = this.samples;
    const o = this.o;
    let active = Number.NaN;
    let minX = Number.POSITIVE_INFINITY;
    let maxX = Number.NEGATIVE_INFINITY;
    for (let i = 1; i < samples.length; i++) {
      const a = samples[i - 1]!;
      const b = samples[i]!;
      if (b.t < descent.topT || b.t > descent.bottomT) continue;
      const speed = ((b.y - a.y) / s / (b.t - a.t)) * 1000;
      if (Number.isNaN(active) && speed >= descent.peakSpeed * 0.3) active = a.t;
      minX = Math.min(minX, a.x, b.x);
      maxX = Math.max(maxX, a.x, b.x);
    }
    if (!Number.isNaN(active) && descent.bottomT - active > o.maxDownMs) return false;
    const sideways = maxX - minX;
    return !(sideways > o.maxSideways * (descent.bottomY - descent.topY));
  }

  private learn(travel: number, speed: number): void {
    this.learned.push({ travel, speed });
    if (this.learned.length > this.o.learnStrokes) this.learned.shift();
  }

  private earlyThresholds(): { speed: number; travel: number } {
    const o = this.o;
    // Never under the travel floor: a jittery track needs a clearer stroke, learned or not.
    if (this.learned.length < 3)
      return { speed: o.earlySpeed, travel: Math.max(this.travelFloor(), o.earlyTravel) };
    const speed = median(this.learned.map((l) => l.speed)) * o.earlyFraction;
    const travel = median(this.learned.map((l) => l.travel)) * o.earlyFraction;
    return {
      speed: Math.min(o.earlySpeed, Math.max(o.minSpeed * 2, speed)),
      travel: Math.max(
        this.travelFloor(),
        Math.min(o.earlyTravel, Math.max(this.travelFloor() * 1.5, travel)),
      ),
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
