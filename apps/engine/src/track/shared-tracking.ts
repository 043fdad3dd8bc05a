/**
 * The engine's hand tracker workers: one @bambam/hand-tracker pool sized to the machine's
 * cores, started in the background when the engine starts. Each session tracks its video as
 * one stream on it ({@link TrackingStage}), so a new session needs no worker of its own and
 * starts at once.
 */
import { HandTrackerPool, type ModelVariant } from '@bambam/hand-tracker';

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

export class SharedTracking {
  private readonly ready: Promise<HandTrackerPool>;
  private started: HandTrackerPool | undefined;
  private disposed = false;

  constructor(options: SharedTrackingOptions) {
    this.ready = HandTrackerPool.create({ ...options, threads: 1 });
    this.ready.then(
      (pool) => {
        this.started = pool;
      },
      () => {},
    );
    // A failure surfaces when a session needs the pool (its offer gets the error).
    this.ready.catch(() => {});
  }

  /** The pool's workers and restarts; undefined until it has started. */
  get stats() {
    return this.started?.stats;
  }

  /** The pool, once its workers have loaded the models. */
  pool(): Promise<HandTrackerPool> {
    if (this.disposed) return Promise.reject(new Error('the engine is shutting down'));
    return this.ready;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const pool = await this.ready.catch(() => undefined);
    await pool?.dispose();
  }
}
