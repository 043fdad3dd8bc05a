/**
 * Sample-rate conversion for shipped WAV samples, done once at load. A windowed-sinc
 * (Blackman) interpolator: clean enough for drum samples, and its cut-off follows the lower
 * of the two rates so downsampling doesn't alias.
 */

const HALF_TAPS = 16;

/** Resamples one channel from `fromRate` to `toRate`. Returns the input itself when the rates match. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return input;
  const ratio = toRate / fromRate;
  const outLength = Math.max(1, Math.round(input.length * ratio));
  const out = new Float32Array(outLength);
  const cutoff = Math.min(1, ratio); // relative to the input's Nyquist
  const halfWidth = HALF_TAPS / cutoff; // in input samples
  for (let i = 0; i < outLength; i++) {
    const centre = i / ratio;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(centre + halfWidth));
    let sum = 0;
    let weights = 0;
    for (let j = first; j <= last; j++) {
      const d = j - centre;
      const w = sinc(d * cutoff) * blackman(d / halfWidth);
      sum += input[j]! * w;
      weights += w;
    }
    out[i] = weights > 0 ? sum / weights : 0;
  }
  return out;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Blackman window over [-1, 1]. */
function blackman(x: number): number {
  if (x <= -1 || x >= 1) return 0;
  const p = Math.PI * (x + 1); // 0..2π across the window
  return 0.42 - 0.5 * Math.cos(p) + 0.08 * Math.cos(2 * p);
}
