/** When a down-stroke fired early will land, and how hard it will strike: the detector's landing model. */

import { motionAt, strokeShaped } from './stroke-motion.ts';
import type { StrokeDetectorOptions } from './stroke-options.ts';
import type { PlayerStrokeStats } from './stroke-player.ts';
import type { Descent, Sample } from './stroke-types.ts';

/**
 * A down-stroke slowed below this fraction of its peak speed and decelerating is braking into
 * its bottom (see `BRAKING_STOP_MS`).
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
 * When the hand lands, predicted at time `t` (the newest sample), `travel` into the
 * down-stroke: {@link remainingMs}, corrected by the player's learned bias (the median error
 * of the last early strokes' predictions). `predicted` is the uncorrected prediction.
 */
export function predictLanding(
  samples: readonly Sample[],
  s: number,
  player: PlayerStrokeStats,
  t: number,
  travel: number,
): { landingT: number; predicted: number } {
  const predicted = t + remainingMs(samples, s, player, travel);
  const bias = player.bias();
  return {
    landingT: Math.max(t, predicted + Math.max(-MAX_BIAS_MS, Math.min(MAX_BIAS_MS, bias))),
    predicted,
  };
}

/**
 * Time (ms) from the newest sample to the bottom, `travel` (hand sizes) into the down-stroke:
 * the player's median travel (before any is learned, 3× the
 * travel so far) left to go, covered at the current speed; one already braking (from the last
 * three samples) stops where its speed runs out, if that comes first. A stroke still speeding
 * up is taken at its current speed: its acceleration fades before the stop, and extrapolating
 * it predicted landings ~15 ms early on the corpus.
 */
export function remainingMs(
  samples: readonly Sample[],
  s: number,
  player: PlayerStrokeStats,
  travel: number,
): number {
  // Braking only: a stroke's acceleration fades before its stop, so extrapolating it lands too soon.
  const { speed, accel: measured } = motionAt(samples, s);
  const accel = Math.min(0, measured);
  const expected = player.expectedTravel(travel);
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
export function strikingSpeed(
  samples: readonly Sample[],
  s: number,
  player: PlayerStrokeStats,
  travel: number,
  descent: Descent,
): number {
  const { speed, accel } = motionAt(samples, s);
  const expected = player.expectedTravel(travel);
  const heading = Math.sqrt(speed * speed + 2 * Math.max(0, accel) * (expected - travel)) * 1000;
  const even = descent.peakSpeed * Math.sqrt(expected / travel);
  return Math.max(descent.peakSpeed, Math.min(heading, even));
}

/**
 * Whether a down-stroke that is braking will stop within `BRAKING_STOP_MS` (at its current speed and
 * deceleration), and would then pass the tests at the bottom: a gentle stroke, eased into its
 * bottom, fires a frame early. Returns the time to the stop (ms), or NaN. `s` is the hand's size.
 */
export function brakingStopMs(
  samples: readonly Sample[],
  s: number,
  descent: Descent,
  y: number,
  travelFloor: number,
  o: Readonly<Required<StrokeDetectorOptions>>,
): number {
  const { speed, accel } = motionAt(samples, s);
  if (!(accel < 0) || speed * 1000 > descent.peakSpeed * BRAKING_FRACTION) return Number.NaN;
  const ms = speed / -accel;
  if (ms > BRAKING_STOP_MS) return Number.NaN;
  const travel = (y - descent.topY) / s + (speed * ms) / 2;
  if (travel < travelFloor || descent.peakSpeed < o.minSpeed) return Number.NaN;
  if ((travel / descent.peakSpeed) * 1000 > o.maxStrokeTimeMs) return Number.NaN;
  return strokeShaped(samples, descent, s, o) ? ms : Number.NaN;
}
