/** Test helpers: where the shared fixtures are, and reading them. Not part of the package's API. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from '../types.ts';
import { readVideoFrames, silenceFfmpegWarnings } from '../video-file.ts';

// FFmpeg warns about every JPEG's pixel format: noise in test output.
silenceFfmpegWarnings();

/** `$BAMBAM_FIXTURES`, else `../shared/fixtures` beside the repository; undefined when neither exists. */
export function fixturesDir(): string | undefined {
  const candidates = [
    process.env.BAMBAM_FIXTURES,
    fileURLToPath(new URL('../../../../../shared/fixtures', import.meta.url)),
  ];
  return candidates.find((dir): dir is string => !!dir && existsSync(dir));
}

export const MISSING_FIXTURES =
  'fixtures not found: set BAMBAM_FIXTURES or put the shared fixtures at ../shared/fixtures';

/** An annotated hand box of `hands/labels.csv`, in pixels. */
export interface HandBox {
  readonly file: string;
  readonly xmin: number;
  readonly ymin: number;
  readonly xmax: number;
  readonly ymax: number;
}

export function readHandLabels(dir: string): HandBox[] {
  const lines = readFileSync(join(dir, 'hands/labels.csv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const [file, , , , xmin, ymin, xmax, ymax] = line.split(',');
    return { file: file!, xmin: Number(xmin), ymin: Number(ymin), xmax: Number(xmax), ymax: Number(ymax) };
  });
}

/** Decodes a still image to RGB. */
export async function readImage(path: string): Promise<RgbImage> {
  for await (const frame of readVideoFrames(path, { maxFrames: 1 })) return frame.image;
  throw new Error(`${path} has no frame`);
}

/** The image turned 90° clockwise: pixel (x, y) moves to (height - 1 - y, x). */
export function rotateClockwise(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = 3 * (y * width + x);
      const dst = 3 * (x * height + (height - 1 - y));
      out[dst] = data[src]!;
      out[dst + 1] = data[src + 1]!;
      out[dst + 2] = data[src + 2]!;
    }
  }
  return { data: out, width: height, height: width };
}

/** The image at half its width and height (each output pixel the mean of a 2x2 block). */
export function downscaleByTwo(image: RgbImage): RgbImage {
  const width = Math.floor(image.width / 2);
  const height = Math.floor(image.height / 2);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (dx: number, dy: number) => image.data[3 * ((2 * y + dy) * image.width + 2 * x + dx) + c]!;
        out[3 * (y * width + x) + c] = (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) >> 2;
      }
    }
  }
  return { data: out, width, height };
}
