/**
 * RGB frames → hands, through @bambam/hand-tracker's worker (inference never runs on the
 * engine's event loop). One worker per session: the tracker follows hands from frame to frame,
 * so its state belongs to one video stream.
 *
 * Falling behind: one frame is in the worker, at most one waits; a newer frame replaces the
 * waiting one (latest wins), and the replaced frame is counted in `dropped`.
 */
import { HandTracker, type TrackResult } from '@bambam/hand-tracker';
import type { RgbImage } from '../convert/rgb-converter.ts';

export interface TrackingStageOptions {
  readonly model?: 'full' | 'lite';
  readonly maxHands?: number;
  /** Called with each tracked frame; `submittedAt` is when its image was handed over. */
  readonly onResult: (result: TrackResult, submittedAt: number) => void;
  /** Called when tracking a frame failed (the stage keeps going) or the worker died. */
  readonly onError: (error: Error) => void;
}

export class TrackingStage {
  private readonly tracker: HandTracker;
  private readonly options: TrackingStageOptions;
  private disposed = false;
  submitted = 0;

  private constructor(tracker: HandTracker, options: TrackingStageOptions) {
    this.tracker = tracker;
    this.options = options;
  }

  static async create(options: TrackingStageOptions): Promise<TrackingStage> {
    const tracker = await HandTracker.create({
      model: options.model ?? 'full',
      maxHands: options.maxHands ?? 2,
      threads: 1,
    });
    return new TrackingStage(tracker, options);
  }

  /** Hands a frame to the worker; `t` (ms) identifies it in the result. */
  submit(image: RgbImage, t: number): void {
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

  /** Frames replaced by newer ones before the worker got to them. */
  get dropped(): number {
    return this.tracker.stats.dropped;
  }

  get stats() {
    return this.tracker.stats;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.tracker.dispose();
  }
}
