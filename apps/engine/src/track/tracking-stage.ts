/**
 * RGB frames → hands: one session's stream on the engine's {@link SharedTracking} pool (inference
 * never runs on the engine's event loop). Each stream carries its own tracking state.
 *
 * Falling behind: one frame per session is in a worker; frames arriving meanwhile wait in the
 * stream's backlog, oldest first: all of them after a short stall (a descheduled worker; each
 * costs a few ms to catch up on, and a stroke in them is not lost), only the newest when every
 * frame is slow (latest wins). Dropped frames are counted in `dropped`.
 * Palm searches for a second hand yield to waiting frames (see HandTrackerPool).
 */
import type { HandTrackerStats, PooledHandTracker, TrackResult } from '@bambam/hand-tracker';
import type { RgbImage } from '../convert/rgb-converter.ts';
import type { Stage } from '../pipeline/stage.ts';
import type { SharedTracking } from './shared-tracking.ts';

/** A converted picture and its frame time `t` (ms), which identifies it in the result. */
export interface TrackInput {
  readonly image: RgbImage;
  readonly t: number;
}

export interface TrackingStageOptions {
  /** Called with each tracked frame; `submittedAt` is when its image was handed over. */
  readonly onResult: (result: TrackResult, submittedAt: number) => void;
  /** Called when tracking a frame failed (the stage keeps going). */
  readonly onError: (error: Error) => void;
}

export interface TrackingStageStats extends HandTrackerStats {
  readonly submitted: number;
}

export class TrackingStage implements Stage<TrackInput, never, TrackingStageStats> {
  private readonly tracker: PooledHandTracker;
  private readonly options: TrackingStageOptions;
  private disposed = false;
  private submitted = 0;

  private constructor(tracker: PooledHandTracker, options: TrackingStageOptions) {
    this.tracker = tracker;
    this.options = options;
  }

  /** A stream of its own on the engine's shared pool. */
  static async create(tracking: SharedTracking, options: TrackingStageOptions): Promise<TrackingStage> {
    const pool = await tracking.pool();
    return new TrackingStage(pool.tracker(), options);
  }

  /** Hands a frame to the pool; its hands go to `onResult` (the image is copied at once). */
  push({ image, t }: TrackInput): void {
    if (this.disposed) return;
    this.submitted++;
    const submittedAt = performance.now();
    this.tracker.track(image, t).then(
      (result) => {
        if (result && !this.disposed) this.options.onResult(result, submittedAt);
      },
      (error: Error) => {
        if (!this.disposed) this.options.onError(error);
      },
    );
  }

  /** Frames tracked, replaced by newer ones before a worker got to them (`dropped`), failed. */
  stats(): TrackingStageStats {
    return { ...this.tracker.stats, submitted: this.submitted };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.tracker.dispose();
  }
}
