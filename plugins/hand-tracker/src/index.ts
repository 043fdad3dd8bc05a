/**
 * @bambam/hand-tracker: MediaPipe hand landmarks (palm detector + landmark model, converted
 * from `@mediapipe/hands` to ONNX) on onnxruntime-node, in a worker thread.
 *
 * ```ts
 * const tracker = await HandTracker.create({ model: 'full', maxHands: 2 });
 * const result = await tracker.track({ data: rgb, width: 640, height: 480 }, performance.now());
 * if (result) console.log(result.frame.hands);
 * await tracker.dispose();
 * ```
 *
 * @packageDocumentation
 */
export {
  DEFAULT_FRAME_BACKLOG_OPTIONS,
  FrameBacklog,
  type FrameBacklogOptions,
} from './frame-backlog.ts';
export {
  HandTracker,
  type HandTrackerOptions,
  type HandTrackerStats,
  type TrackOptions,
  type TrackResult,
} from './hand-tracker.ts';
export { type EnsureModelsOptions, ensureModels, loadOnnxModel, MODEL_CACHE_DIR } from './models/load.ts';
export { cpuHasVnni, recommendedModel } from './models/model-choice.ts';
export { MODEL_VARIANTS, type ModelKind, type ModelVariant } from './models/sources.ts';
export {
  type FrameTimings,
  HandPipeline,
  type PipelineOptions,
  type PipelineResult,
  type TrackingState,
  type TrackMode,
} from './pipeline/hand-pipeline.ts';
export {
  HandTrackerPool,
  type HandTrackerPoolOptions,
  type HandTrackerPoolStats,
  PooledHandTracker,
} from './tracker-pool.ts';
export type { Frame, Hand, Handedness, Landmark, RgbImage } from './types.ts';
export {
  RAW_MJPEG_FPS,
  readVideoFrames,
  silenceFfmpegWarnings,
  type VideoFileOptions,
  type VideoFrame,
} from './video-file.ts';
