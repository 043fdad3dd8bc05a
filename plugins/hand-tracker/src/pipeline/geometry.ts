/**
 * Regions of interest, MediaPipe style, in image pixels: a square rotated about its centre.
 * Follows MediaPipe's public graphs (palm_detection_detection_to_roi,
 * hand_landmark_landmarks_to_roi, RectTransformationCalculator), computed in pixels so that
 * rotation is a true rotation whatever the image's aspect ratio.
 */

export interface Point {
  x: number;
  y: number;
}

/** A rotated square in image pixels. `rotation` is in radians, clockwise on screen (y down). */
export interface Roi {
  readonly cx: number;
  readonly cy: number;
  readonly size: number;
  readonly rotation: number;
}

/** The hand should point up in the crop: the wrist→fingers vector is rotated to 90°. */
const TARGET_ANGLE = Math.PI / 2;

export function normalizeRadians(angle: number): number {
  return angle - 2 * Math.PI * Math.floor((angle + Math.PI) / (2 * Math.PI));
}

/** Rotation that turns the vector `from → to` upright. */
export function uprightRotation(from: Point, to: Point): number {
  return normalizeRadians(TARGET_ANGLE - Math.atan2(-(to.y - from.y), to.x - from.x));
}

/**
 * RectTransformation: shift the box along its own rotated axes (in units of its size), make it
 * square on its long side, then scale it.
 */
function transformRect(
  cx: number,
  cy: number,
  width: number,
  height: number,
  rotation: number,
  scale: number,
  shiftY: number,
): Roi {
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  return {
    cx: cx - height * shiftY * sin,
    cy: cy + height * shiftY * cos,
    size: Math.max(width, height) * scale,
    rotation,
  };
}

/** A palm detection in pixels: its box and its 7 keypoints (0 = wrist, 2 = middle finger base). */
export interface Palm {
  readonly score: number;
  readonly xmin: number;
  readonly ymin: number;
  readonly width: number;
  readonly height: number;
  readonly keypoints: readonly Point[];
}

/** The hand's ROI from a palm: box scaled 2.6x and moved half a box towards the fingers. */
export function roiFromPalm(palm: Palm): Roi {
  const rotation = uprightRotation(palm.keypoints[0]!, palm.keypoints[2]!);
  const cx = palm.xmin + palm.width / 2;
  const cy = palm.ymin + palm.height / 2;
  return transformRect(cx, cy, palm.width, palm.height, rotation, 2.6, -0.5);
}

/** Landmarks that stay put whatever the fingers do: wrist, thumb base, finger bases. */
const STABLE_LANDMARKS = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18];

/** The next frame's ROI from this frame's landmarks (pixels): their rotated bounds, scaled 2x. */
export function roiFromLandmarks(landmarks: readonly Point[]): Roi {
  const wrist = landmarks[0]!;
  const index = landmarks[5]!;
  const middle = landmarks[9]!;
  const ring = landmarks[13]!;
  // Towards the middle of the finger bases, weighted as MediaPipe does.
  const towards = {
    x: ((index.x + ring.x) / 2 + middle.x) / 2,
    y: ((index.y + ring.y) / 2 + middle.y) / 2,
  };
  const rotation = uprightRotation(wrist, towards);

  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const i of STABLE_LANDMARKS) {
    const p = landmarks[i]!;
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const axisCx = (minX + maxX) / 2;
  const axisCy = (minY + maxY) / 2;

  // Bounds in the hand's own frame (rotate by -rotation about the axis-aligned centre).
  const cos = Math.cos(-rotation);
  const sin = Math.sin(-rotation);
  let pMinX = Infinity;
  let pMaxX = -Infinity;
  let pMinY = Infinity;
  let pMaxY = -Infinity;
  for (const i of STABLE_LANDMARKS) {
    const dx = landmarks[i]!.x - axisCx;
    const dy = landmarks[i]!.y - axisCy;
    const px = dx * cos - dy * sin;
    const py = dx * sin + dy * cos;
    pMinX = Math.min(pMinX, px);
    pMaxX = Math.max(pMaxX, px);
    pMinY = Math.min(pMinY, py);
    pMaxY = Math.max(pMaxY, py);
  }
  const pcx = (pMinX + pMaxX) / 2;
  const pcy = (pMinY + pMaxY) / 2;
  const rcos = Math.cos(rotation);
  const rsin = Math.sin(rotation);
  const cx = pcx * rcos - pcy * rsin + axisCx;
  const cy = pcx * rsin + pcy * rcos + axisCy;
  return transformRect(cx, cy, pMaxX - pMinX, pMaxY - pMinY, rotation, 2.0, -0.1);
}

/** Maps a point of the ROI's crop, in [0, 1] of the crop, back to image pixels. */
export function roiToImage(roi: Roi, u: number, v: number): Point {
  const x = (u - 0.5) * roi.size;
  const y = (v - 0.5) * roi.size;
  const cos = Math.cos(roi.rotation);
  const sin = Math.sin(roi.rotation);
  return { x: roi.cx + x * cos - y * sin, y: roi.cy + x * sin + y * cos };
}

/** Intersection over union of the ROIs' axis-aligned squares (rotation ignored, as MediaPipe does). */
export function roiOverlap(a: Roi, b: Roi): number {
  const ix = Math.max(
    0,
    Math.min(a.cx + a.size / 2, b.cx + b.size / 2) - Math.max(a.cx - a.size / 2, b.cx - b.size / 2),
  );
  const iy = Math.max(
    0,
    Math.min(a.cy + a.size / 2, b.cy + b.size / 2) - Math.max(a.cy - a.size / 2, b.cy - b.size / 2),
  );
  const intersection = ix * iy;
  const union = a.size * a.size + b.size * b.size - intersection;
  return union > 0 ? intersection / union : 0;
}
