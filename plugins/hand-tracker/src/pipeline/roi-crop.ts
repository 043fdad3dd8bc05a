/**
 * Cuts a model input out of an image: the pixels under a (rotated) square ROI, resampled
 * bilinearly to `size` x `size`, as planar float RGB in [0, 1] (NCHW, what the converted models
 * take). Like MediaPipe's OpenCV path, the ROI's corners map to the output's corners and pixel
 * centres sit at integer coordinates.
 */
import type { RgbImage } from '../types.ts';
import type { Roi } from './geometry.ts';

/** What lies outside the image: zeros (palm letterbox) or the nearest edge pixel (hand crop). */
export type Border = 'zero' | 'replicate';

/** The square ROI that letterboxes the whole image (its long side, centred). */
export function letterboxRoi(width: number, height: number): Roi {
  return { cx: width / 2, cy: height / 2, size: Math.max(width, height), rotation: 0 };
}

/** Rounding slack for the spans below: far above the ~1e-13 px error of a sample coordinate. */
const MARGIN = 1e-6;

/** The outputs `u` in [0, n) whose coordinate `start + u * step` lies in [lo, hi], as [first, end). */
function span(start: number, step: number, lo: number, hi: number, n: number): [number, number] {
  if (step === 0) return start >= lo && start <= hi ? [0, n] : [0, 0];
  let first = (lo - start) / step;
  let last = (hi - start) / step;
  if (step < 0) [first, last] = [last, first];
  const from = Math.max(0, Math.ceil(first));
  const to = Math.min(n, Math.floor(last) + 1);
  return from < to ? [from, to] : [0, 0];
}

/** Writes the `size` x `size` crop of `roi` into `out` (length 3 * size * size, NCHW order). */
export function sampleRoi(image: RgbImage, roi: Roi, size: number, border: Border, out: Float32Array): void {
  const { data, width, height } = image;
  const plane = size * size;
  if (out.length !== 3 * plane) throw new RangeError(`output must hold ${3 * plane} floats`);
  const plane2 = 2 * plane;
  const scale = roi.size / size;
  const cos = Math.cos(roi.rotation) * scale;
  const sin = Math.sin(roi.rotation) * scale;
  // Source position of output pixel (u, v): origin + u * (cos, sin) + v * (-sin, cos).
  const half = size / 2;
  const originX = roi.cx - half * cos + half * sin;
  const originY = roi.cy - half * sin - half * cos;
  const replicate = border === 'replicate';
  const inv = 1 / 255;
  const maxX = width - 1;
  const maxY = height - 1;
  const stride = 3 * width;
  // One 32-bit and one 16-bit read fetch a pixel and its right neighbour (6 bytes): a third
  // of the bounds-checked byte reads.
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);

  /** Output pixels `row + from` to `row + to - 1`, whose neighbours may lie outside the image. */
  const borderSpan = (row: number, from: number, to: number, rowX: number, rowY: number): void => {
    for (let u = from; u < to; u++) {
      const x = rowX + u * cos;
      const y = rowY + u * sin;
      let x0 = Math.floor(x);
      let y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      let x1 = x0 + 1;
      let y1 = y0 + 1;
      let w00 = (1 - fx) * (1 - fy);
      let w10 = fx * (1 - fy);
      let w01 = (1 - fx) * fy;
      let w11 = fx * fy;
      if (x0 < 0 || y0 < 0 || x1 > maxX || y1 > maxY) {
        if (!replicate) {
          // Outside neighbours contribute zero.
          if (x0 < 0 || x0 > maxX) w00 = w01 = 0;
          if (x1 < 0 || x1 > maxX) w10 = w11 = 0;
          if (y0 < 0 || y0 > maxY) w00 = w10 = 0;
          if (y1 < 0 || y1 > maxY) w01 = w11 = 0;
        }
        x0 = Math.min(Math.max(x0, 0), maxX);
        x1 = Math.min(Math.max(x1, 0), maxX);
        y0 = Math.min(Math.max(y0, 0), maxY);
        y1 = Math.min(Math.max(y1, 0), maxY);
      }
      const p00 = 3 * (y0 * width + x0);
      const p10 = 3 * (y0 * width + x1);
      const p01 = 3 * (y1 * width + x0);
      const p11 = 3 * (y1 * width + x1);
      const o = row + u;
      for (let c = 0; c < 3; c++) {
        out[c * plane + o] =
          (data[p00 + c]! * w00 + data[p10 + c]! * w10 + data[p01 + c]! * w01 + data[p11 + c]! * w11) * inv;
      }
    }
  };

  for (let v = 0; v < size; v++) {
    const rowX = originX - v * sin;
    const rowY = originY + v * cos;
    const row = v * size;
    // With zero borders, samples with all four neighbours outside are 0 (the letterbox bars):
    // only [first, last) needs computing. The margin errs towards computing.
    let first = 0;
    let last = size;
    if (!replicate) {
      const [xFirst, xLast] = span(rowX, cos, -1 - MARGIN, width + MARGIN, size);
      const [yFirst, yLast] = span(rowY, sin, -1 - MARGIN, height + MARGIN, size);
      first = Math.max(xFirst, yFirst);
      last = Math.max(first, Math.min(xLast, yLast));
      out.fill(0, row, row + first);
      out.fill(0, row + last, row + size);
      out.fill(0, plane + row, plane + row + first);
      out.fill(0, plane + row + last, plane + row + size);
      out.fill(0, plane2 + row, plane2 + row + first);
      out.fill(0, plane2 + row + last, plane2 + row + size);
    }
    // Most of a crop lies inside the image, where a sample and its right and lower neighbours
    // are all in it (0 <= x < maxX, 0 <= y < maxY): that span needs no checks or clamping. The
    // margin errs towards the checked path, which gives the same result there.
    const [xStart, xEnd] = span(rowX, cos, MARGIN, maxX - MARGIN, size);
    const [yStart, yEnd] = span(rowY, sin, MARGIN, maxY - MARGIN, size);
    let start = Math.max(xStart, yStart);
    let end = Math.min(xEnd, yEnd);
    if (!(start < end)) start = end = last;
    borderSpan(row, first, start, rowX, rowY);
    // Stepping (not rowX + u * cos) is cheaper; the drift over a row is ~1e-13 px.
    let x = rowX + start * cos;
    let y = rowY + start * sin;
    for (let o = row + start; o < row + end; o++, x += cos, y += sin) {
      // Both are positive here, so truncation is floor.
      const x0 = x | 0;
      const y0 = y | 0;
      const fx = x - x0;
      const fy = y - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p0 = y0 * stride + 3 * x0;
      const p1 = p0 + stride;
      // Bytes r g b r' (little-endian) and g' b' of the upper pair, then of the lower pair.
      const a = view.getUint32(p0, true);
      const b = view.getUint16(p0 + 4, true);
      const c = view.getUint32(p1, true);
      const d = view.getUint16(p1 + 4, true);
      out[o] = ((a & 255) * w00 + (a >>> 24) * w10 + (c & 255) * w01 + (c >>> 24) * w11) * inv;
      out[o + plane] =
        (((a >>> 8) & 255) * w00 + (b & 255) * w10 + ((c >>> 8) & 255) * w01 + (d & 255) * w11) * inv;
      out[o + plane2] =
        (((a >>> 16) & 255) * w00 + (b >>> 8) * w10 + ((c >>> 16) & 255) * w01 + (d >>> 8) * w11) * inv;
    }
    borderSpan(row, end, last, rowX, rowY);
  }
}
