import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Roi } from './geometry.ts';
import { type Border, letterboxRoi, sampleRoi } from './roi-crop.ts';

/** A 4x2 image whose red channel is 10 * x + 100 * y. */
const image = {
  width: 4,
  height: 2,
  data: Uint8Array.from({ length: 24 }, (_, i) => {
    const pixel = Math.floor(i / 3);
    return i % 3 === 0 ? 10 * (pixel % 4) + 100 * Math.floor(pixel / 4) : 7;
  }),
};
const red = (out: Float32Array, size: number) =>
  Array.from(out.subarray(0, size * size), (v) => Math.round(v * 255));

test('an axis-aligned ROI resamples pixel centres bilinearly, scaled to [0, 1]', () => {
  const out = new Float32Array(3 * 4);
  // A 2x2 output over a 2-pixel square whose top-left corner is pixel (1, 0)'s centre.
  sampleRoi(image, { cx: 2, cy: 1, size: 2, rotation: 0 }, 2, 'replicate', out);
  assert.deepEqual(red(out, 2), [10, 20, 110, 120]);
  assert.ok(Math.abs(out[4]! - 7 / 255) < 1e-6, 'green plane follows the red one (NCHW)');
});

test('a half-turned ROI flips the crop', () => {
  const out = new Float32Array(3 * 4);
  const roi = { cx: 2, cy: 0.5, size: 2, rotation: 0 };
  sampleRoi(image, roi, 2, 'replicate', out);
  // Upright: row 0 samples y = -0.5 (clamped to row 0), row 1 samples y = 0.5 (between the rows).
  assert.deepEqual(red(out, 2), [10, 20, 60, 70]);
  sampleRoi(image, { ...roi, rotation: Math.PI }, 2, 'replicate', out);
  // Turned: row 0 samples y = 1.5 (clamped to row 1) from x = 3 leftwards, row 1 samples y = 0.5.
  assert.deepEqual(red(out, 2), [130, 120, 80, 70]);
});

test('outside the image is zero for the letterbox and the edge pixel for hand crops', () => {
  const zero = new Float32Array(3 * 16);
  const replicate = new Float32Array(3 * 16);
  const box = letterboxRoi(image.width, image.height);
  assert.deepEqual(box, { cx: 2, cy: 1, size: 4, rotation: 0 });
  sampleRoi(image, box, 4, 'zero', zero);
  sampleRoi(image, box, 4, 'replicate', replicate);
  // Output row 0 samples y = -1: all border.
  assert.deepEqual(red(zero, 4).slice(0, 4), [0, 0, 0, 0]);
  assert.deepEqual(red(replicate, 4).slice(0, 4), [0, 10, 20, 30]);
  // Output row 1 samples y = 0: the image's first row in both.
  assert.deepEqual(red(zero, 4).slice(4, 8), [0, 10, 20, 30]);
});

test('a wrongly sized output buffer is a clear error', () => {
  assert.throws(
    () => sampleRoi(image, letterboxRoi(4, 2), 4, 'zero', new Float32Array(5)),
    /must hold 48 floats/,
  );
});

/**
 * The straightforward per-pixel sampler `sampleRoi` must reproduce: every pixel through the
 * checked border path, at the same source coordinates (row start + u * step).
 */
function referenceSample(
  image: { data: Uint8Array; width: number; height: number },
  roi: Roi,
  size: number,
  border: Border,
): Float32Array {
  const { data, width, height } = image;
  const out = new Float32Array(3 * size * size);
  const scale = roi.size / size;
  const cos = Math.cos(roi.rotation) * scale;
  const sin = Math.sin(roi.rotation) * scale;
  const half = size / 2;
  const originX = roi.cx - half * cos + half * sin;
  const originY = roi.cy - half * sin - half * cos;
  const inImage = (x: number, y: number) => x >= 0 && x < width && y >= 0 && y < height;
  const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = originX - v * sin + u * cos;
      const y = originY + v * cos + u * sin;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      const taps: [number, number, number][] = [
        [x0, y0, (1 - fx) * (1 - fy)],
        [x0 + 1, y0, fx * (1 - fy)],
        [x0, y0 + 1, (1 - fx) * fy],
        [x0 + 1, y0 + 1, fx * fy],
      ];
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (const [tx, ty, weight] of taps) {
          if (border === 'zero' && !inImage(tx, ty)) continue;
          sum += data[3 * (clamp(ty, height - 1) * width + clamp(tx, width - 1)) + c]! * weight;
        }
        out[c * size * size + v * size + u] = sum / 255;
      }
    }
  }
  return out;
}

test('the unchecked inside span and the checked border path agree with a plain reference', () => {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const photo = {
    width: 37,
    height: 23,
    data: Uint8Array.from({ length: 37 * 23 * 3 }, () => random() * 256),
  };
  const rois: Roi[] = [
    letterboxRoi(photo.width, photo.height),
    // Samples on integer coordinates up to the last row and column: the edge cases of the span.
    { cx: 18, cy: 11, size: 36, rotation: 0 },
    { cx: 18, cy: 11, size: 22, rotation: Math.PI / 2 },
    { cx: 18.5, cy: 11.5, size: 37, rotation: Math.PI },
    // Wholly outside, and mostly outside: zero rows and columns beside computed ones.
    { cx: -30, cy: 11, size: 10, rotation: 0.3 },
    { cx: 18, cy: 11, size: 120, rotation: 0.2 },
  ];
  for (let i = 0; i < 60; i++) {
    rois.push({
      cx: random() * 50 - 6,
      cy: random() * 36 - 6,
      size: 2 + random() * 40,
      rotation: (random() - 0.5) * 7,
    });
  }
  for (const roi of rois) {
    for (const border of ['zero', 'replicate'] as const) {
      for (const size of [1, 7, 16]) {
        const out = new Float32Array(3 * size * size);
        sampleRoi(photo, roi, size, border, out);
        const expected = referenceSample(photo, roi, size, border);
        for (let k = 0; k < out.length; k++) {
          if (Math.abs(out[k]! - expected[k]!) > 1e-6)
            assert.fail(`${JSON.stringify(roi)} ${border} ${size}: [${k}] ${out[k]} != ${expected[k]}`);
        }
      }
    }
  }
});
