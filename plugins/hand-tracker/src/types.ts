/**
 * The tracker's output types: the SDK's `Frame`/`Hand`/`Landmark` (`@bambam/sdk`), with the one
 * thing the tracker adds: every hand it follows has an `id`.
 */
import type { Frame as SdkFrame, Hand as SdkHand } from '@bambam/sdk';

export type { Handedness, Landmark } from '@bambam/sdk';

/** A hand the tracker follows: stable `id` while it keeps following it, a new number for each new hand. */
export interface Hand extends SdkHand {
  readonly id: number;
}

/** One frame of tracked hands; `t` is copied from the input (capture time or clip time, ms). */
export interface Frame extends SdkFrame {
  readonly hands: readonly Hand[];
}

/** An 8-bit RGB image, tightly packed (3 bytes per pixel, rows without padding). */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** Throws a clear error for anything that is not a usable {@link RgbImage}. */
export function assertRgbImage(image: RgbImage): void {
  if (!image || !(image.data instanceof Uint8Array))
    throw new TypeError('image.data must be a Uint8Array of RGB bytes');
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (image.data.length !== width * height * 3) {
    throw new RangeError(
      `image.data has ${image.data.length} bytes; a ${width}x${height} RGB image needs ${width * height * 3}`,
    );
  }
}
