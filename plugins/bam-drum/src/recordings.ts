/**
 * Synthetic landmark recordings: hands that hold still, drift, jitter, appear, and strike down,
 * as frames in the recording format (one {@link Frame} per line of JSON). Tests of any
 * instrument can use them; they are deterministic for a given seed.
 */
import type { Frame, Hand, Handedness, Landmark } from '@bambam/sdk';

/** Where a hand's palm is at time `t` (ms), or `undefined` when the hand is out of view. */
export type Trajectory = (t: number) => { x: number; y: number } | undefined;

/**
 * An open right hand, wrist at the origin, in hand lengths (wrist to middle fingertip ≈ 1.6),
 * image orientation (y grows downwards). MediaPipe's landmark order.
 */
// biome-ignore format: one finger per line
const OPEN_HAND: readonly (readonly [number, number])[] = [
  [0, 0],
  [-0.25, -0.15], [-0.45, -0.3], [-0.6, -0.45], [-0.72, -0.58],
  [-0.2, -0.75], [-0.23, -1.05], [-0.25, -1.25], [-0.27, -1.42],
  [0, -0.8], [0, -1.15], [0, -1.38], [0, -1.57],
  [0.18, -0.75], [0.21, -1.05], [0.23, -1.25], [0.25, -1.4],
  [0.33, -0.65], [0.4, -0.88], [0.44, -1.02], [0.47, -1.15],
];
/** Mean of the wrist and the four knuckles in OPEN_HAND: placing a hand places this point. */
const PALM_OFFSET = { x: (0 - 0.2 + 0 + 0.18 + 0.33) / 5, y: (0 - 0.75 - 0.8 - 0.75 - 0.65) / 5 };

export interface HandPose {
  handedness?: Handedness;
  /** Hand length as a fraction of the frame height. Default 0.2. */
  scale?: number;
  score?: number;
  id?: number;
}

/** The 21 landmarks of an open hand whose palm centre (wrist + knuckles) is at `palm`. */
export function handAt(palm: { x: number; y: number }, pose: HandPose = {}): Hand {
  const { handedness = 'Right', scale = 0.2, score = 0.95, id } = pose;
  const mirror = handedness === 'Left' ? -1 : 1;
  const landmarks: Landmark[] = OPEN_HAND.map(([dx, dy]) => ({
    x: palm.x + mirror * (dx - PALM_OFFSET.x) * scale,
    y: palm.y + (dy - PALM_OFFSET.y) * scale,
    z: -0.02 * Math.hypot(dx, dy),
  }));
  return id === undefined ? { handedness, score, landmarks } : { id, handedness, score, landmarks };
}

/** One hand in a recording. */
export interface TrackedHand extends HandPose {
  trajectory: Trajectory;
  /** Tracker noise: each landmark moves by up to ± this much, independently, each frame. Default 0.003. */
  jitter?: number;
  /**
   * Tracker drift of the wrist only, as seen on real still hands: the wrist slides down by this
   * much over the first 10 frames after the hand appears, then holds. Default 0.
   */
  wristDrift?: number;
}

export interface RecordingOptions {
  durationMs: number;
  /** Frames per second. Default 30. */
  fps?: number;
  width?: number;
  height?: number;
  hands: TrackedHand[];
  /** Seed of the noise. Default 1. */
  seed?: number;
}

/** Renders trajectories into frames, `t` from 0. */
export function record(options: RecordingOptions): Frame[] {
  const { durationMs, fps = 30, width = 640, height = 480, hands, seed = 1 } = options;
  const random = mulberry32(seed);
  const frames: Frame[] = [];
  const framesInView = hands.map(() => 0);
  for (let i = 0; i * (1000 / fps) <= durationMs; i++) {
    const t = Math.round(i * (1000 / fps) * 1000) / 1000;
    const frameHands: Hand[] = [];
    hands.forEach((track, h) => {
      const palm = track.trajectory(t);
      if (!palm) {
        framesInView[h] = 0;
        return;
      }
      const seen = framesInView[h]!++;
      const hand = handAt(palm, track);
      const jitter = track.jitter ?? 0.003;
      const drift = (track.wristDrift ?? 0) * Math.min(1, seen / 10);
      const landmarks = hand.landmarks.map((point, index) => ({
        x: round(point.x + (random() * 2 - 1) * jitter),
        y: round(point.y + (random() * 2 - 1) * jitter + (index === 0 ? drift : 0)),
        z: round(point.z),
      }));
      frameHands.push({ ...hand, landmarks });
    });
    frames.push({ t, width, height, hands: frameHands });
  }
  return frames;
}

/** Frames as a recording file: one JSON object per line. */
export function toJsonl(frames: readonly Frame[]): string {
  return frames.map((frame) => JSON.stringify(frame)).join('\n') + '\n';
}

/** A palm held at one place. */
export function still(x: number, y: number): Trajectory {
  return () => ({ x, y });
}

/** A palm sliding slowly: `dy` (and `dx`) in units per second. */
export function drift(x: number, y: number, dy: number, dx = 0): Trajectory {
  return (t) => ({ x: x + (dx * t) / 1000, y: y + (dy * t) / 1000 });
}

export interface StrokeOptions {
  x?: number;
  /** Resting height of the palm, at the top of each stroke. Default 0.3. */
  top?: number;
  /** How far each stroke comes down. Default 0.35 (of the frame height). */
  depth?: number;
  /** Time of the first stroke's start, ms. Default 250. */
  firstAt?: number;
  /** Time between stroke starts, ms. Default 1000. */
  period?: number;
  /** Time to come down, ms. Default 150. */
  downMs?: number;
  /** Rest at the bottom, ms. Default 200. */
  restMs?: number;
  /** Time to rise back slowly, ms. Default 400. */
  riseMs?: number;
  /** Number of strokes. Default unlimited. */
  count?: number;
}

/**
 * Down-strokes like a drummer's: rest at `top`, come down `depth` in `downMs` (eased), rest,
 * rise slowly, repeat every `period`. Starts at `firstAt + k × period`.
 */
export function downStrokes(options: StrokeOptions = {}): Trajectory {
  const {
    x = 0.5,
    top = 0.3,
    depth = 0.35,
    firstAt = 250,
    period = 1000,
    downMs = 150,
    restMs = 200,
    riseMs = 400,
    count = Number.POSITIVE_INFINITY,
  } = options;
  return (t) => {
    const k = Math.floor((t - firstAt) / period);
    if (t < firstAt || k >= count) return { x, y: top };
    const local = t - firstAt - k * period;
    let y = top;
    if (local < downMs) y = top + depth * ease(local / downMs);
    else if (local < downMs + restMs) y = top + depth;
    else if (local < downMs + restMs + riseMs) y = top + depth * (1 - (local - downMs - restMs) / riseMs);
    return { x, y };
  };
}

/** Start times (ms) of the strokes a {@link downStrokes} trajectory makes within `durationMs`. */
export function strokeTimes(options: StrokeOptions, durationMs: number): number[] {
  const { firstAt = 250, period = 1000, count = Number.POSITIVE_INFINITY } = options;
  const times: number[] = [];
  for (let k = 0; k < count && firstAt + k * period <= durationMs; k++) times.push(firstAt + k * period);
  return times;
}

/** The trajectory only between `fromMs` and `toMs` (the hand is out of view otherwise). */
export function visible(trajectory: Trajectory, fromMs: number, toMs = Number.POSITIVE_INFINITY): Trajectory {
  return (t) => (t >= fromMs && t < toMs ? trajectory(t) : undefined);
}

/** Smooth start and stop (cosine). */
function ease(u: number): number {
  return (1 - Math.cos(Math.PI * Math.min(1, Math.max(0, u)))) / 2;
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}

/** A small seeded PRNG, so recordings are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
