/** Measures on a hand's recent samples (newest last) that a {@link StrokeDetector} decides with. */
import type { StrokeDetectorOptions } from './stroke-options.ts';
import type { Descent, Sample } from './stroke-types.ts';

/** Where the motion was heading at time t (linear from the last two samples). */
export function headingAt(samples: readonly Sample[], t: number): number | undefined {
  const n = samples.length;
  if (n < 2) return undefined;
  const a = samples[n - 2]!;
  const b = samples[n - 1]!;
  return b.y + ((b.y - a.y) / (b.t - a.t)) * (t - b.t);
}

/**
 * Speed (hand sizes per ms, ≥ 1e-6) and acceleration (hand sizes per ms²) at the newest
 * sample, from the last three samples; `s` is the hand's size.
 */
export function motionAt(samples: readonly Sample[], s: number): { speed: number; accel: number } {
  const n = samples.length;
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
 * The bottom's time, sub-frame: the deepest sample (at `bottomT`), moved towards its deeper
 * neighbour by a parabola through the three samples around it (a sharp stop puts it near the
 * deepest one).
 */
export function bottomTime(samples: readonly Sample[], bottomT: number): number {
  const i = samples.findIndex((p) => p.t === bottomT);
  if (i <= 0 || i >= samples.length - 1) return bottomT;
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
 * Whether the down-stroke so far is short (moving fast for at most `maxDownMs`) and mostly
 * vertical (sideways travel at most `maxSideways` × its depth).
 */
export function strokeShaped(
  samples: readonly Sample[],
  descent: Descent,
  s: number,
  o: Readonly<Required<StrokeDetectorOptions>>,
): boolean {
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
