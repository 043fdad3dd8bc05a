/**
 * The hand pipeline on one thread: palm detection → ROI → landmark model → next ROI from the
 * landmarks. Runs wherever it is created; {@link HandTracker} runs it in a worker thread.
 */
import * as ort from 'onnxruntime-node';
import { loadOnnxModel } from '../models/load.ts';
import { MODEL_VARIANTS, type ModelVariant } from '../models/sources.ts';
import type { Frame, Hand, Landmark, RgbImage } from '../types.ts';
import { assertRgbImage } from '../types.ts';
import {
  type Palm,
  type Point,
  type Roi,
  roiFromLandmarks,
  roiFromPalm,
  roiOverlap,
  roiToImage,
} from './geometry.ts';
import { decodePalms, PALM_INPUT_SIZE, palmAnchors } from './palm-decoder.ts';
import { letterboxRoi, sampleRoi } from './roi-crop.ts';

const LANDMARK_INPUT_SIZE = 224;
const LANDMARK_COUNT = 21;
/** MediaPipe's hand_landmark graph scales z by 1/0.4 (normalize_z) on top of the input width. */
const Z_NORMALIZATION = 0.4;
/** A new palm overlapping a tracked hand's ROI more than this is the same hand. */
const SAME_HAND_OVERLAP = 0.5;
/**
 * A hand lost this recently (ms) and found again nearby keeps its id: on a machine that starves
 * the tracker, frames are dropped, a fast stroke leaves the last crop, and palm detection finds
 * the hand a frame later. With its id, a player's stroke detector follows the stroke across.
 */
export const LOST_HAND_KEEP_MS = 300;
/** "Nearby": the new palm's ROI centre within this many ROI sizes (2.6 palms each) of the lost one's. */
const LOST_HAND_REACH = 0.75;

export interface PipelineOptions {
  /** `full` (default) is more accurate; `lite` is faster. */
  readonly model?: ModelVariant;
  /** Most hands to track. Default 2. */
  readonly maxHands?: number;
  /**
   * In video mode, while at least one hand is followed but fewer than `maxHands`, look for more
   * hands (palm detection, the slow model) only every this many frames, and after answering
   * that frame (see {@link HandPipeline.searchDeferred}). With no hand followed it runs on every
   * frame, inline. Default 5 (a second hand is picked up within ~200 ms at 30 fps).
   */
  readonly palmSearchInterval?: number;
  /** Minimum palm detection score to start tracking a hand. Default 0.5. */
  readonly minDetectionScore?: number;
  /** Minimum hand presence score to keep a hand. Default 0.5. */
  readonly minPresenceScore?: number;
  /** onnxruntime intra-op threads per model. Default 1 (spinning threads fight the JS thread on small machines). */
  readonly threads?: number;
  /** Folder of converted models (default: the package's build cache). */
  readonly modelDir?: string;
}

/**
 * `video` (default): follow hands from frame to frame, detect palms only when fewer than
 * `maxHands` are followed. `image`: independent still images, detect palms every time.
 */
export type TrackMode = 'video' | 'image';

/** Where the time of one frame went, in milliseconds. */
export interface FrameTimings {
  /** Palm detection (preprocessing + model + decoding), 0 if it did not run. */
  readonly palm: number;
  /** All landmark passes (crop + model). */
  readonly landmarks: number;
  readonly total: number;
}

export interface PipelineResult {
  readonly frame: Frame;
  readonly timings: FrameTimings;
}

/** A hand being followed: its id and where to look for it in the next frame. */
export interface TrackedHand {
  readonly id: number;
  readonly roi: Roi;
}

/** A hand the landmark model stopped finding: its id, last ROI and the frame time it was lost at. */
export interface LostHand extends TrackedHand {
  readonly t: number;
}

/**
 * What video mode carries from one frame to the next, as plain data: a worker pool moves it
 * with each frame, so any worker can take a stream's next frame.
 */
export interface TrackingState {
  readonly hands: readonly TrackedHand[];
  /** Hands lost within {@link LOST_HAND_KEEP_MS} of the last frame: a palm found near one takes its id. */
  readonly lost: readonly LostHand[];
  /** Time of the last frame processed, ms (0 before the first). */
  readonly t: number;
  readonly nextId: number;
  /** Frames since palm detection last ran. */
  readonly framesSincePalmSearch: number;
  /** Size of the last frame: the hands' ROIs are in its pixels (0 before the first frame). */
  readonly width: number;
  readonly height: number;
}

/** The state of a stream before its first frame. */
export const INITIAL_TRACKING_STATE: TrackingState = {
  hands: [],
  lost: [],
  t: 0,
  nextId: 1,
  framesSincePalmSearch: 0,
  width: 0,
  height: 0,
};

/**
 * Adds the palms that are not a hand already followed (up to `maxHands`), each as a new hand:
 * with the id of a hand lost within {@link LOST_HAND_KEEP_MS} whose last ROI is near (the
 * nearest), else a fresh id. Palms are in the pixels of a `width` x `height` frame; from a frame
 * of another size than the state's they are ignored.
 */
export function addPalms(
  state: TrackingState,
  palms: readonly Palm[],
  maxHands: number,
  size: { width: number; height: number } = state,
): TrackingState {
  if (size.width !== state.width || size.height !== state.height) return state;
  const hands = [...state.hands];
  const taken = hands.map((hand) => hand.roi);
  const added: Roi[] = [];
  for (const palm of palms) {
    if (taken.length >= maxHands) break;
    const roi = roiFromPalm(palm);
    if (taken.some((other) => roiOverlap(other, roi) > SAME_HAND_OVERLAP)) continue;
    taken.push(roi);
    added.push(roi);
  }
  // Lost hands go to the nearest new palms first.
  const lost = state.lost.filter((hand) => state.t - hand.t <= LOST_HAND_KEEP_MS);
  const pairs = added.flatMap((roi, index) =>
    lost.flatMap((hand) => {
      const distance = Math.hypot(hand.roi.cx - roi.cx, hand.roi.cy - roi.cy);
      return distance <= LOST_HAND_REACH * Math.max(hand.roi.size, roi.size)
        ? [{ index, hand, distance }]
        : [];
    }),
  );
  pairs.sort((a, b) => a.distance - b.distance);
  const ids = new Map<number, number>();
  const claimed = new Set<LostHand>();
  for (const { index, hand } of pairs) {
    if (ids.has(index) || claimed.has(hand)) continue;
    ids.set(index, hand.id);
    claimed.add(hand);
  }
  let nextId = state.nextId;
  for (const [index, roi] of added.entries()) hands.push({ id: ids.get(index) ?? nextId++, roi });
  return { ...state, hands, lost: lost.filter((hand) => !claimed.has(hand)), nextId };
}

function checkOptions(options: PipelineOptions): Required<Omit<PipelineOptions, 'modelDir'>> {
  const {
    model = 'full',
    maxHands = 2,
    palmSearchInterval = 5,
    minDetectionScore = 0.5,
    minPresenceScore = 0.5,
    threads = 1,
  } = options;
  if (!MODEL_VARIANTS.includes(model))
    throw new RangeError(
      `model must be 'full' or 'lite' (or 'full-int8', 'lite-int8'), got ${String(model)}`,
    );
  if (!Number.isInteger(maxHands) || maxHands < 1 || maxHands > 8)
    throw new RangeError(`maxHands must be an integer from 1 to 8, got ${maxHands}`);
  if (!Number.isInteger(palmSearchInterval) || palmSearchInterval < 1) {
    throw new RangeError(`palmSearchInterval must be a positive integer, got ${palmSearchInterval}`);
  }
  for (const [name, value] of Object.entries({ minDetectionScore, minPresenceScore })) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be in [0, 1], got ${value}`);
  }
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  return { model, maxHands, palmSearchInterval, minDetectionScore, minPresenceScore, threads };
}

async function createSession(model: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Spinning intra-op threads steal the core the JS thread needs.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

export class HandPipeline {
  readonly options: Required<Omit<PipelineOptions, 'modelDir'>>;
  private readonly palmSession: ort.InferenceSession;
  private readonly landmarkSession: ort.InferenceSession;
  private readonly anchors = palmAnchors();
  private readonly palmInput = new Float32Array(3 * PALM_INPUT_SIZE * PALM_INPUT_SIZE);
  private readonly landmarkInput = new Float32Array(3 * LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE);
  private tracking: TrackingState = INITIAL_TRACKING_STATE;
  /** The frame whose palm search was put off until after its answer (see {@link searchDeferred}). */
  private deferredSearch: RgbImage | undefined;
  private disposed = false;

  private constructor(
    options: HandPipeline['options'],
    palm: ort.InferenceSession,
    landmark: ort.InferenceSession,
  ) {
    this.options = options;
    this.palmSession = palm;
    this.landmarkSession = landmark;
  }

  static async create(options: PipelineOptions = {}): Promise<HandPipeline> {
    const checked = checkOptions(options);
    const [palmModel, landmarkModel] = await Promise.all([
      loadOnnxModel('palm', checked.model, options.modelDir),
      loadOnnxModel('landmark', checked.model, options.modelDir),
    ]);
    const palm = await createSession(palmModel, checked.threads);
    const landmark = await createSession(landmarkModel, checked.threads);
    return new HandPipeline(checked, palm, landmark);
  }

  /** Forgets the hands being followed: the next frame starts with palm detection. */
  reset(): void {
    this.tracking = { ...INITIAL_TRACKING_STATE, nextId: this.tracking.nextId };
    this.deferredSearch = undefined;
  }

  /** What video mode carries to the next frame (see {@link TrackingState}). */
  get state(): TrackingState {
    return this.tracking;
  }

  /** Continues another stream from its state (a worker pool's next frame of that stream). */
  set state(state: TrackingState) {
    this.tracking = state;
    this.deferredSearch = undefined;
  }

  /**
   * Hands over the palm search the last video frame put off, instead of running it here (a
   * worker pool schedules it as a job of its own and merges the palms with {@link addPalms}).
   */
  takeDeferredSearch(): RgbImage | undefined {
    const image = this.deferredSearch;
    this.deferredSearch = undefined;
    return image;
  }

  /** A stream may change resolution mid-call (encoders do): move followed ROIs to the new pixels. */
  private followResize(image: RgbImage): void {
    const { width, height } = this.tracking;
    if (image.width === width && image.height === height) return;
    const size = { width: image.width, height: image.height };
    if (!width) {
      this.tracking = { ...this.tracking, ...size };
      return;
    }
    const sx = image.width / width;
    const sy = image.height / height;
    const hands = this.tracking.hands.map(({ id, roi }) => ({
      id,
      roi: { cx: roi.cx * sx, cy: roi.cy * sy, size: roi.size * Math.max(sx, sy), rotation: roi.rotation },
    }));
    // Lost hands are forgotten: their ROIs are in the old pixels.
    this.tracking = { ...this.tracking, ...size, hands, lost: [] };
  }

  private async timed(work: () => Promise<unknown>): Promise<number> {
    const started = performance.now();
    await work();
    return performance.now() - started;
  }

  /**
   * Runs the palm search the last video frame put off (it answered with the hands it was
   * following first). Call it between frames, after handing the result on; new hands it finds
   * are followed from the next frame. If not called, the next `process()` runs it first.
   * Resolves to whether a search ran.
   */
  async searchDeferred(): Promise<boolean> {
    const image = this.deferredSearch;
    if (!image) return false;
    this.deferredSearch = undefined;
    this.tracking = addPalms(this.tracking, await this.detectPalms(image), this.options.maxHands, image);
    return true;
  }

  /** Palm detection on a whole frame: the palms found, in the frame's pixels. */
  async detectPalms(image: RgbImage): Promise<Palm[]> {
    const box = letterboxRoi(image.width, image.height);
    sampleRoi(image, box, PALM_INPUT_SIZE, 'zero', this.palmInput);
    const input = new ort.Tensor('float32', this.palmInput, [1, 3, PALM_INPUT_SIZE, PALM_INPUT_SIZE]);
    const out = await this.palmSession.run({ [this.palmSession.inputNames[0]!]: input });
    const [boxesName, scoresName] = this.palmSession.outputNames as [string, string];
    const palms = decodePalms(
      out[boxesName]!.data as Float32Array,
      out[scoresName]!.data as Float32Array,
      this.anchors,
      {
        minScore: this.options.minDetectionScore,
      },
    );
    // From the letterboxed input back to image pixels.
    return palms.map((p) => {
      const topLeft = roiToImage(box, p.xmin, p.ymin);
      return {
        score: p.score,
        xmin: topLeft.x,
        ymin: topLeft.y,
        width: p.width * box.size,
        height: p.height * box.size,
        keypoints: p.keypoints.map((k) => roiToImage(box, k.x, k.y)),
      };
    });
  }

  /** Runs the landmark model on one ROI; undefined when no hand is there. */
  private async landmarks(
    image: RgbImage,
    roi: Roi,
  ): Promise<{ score: number; left: number; points: Point[]; z: number[] } | undefined> {
    sampleRoi(image, roi, LANDMARK_INPUT_SIZE, 'replicate', this.landmarkInput);
    const input = new ort.Tensor('float32', this.landmarkInput, [
      1,
      3,
      LANDMARK_INPUT_SIZE,
      LANDMARK_INPUT_SIZE,
    ]);
    const out = await this.landmarkSession.run({ [this.landmarkSession.inputNames[0]!]: input });
    // Outputs in order: screen landmarks [1,63], presence [1,1], handedness [1,1], world landmarks [1,63].
    const [screenName, presenceName, handednessName] = this.landmarkSession.outputNames as [
      string,
      string,
      string,
    ];
    const score = (out[presenceName]!.data as Float32Array)[0]!;
    if (!(score >= this.options.minPresenceScore)) return undefined;
    const raw = out[screenName]!.data as Float32Array;
    const points: Point[] = [];
    const z: number[] = [];
    const zScale = roi.size / image.width / LANDMARK_INPUT_SIZE / Z_NORMALIZATION;
    for (let i = 0; i < LANDMARK_COUNT; i++) {
      points.push(roiToImage(roi, raw[3 * i]! / LANDMARK_INPUT_SIZE, raw[3 * i + 1]! / LANDMARK_INPUT_SIZE));
      z.push(raw[3 * i + 2]! * zScale);
    }
    // MediaPipe reads this output as the probability of label 0 of "Left\nRight" (binary classification).
    return { score, left: (out[handednessName]!.data as Float32Array)[0]!, points, z };
  }

  /** Finds the hands in one RGB frame. In `video` mode, call it with consecutive frames of one stream. */
  async process(image: RgbImage, t: number, mode: TrackMode = 'video'): Promise<PipelineResult> {
    if (this.disposed) throw new Error('the hand pipeline has been disposed');
    assertRgbImage(image);
    const started = performance.now();
    if (mode === 'image') this.reset();

    // A search owed by the previous frame that the caller did not run between frames.
    let palmMs = this.deferredSearch ? await this.timed(() => this.searchDeferred()) : 0;
    this.followResize(image);
    const followed = this.tracking.hands.length;
    let framesSincePalmSearch = this.tracking.framesSincePalmSearch + 1;
    const searchDue = followed === 0 || framesSincePalmSearch >= this.options.palmSearchInterval;
    if (followed < this.options.maxHands && searchDue) {
      framesSincePalmSearch = 0;
      if (followed > 0 && mode === 'video') {
        // Hands are being followed: answer with them now, look for more after the answer.
        this.deferredSearch = image;
      } else {
        palmMs += await this.timed(async () => {
          this.tracking = addPalms(
            this.tracking,
            await this.detectPalms(image),
            this.options.maxHands,
            image,
          );
        });
      }
    }
    const candidates = this.tracking.hands;

    const landmarksStarted = performance.now();
    const hands: Hand[] = [];
    const next: TrackedHand[] = [];
    // Nothing is allocated for lost hands on a frame that loses none and remembers none.
    let lost = this.tracking.lost;
    if (lost.length > 0) lost = lost.filter((hand) => t - hand.t <= LOST_HAND_KEEP_MS);
    for (const candidate of candidates) {
      const found = await this.landmarks(image, candidate.roi);
      if (!found) {
        lost = [...lost, { ...candidate, t }];
        continue;
      }
      const roi = roiFromLandmarks(found.points);
      // Two ROIs that converged on the same hand: keep the one followed longest.
      if (next.some((n) => roiOverlap(n.roi, roi) > SAME_HAND_OVERLAP)) continue;
      next.push({ id: candidate.id, roi });
      const landmarks: Landmark[] = found.points.map((p, i) => ({
        x: p.x / image.width,
        y: p.y / image.height,
        z: found.z[i]!,
      }));
      hands.push({
        id: candidate.id,
        handedness: found.left > 0.5 ? 'Left' : 'Right',
        score: found.score,
        landmarks,
      });
    }
    this.tracking =
      mode === 'video'
        ? { ...this.tracking, hands: next, lost, t, framesSincePalmSearch }
        : { ...this.tracking, hands: [], lost: [], t, framesSincePalmSearch };
    const landmarksMs = performance.now() - landmarksStarted;
    return {
      frame: { t, width: image.width, height: image.height, hands },
      timings: { palm: palmMs, landmarks: landmarksMs, total: performance.now() - started },
    };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.all([this.palmSession.release(), this.landmarkSession.release()]);
  }
}
