/**
 * The hand tracker for one video stream, as the CLI and tests use it: a
 * {@link HandTrackerPool} of one worker thread serving one stream, so inference never blocks
 * the caller's event loop. One frame is in flight at a time; frames given meanwhile wait in a
 * {@link FrameBacklog} (the newest only, when every frame is slow), and a dropped one resolves
 * to `undefined` and is counted. Awaiting each call before the next (offline processing) never
 * drops anything. An engine with many streams shares one pool between them instead.
 */
import type { FrameBacklogOptions } from './frame-backlog.ts';
import type { PipelineOptions } from './pipeline/hand-pipeline.ts';
import {
  HandTrackerPool,
  type HandTrackerStats,
  type PooledHandTracker,
  type TrackOptions,
  type TrackResult,
} from './tracker-pool.ts';
import type { RgbImage } from './types.ts';

export type { HandTrackerStats, TrackOptions, TrackResult } from './tracker-pool.ts';

export interface HandTrackerOptions extends PipelineOptions {
  /** How many frames wait while one runs (default: catch up within 40 ms; `maxFrames: 1`: latest wins). */
  readonly backlog?: FrameBacklogOptions;
}

export class HandTracker {
  private readonly pool: HandTrackerPool;
  private readonly stream: PooledHandTracker;

  private constructor(pool: HandTrackerPool) {
    this.pool = pool;
    this.stream = pool.tracker();
  }

  /** Starts a worker, loads the models (converting them if the package was not built) and resolves when ready. */
  static async create(options: HandTrackerOptions = {}): Promise<HandTracker> {
    return new HandTracker(await HandTrackerPool.create({ ...options, workers: 1 }));
  }

  get stats(): HandTrackerStats {
    return this.stream.stats;
  }

  /** True while a frame is waiting or being processed. */
  get busy(): boolean {
    return this.stream.busy;
  }

  /**
   * Finds the hands in one RGB frame taken at `t` ms. Resolves to `undefined` if the frame was
   * dropped before it was processed (newer frames waited beyond the backlog). The image's bytes are copied; the caller may
   * reuse its buffer at once.
   */
  track(image: RgbImage, t: number, options: TrackOptions = {}): Promise<TrackResult | undefined> {
    return this.stream.track(image, t, options);
  }

  /** Forgets the hands being followed (e.g. when the video source changes). */
  reset(): void {
    this.stream.reset();
  }

  /** Stops the worker and frees the models. Frames not yet processed reject. */
  async dispose(): Promise<void> {
    await this.stream.dispose();
    await this.pool.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
