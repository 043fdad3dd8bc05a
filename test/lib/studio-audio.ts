/**
 * Audio features of received hits, for telling two instrument sounds apart in the studio tests
 * (an edit changed the drum → its hits sound different).
 */
import type { Recording } from './client.ts';
import type { Onset } from './onsets.ts';

/** Spectral centroid (Hz) of `length` samples from `start`, Hann-windowed, by a plain DFT. */
export function spectralCentroid(
  samples: Float32Array,
  sampleRate: number,
  start: number,
  length = 1024,
): number {
  const n = Math.min(length, samples.length - start);
  if (n < 64) return Number.NaN;
  const frame = new Float64Array(n);
  for (let i = 0; i < n; i++)
    frame[i] = samples[start + i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  let weighted = 0;
  let total = 0;
  for (let k = 1; k < n / 2; k++) {
    let re = 0;
    let im = 0;
    const w = (-2 * Math.PI * k) / n;
    for (let i = 0; i < n; i++) {
      re += frame[i]! * Math.cos(w * i);
      im += frame[i]! * Math.sin(w * i);
    }
    const magnitude = Math.hypot(re, im);
    weighted += magnitude * ((k * sampleRate) / n);
    total += magnitude;
  }
  return total > 0 ? weighted / total : Number.NaN;
}

/** Energy (sum of squares) of `length` samples from `start`. */
export function energy(samples: Float32Array, start: number, length: number): number {
  let sum = 0;
  for (let i = start; i < Math.min(samples.length, start + length); i++) sum += samples[i]! * samples[i]!;
  return sum;
}

export interface HitFeatures {
  readonly timeMs: number;
  /** Page wall clock of the onset. */
  readonly at: number;
  readonly centroidHz: number;
  /** Energy of the first 100 ms. */
  readonly energy: number;
}

/** Centroid and energy of each onset's first ~21 ms (centroid) and 100 ms (energy). */
export function hitFeatures(recording: Recording, onsets: readonly Onset[]): HitFeatures[] {
  const { samples, sampleRate } = recording;
  return onsets.map((onset) => ({
    timeMs: onset.timeMs,
    at: recording.timeOf(onset.sample),
    centroidHz: spectralCentroid(samples, sampleRate, onset.sample, 1024),
    energy: energy(samples, onset.sample, Math.round(sampleRate * 0.1)),
  }));
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
