/**
 * Turns the palm detector's raw output into palms: SSD anchors, box decoding, sigmoid
 * scores and weighted non-maximum suppression, with MediaPipe's palm_detection settings.
 */
import type { Point } from './geometry.ts';

/** Model input size and anchor layout (4 layers, strides 8,16,16,16, 2 anchors per cell per layer). */
export const PALM_INPUT_SIZE = 192;
const STRIDES = [8, 16, 16, 16];
const ANCHORS_PER_LAYER_CELL = 2;
/** Values per anchor: box (4) + 7 keypoints (14). */
export const PALM_VALUES = 18;
const KEYPOINTS = 7;

/** A palm in the detector's input space, normalised to [0, 1]. */
export interface NormalizedPalm {
  readonly score: number;
  readonly xmin: number;
  readonly ymin: number;
  readonly width: number;
  readonly height: number;
  readonly keypoints: readonly Point[];
}

/** Anchor centres, normalised; all anchors have size 1 (fixed_anchor_size). */
export function palmAnchors(): Float32Array {
  const centres: number[] = [];
  let layer = 0;
  while (layer < STRIDES.length) {
    // Consecutive layers with the same stride share one grid.
    let perCell = 0;
    const stride = STRIDES[layer]!;
    while (layer < STRIDES.length && STRIDES[layer] === stride) {
      perCell += ANCHORS_PER_LAYER_CELL;
      layer++;
    }
    const cells = Math.ceil(PALM_INPUT_SIZE / stride);
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let a = 0; a < perCell; a++) centres.push((x + 0.5) / cells, (y + 0.5) / cells);
      }
    }
  }
  return Float32Array.from(centres);
}

export interface PalmDecoderOptions {
  /** Minimum palm score, after the sigmoid. Default 0.5. */
  readonly minScore?: number;
  /** Detections overlapping more than this (IoU) are merged. Default 0.3. */
  readonly nmsThreshold?: number;
}

function iou(a: NormalizedPalm, b: NormalizedPalm): number {
  const ix = Math.max(0, Math.min(a.xmin + a.width, b.xmin + b.width) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymin + a.height, b.ymin + b.height) - Math.max(a.ymin, b.ymin));
  const intersection = ix * iy;
  const union = a.width * a.height + b.width * b.height - intersection;
  return union > 0 ? intersection / union : 0;
}

/** Weighted NMS: each cluster becomes the score-weighted mean of its members, with the best score. */
function weightedNms(candidates: NormalizedPalm[], threshold: number): NormalizedPalm[] {
  const remaining = candidates.sort((a, b) => b.score - a.score);
  const out: NormalizedPalm[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    const cluster: NormalizedPalm[] = [];
    const rest: NormalizedPalm[] = [];
    for (const candidate of remaining) (iou(best, candidate) > threshold ? cluster : rest).push(candidate);
    let total = 0;
    let xmin = 0;
    let ymin = 0;
    let xmax = 0;
    let ymax = 0;
    const keypoints = Array.from({ length: KEYPOINTS }, () => ({ x: 0, y: 0 }));
    for (const member of cluster) {
      const w = member.score;
      total += w;
      xmin += member.xmin * w;
      ymin += member.ymin * w;
      xmax += (member.xmin + member.width) * w;
      ymax += (member.ymin + member.height) * w;
      member.keypoints.forEach((k, i) => {
        keypoints[i]!.x += k.x * w;
        keypoints[i]!.y += k.y * w;
      });
    }
    out.push({
      score: best.score,
      xmin: xmin / total,
      ymin: ymin / total,
      width: (xmax - xmin) / total,
      height: (ymax - ymin) / total,
      keypoints: keypoints.map((k) => ({ x: k.x / total, y: k.y / total })),
    });
    remaining.length = 0;
    remaining.push(...rest);
  }
  return out;
}

/** Decodes raw boxes `[2016 * 18]` and score logits `[2016]` into palms, best first. */
export function decodePalms(
  boxes: Float32Array,
  logits: Float32Array,
  anchors: Float32Array,
  options: PalmDecoderOptions = {},
): NormalizedPalm[] {
  const { minScore = 0.5, nmsThreshold = 0.3 } = options;
  const count = anchors.length / 2;
  if (boxes.length !== count * PALM_VALUES || logits.length !== count) {
    throw new RangeError(
      `palm detector output has ${boxes.length}/${logits.length} values; expected ${count} anchors`,
    );
  }
  const minLogit = Math.log(minScore / (1 - minScore));
  const candidates: NormalizedPalm[] = [];
  for (let i = 0; i < count; i++) {
    const logit = Math.min(Math.max(logits[i]!, -100), 100);
    if (logit < minLogit) continue;
    const ax = anchors[2 * i]!;
    const ay = anchors[2 * i + 1]!;
    const o = i * PALM_VALUES;
    const cx = boxes[o]! / PALM_INPUT_SIZE + ax;
    const cy = boxes[o + 1]! / PALM_INPUT_SIZE + ay;
    const w = boxes[o + 2]! / PALM_INPUT_SIZE;
    const h = boxes[o + 3]! / PALM_INPUT_SIZE;
    const keypoints: Point[] = [];
    for (let k = 0; k < KEYPOINTS; k++) {
      keypoints.push({
        x: boxes[o + 4 + 2 * k]! / PALM_INPUT_SIZE + ax,
        y: boxes[o + 5 + 2 * k]! / PALM_INPUT_SIZE + ay,
      });
    }
    candidates.push({
      score: 1 / (1 + Math.exp(-logit)),
      xmin: cx - w / 2,
      ymin: cy - h / 2,
      width: w,
      height: h,
      keypoints,
    });
  }
  return weightedNms(candidates, nmsThreshold);
}
