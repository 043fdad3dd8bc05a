/**
 * Draws tracked hands over the camera preview. Pure canvas code, no React: the overlay calls it
 * from requestAnimationFrame with the latest telemetry.
 */
import type { Hand } from '@bambam/sdk';

/** Where the video's picture actually is inside its element, in CSS pixels. */
export interface ContentRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The visible picture of a `width`x`height` video shown with `object-fit` in a box. */
export function videoContentRect(
  box: { width: number; height: number },
  video: { width: number; height: number },
  fit: 'contain' | 'cover' = 'contain',
): ContentRect {
  if (video.width <= 0 || video.height <= 0) return { x: 0, y: 0, width: box.width, height: box.height };
  const sx = box.width / video.width;
  const sy = box.height / video.height;
  const scale = fit === 'contain' ? Math.min(sx, sy) : Math.max(sx, sy);
  const width = video.width * scale;
  const height = video.height * scale;
  return { x: (box.width - width) / 2, y: (box.height - height) / 2, width, height };
}

/** Maps a normalised landmark to canvas pixels; `mirrored` matches a selfie-view (flipped) video. */
export function toCanvas(
  point: { x: number; y: number },
  rect: ContentRect,
  mirrored: boolean,
): [number, number] {
  const x = mirrored ? 1 - point.x : point.x;
  return [rect.x + x * rect.width, rect.y + point.y * rect.height];
}

// The SDK's HAND_CONNECTIONS, inlined: importing the SDK's index at run time would pull the
// gesture helpers into the page for one constant.
// biome-ignore format: one finger per line reads as a hand
const BONES: readonly (readonly [number, number])[] = [
  [0, 1], [1, 2], [2, 3], [3, 4],
  [0, 5], [5, 6], [6, 7], [7, 8],
  [5, 9], [9, 10], [10, 11], [11, 12],
  [9, 13], [13, 14], [14, 15], [15, 16],
  [13, 17], [0, 17], [17, 18], [18, 19], [19, 20],
];
const FINGERTIPS = new Set([4, 8, 12, 16, 20]);

export const HAND_COLORS = { Left: '#4cc9f0', Right: '#f72585' } as const;

export interface DrawHandsOptions {
  readonly mirrored: boolean;
  /** 0..1: fades the skeleton when telemetry gets stale. */
  readonly opacity?: number;
  /** CSS pixels per landmark-dot radius. Default 4. */
  readonly jointRadius?: number;
}

/** Draws each hand's bones, joints and a handedness label. */
export function drawHands(
  ctx: CanvasRenderingContext2D,
  hands: readonly Hand[],
  rect: ContentRect,
  options: DrawHandsOptions,
): void {
  const radius = options.jointRadius ?? 4;
  ctx.save();
  ctx.globalAlpha = options.opacity ?? 1;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  for (const hand of hands) {
    if (hand.landmarks.length < 21) continue;
    const color = HAND_COLORS[hand.handedness] ?? '#ffffff';
    const points = hand.landmarks.map((l) => toCanvas(l, rect, options.mirrored));
    // A dark halo under the bones keeps them readable over any background.
    for (const [width, style] of [
      [radius * 1.6, 'rgba(0,0,0,0.55)'],
      [radius * 0.8, color],
    ] as const) {
      ctx.lineWidth = width;
      ctx.strokeStyle = style;
      ctx.beginPath();
      for (const [a, b] of BONES) {
        const pa = points[a]!;
        const pb = points[b]!;
        ctx.moveTo(pa[0], pa[1]);
        ctx.lineTo(pb[0], pb[1]);
      }
      ctx.stroke();
    }
    points.forEach(([x, y], i) => {
      ctx.beginPath();
      ctx.arc(x, y, FINGERTIPS.has(i) ? radius * 1.3 : radius, 0, Math.PI * 2);
      ctx.fillStyle = i === 0 ? '#ffffff' : color;
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = 'rgba(0,0,0,0.6)';
      ctx.stroke();
    });
    const [wx, wy] = points[0]!;
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.fillStyle = color;
    ctx.textAlign = 'center';
    ctx.fillText(`${hand.handedness} ${Math.round(hand.score * 100)}%`, wx, wy + radius * 5);
  }
  ctx.restore();
}

/** The palm's centre (middle finger knuckle), where hit ripples are drawn. */
export function palmCenter(hand: Hand): { x: number; y: number } {
  const p = hand.landmarks[9] ?? hand.landmarks[0] ?? { x: 0.5, y: 0.5 };
  return { x: p.x, y: p.y };
}
