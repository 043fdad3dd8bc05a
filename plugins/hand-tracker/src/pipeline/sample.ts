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

/** Writes the `size` x `size` crop of `roi` into `out` (length 3 * size * size, NCHW order). */
export function sampleRoi(image: RgbImage, roi: Roi, size: number, border: Border, out: Float32Array): void {
  const { data, width, height } = image;
  const plane = size * size;
  if (out.length !== 3 * plane) throw new RangeError(`output must hold ${3 * plane} floats`);
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

  for (let v = 0; v < size; v++) {
    let x = originX - v * sin;
    let y = originY + v * cos;
    for (let u = 0; u < size; u++, x += cos, y += sin) {
      const o = v * size + u;
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
        if (replicate) {
          x0 = Math.min(Math.max(x0, 0), maxX);
          x1 = Math.min(Math.max(x1, 0), maxX);
          y0 = Math.min(Math.max(y0, 0), maxY);
          y1 = Math.min(Math.max(y1, 0), maxY);
        } else {
          // Outside neighbours contribute zero.
          if (x0 < 0 || x0 > maxX) w00 = w01 = 0;
          if (x1 < 0 || x1 > maxX) w10 = w11 = 0;
          if (y0 < 0 || y0 > maxY) w00 = w10 = 0;
          if (y1 < 0 || y1 > maxY) w01 = w11 = 0;
          x0 = Math.min(Math.max(x0, 0), maxX);
          x1 = Math.min(Math.max(x1, 0), maxX);
          y0 = Math.min(Math.max(y0, 0), maxY);
          y1 = Math.min(Math.max(y1, 0), maxY);
        }
      }
      const p00 = 3 * (y0 * width + x0);
      const p10 = 3 * (y0 * width + x1);
      const p01 = 3 * (y1 * width + x0);
      const p11 = 3 * (y1 * width + x1);
      for (let c = 0; c < 3; c++) {
        out[c * plane + o] =
          (data[p00 + c]! * w00 + data[p10 + c]! * w10 + data[p01 + c]! * w01 + data[p11 + c]! * w11) * inv;
      }
    }
  }
}
