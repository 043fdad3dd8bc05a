import assert from 'node:assert/strict';
import { test } from 'node:test';
import { letterboxRoi, sampleRoi } from './sample.ts';

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
