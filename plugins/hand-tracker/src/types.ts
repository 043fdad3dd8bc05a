/**
 * The tracker's output types. They are structurally the SDK's `Frame`/`Hand`/`Landmark`
 * (`@bambam/sdk`), declared here because this package does not depend on the SDK.
 */

export interface Landmark {
  /** 0 = left edge, 1 = right edge of the image. */
  readonly x: number;
  /** 0 = top edge, 1 = bottom edge (moving a hand down increases `y`). */
  readonly y: number;
  /** Depth relative to the wrist, in roughly the scale of `x`; negative is towards the camera. */
  readonly z: number;
}

export type Handedness = 'Left' | 'Right';

export interface Hand {
  /** Stable while the tracker keeps following this hand; a new number for each new hand. */
  readonly id: number;
  /** As MediaPipe reports it: for a mirrored (selfie) image this is the person's own hand. */
  readonly handedness: Handedness;
  /** Hand presence confidence, in [0, 1]. */
  readonly score: number;
  /** 21 landmarks in MediaPipe's order. */
  readonly landmarks: readonly Landmark[];
}

export interface Frame {
  /** Milliseconds (capture time or clip time), copied from the input. */
  readonly t: number;
  readonly width: number;
  readonly height: number;
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
