/** Points on a hand that are steadier than single landmarks. */
import type { Hand } from '../frame.ts';
import { LANDMARK } from '../landmarks.ts';

/** A point in normalised image coordinates (see {@link Landmark}); `z` may be left out. */
export interface Point {
  /** Horizontal, 0 (left edge) to 1 (right edge). */
  readonly x: number;
  /** Vertical, 0 (top) to 1 (bottom): moving down increases it. */
  readonly y: number;
  /** Depth relative to the wrist, roughly in the units of `x` (smaller is nearer the camera). */
  readonly z?: number;
}

/** The four knuckles (finger MCP joints): the steadiest part of a tracked hand. */
export const KNUCKLES: readonly number[] = [
  LANDMARK.INDEX_FINGER_MCP,
  LANDMARK.MIDDLE_FINGER_MCP,
  LANDMARK.RING_FINGER_MCP,
  LANDMARK.PINKY_MCP,
];

/** The wrist and the four knuckles: the palm. */
export const PALM: readonly number[] = [LANDMARK.WRIST, ...KNUCKLES];

/**
 * The mean position of some of a hand's landmarks.
 *
 * @param hand - a tracked hand.
 * @param indices - landmark indices to average; default {@link PALM}.
 * @returns the centroid, or `undefined` when the hand lacks those landmarks or they aren't finite numbers.
 *
 * @example
 * ```ts
 * const palm = centroid(hand); // wrist + knuckles
 * const knuckles = centroid(hand, KNUCKLES); // ignores the wrist, which jitters more
 * ```
 */
export function centroid(hand: Hand, indices: readonly number[] = PALM): Point | undefined {
  let x = 0;
  let y = 0;
  let z = 0;
  for (const index of indices) {
    const point = hand.landmarks?.[index];
    if (!point || !Number.isFinite(point.x) || !Number.isFinite(point.y)) return undefined;
    x += point.x;
    y += point.y;
    z += Number.isFinite(point.z) ? point.z : 0;
  }
  const n = indices.length;
  return n === 0 ? undefined : { x: x / n, y: y / n, z: z / n };
}

/**
 * The palm's centre: {@link centroid} of {@link PALM}. Much steadier than the wrist alone, which
 * can drift several percent of the frame while a hand is held still.
 */
export function palmCenter(hand: Hand): Point | undefined {
  return centroid(hand, PALM);
}

/** Euclidean distance between two points in the image plane (x, y only). */
export function distance2d(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/**
 * A hand's size in the image: wrist to middle knuckle, as a fraction of the frame's height
 * (x is scaled by the frame's aspect, so a hand's size doesn't change as it turns). About 0.1
 * for a hand at arm's length from a laptop camera; a far hand is smaller. Divide distances by
 * it to get thresholds that hold at any distance from the camera.
 *
 * @param frame - the frame's `width` and `height` (for the aspect); square when left out.
 * @returns the size, or `undefined` when the landmarks are missing.
 */
export function handScale(
  hand: Hand,
  frame?: { readonly width: number; readonly height: number },
): number | undefined {
  const wrist = hand.landmarks?.[LANDMARK.WRIST];
  const middle = hand.landmarks?.[LANDMARK.MIDDLE_FINGER_MCP];
  if (!wrist || !middle) return undefined;
  const aspect = frame && frame.width > 0 && frame.height > 0 ? frame.width / frame.height : 1;
  const size = Math.hypot((middle.x - wrist.x) * aspect, middle.y - wrist.y);
  return Number.isFinite(size) && size > 0 ? size : undefined;
}
