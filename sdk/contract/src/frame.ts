/**
 * What the hand tracker sees in one video frame, as plain data.
 *
 * Coordinates follow MediaPipe's convention: `x` and `y` are normalised to `[0, 1]` of the
 * image width and height with the origin at the top-left (so `y` grows *downwards*), and
 * `z` is depth relative to the wrist, in roughly the same scale as `x` (smaller = closer to
 * the camera).
 *
 * @packageDocumentation
 */

/** One landmark: a point on the hand in normalised image coordinates. */
export interface Landmark {
  /** Horizontal position, 0 = left edge of the image, 1 = right edge. */
  readonly x: number;
  /** Vertical position, 0 = top edge of the image, 1 = bottom edge. Moving a hand down increases `y`. */
  readonly y: number;
  /** Depth relative to the wrist; negative is towards the camera. */
  readonly z: number;
}

/** Which hand it is, as MediaPipe reports it (for a mirrored selfie view this is the person's own hand). */
export type Handedness = 'Left' | 'Right';

/** One tracked hand. */
export interface Hand {
  /**
   * A stable identity for this hand while the tracker keeps it: the same number on every
   * frame until the hand is lost. Recordings made by other tools may omit it; use
   * {@link HandIdentity} from the SDK to assign one.
   */
  readonly id?: number;
  /** Left or right hand. */
  readonly handedness: Handedness;
  /** Confidence that this is a hand, in `[0, 1]`. */
  readonly score: number;
  /** The 21 landmarks in MediaPipe's order: index them with {@link LANDMARK} (e.g. `landmarks[LANDMARK.WRIST]`). */
  readonly landmarks: readonly Landmark[];
}

/** Everything a plugin learns about one video frame. One line of a landmark recording (JSON lines) is one `Frame`. */
export interface Frame {
  /** Time of the frame in milliseconds (capture time for a live camera, clip time for a recording). */
  readonly t: number;
  /** Width of the source image in pixels. */
  readonly width: number;
  /** Height of the source image in pixels. */
  readonly height: number;
  /** The hands found in this frame, possibly none. */
  readonly hands: readonly Hand[];
}
