/**
 * RGB frames → hands, through @bambam/hand-tracker's worker pool (inference never runs on the
 * engine's event loop). The engine starts one {@link SharedTracking} pool sized to the machine's
 * cores; each session is one stream on it, carrying its own tracking state, so a new session
 * needs no worker of its own and starts at once.
 *
 * Falling behind: one frame per session is in a worker, at most one waits; a newer frame
 * replaces the waiting one (latest wins), and the replaced frame is counted in `dropped`.
 * Palm searches for a second hand yield to waiting frames (see HandTrackerPool).
 */
import {
  HandTrackerPool,
  type ModelVariant,
  type PooledHandTracker,
  type TrackResult,
} from '@bambam/hand-tracker';
import type { RgbImage } from '../convert/rgb-converter.ts';

export interface SharedTrackingOptions {
  readonly model: ModelVariant;
  readonly maxHands: number;
  /** Frames between palm searches for another hand while fewer than `maxHands` are followed. */
  readonly palmSearchInterval?: number;
  /** Worker threads (default: the machine's available parallelism). */
  readonly workers?: number;
  /** Niceness of the worker threads (Linux): lets the event loop and the audio clock go first. */
  readonly niceness?: number;
}

/** The engine's tracker workers, started in the background when the engine starts. */
export class SharedTracking {
  readonly #ready: Promise<HandTrackerPool>;
  #pool: HandTrackerPool | undefined;
  #disposed = false;

  constructor(options: SharedTrackingOptions) {
    this.#ready = HandTrackerPool.create({ ...options, threads: 1 });
    this.#ready.then(
      (pool) => {
        this.#pool = pool;
      },
      () => {},
    );
    // A failure surfaces when a session needs the pool (its offer gets the error).
    this.#ready.catch(() => {});
  }

  /** The pool's workers and restarts; undefined until it has started. */
  get stats() {
    return this.#pool?.stats;
  }

  /** The pool, once its workers have loaded the models. */
  pool(): Promise<HandTrackerPool> {
    if (this.#disposed) return Promise.reject(new Error('the engine is shutting down'));
    return this.#ready;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const pool = await this.#ready.catch(() => undefined);
    await pool?.dispose();
  }
}

export interface TrackingStageOptions {
  /** Called with each tracked frame; `submittedAt` is when its image was handed over. */
  readonly onResult: (result: TrackResult, submittedAt: number) => void;
  /** Called when tracking a frame failed (the stage keeps going). */
  readonly onError: (error: Error) => void;
}

export class TrackingStage {
  private readonly tracker: PooledHandTracker;
  private readonly options: TrackingStageOptions;
  private disposed = false;
  submitted = 0;

  private constructor(tracker: PooledHandTracker, options: TrackingStageOptions) {
    this.tracker = tracker;
    this.options = options;
  }

  /** A stream of its own on the engine's shared pool. */
  static async create(tracking: SharedTracking, options: TrackingStageOptions): Promise<TrackingStage> {
    const pool = await tracking.pool();
    return new TrackingStage(pool.tracker(), options);
  }

  /** Hands a frame to the pool; `t` (ms) identifies it in the result. */
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

  /** Frames replaced by newer ones before a worker got to them. */
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
