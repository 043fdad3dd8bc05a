/**
 * The hand tracker as the engine and the CLI use it: the pipeline runs in a worker thread so
 * inference never blocks the caller's event loop. One frame is in flight at a time; while it
 * runs, a newer frame replaces any frame still waiting (latest wins) and the replaced one
 * resolves to `undefined` and is counted as dropped. Awaiting each call before the next
 * (offline processing) never drops anything.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { FrameTimings, PipelineOptions, PipelineResult, TrackMode } from './pipeline/hand-pipeline.ts';
import type { FromWorker, ToWorker } from './tracker-worker.ts';
import { assertRgbImage, type Frame, type RgbImage } from './types.ts';

export interface HandTrackerOptions extends PipelineOptions {}

export interface TrackOptions {
  /** `video` (default) follows hands across calls; `image` treats the frame as an unrelated still. */
  readonly mode?: TrackMode;
}

export interface TrackResult {
  readonly frame: Frame;
  readonly timings: FrameTimings;
}

export interface HandTrackerStats {
  /** Frames the worker processed. */
  readonly tracked: number;
  /** Frames replaced by a newer one before the worker got to them. */
  readonly dropped: number;
  /** Frames that failed in the worker. */
  readonly failed: number;
}

interface Pending {
  readonly message: Extract<ToWorker, { type: 'frame' }>;
  readonly resolve: (result: TrackResult | undefined) => void;
  readonly reject: (error: Error) => void;
}

export class HandTracker {
  readonly #worker: Worker;
  #inFlight: Pending | undefined;
  #waiting: Pending | undefined;
  #seq = 0;
  #tracked = 0;
  #dropped = 0;
  #failed = 0;
  #dead: Error | undefined;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.on('message', (message: FromWorker) => this.#onMessage(message));
    worker.on('error', (error) => this.#fail(new Error(`hand tracker worker crashed: ${error.message}`)));
    worker.on('exit', (code) => this.#fail(new Error(`hand tracker worker exited (code ${code})`)));
  }

  /** Starts a worker, loads the models (converting them if the package was not built) and resolves when ready. */
  static async create(options: HandTrackerOptions = {}): Promise<HandTracker> {
    const worker = new Worker(new URL('./tracker-worker.ts', import.meta.url), {
      workerData: { ...options },
    });
    try {
      // Wait for 'ready', a startup failure, an error or an exit, whichever comes first; then
      // drop these listeners (the tracker installs its own).
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: Error) => {
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (error) reject(error);
          else resolve();
        };
        const onMessage = (message: FromWorker) => {
          if (message.type === 'ready') settle();
          else
            settle(
              new Error(
                message.type === 'init-failed' ? message.message : `unexpected message ${message.type}`,
              ),
            );
        };
        const onError = (error: Error) =>
          settle(new Error(`hand tracker worker failed to start: ${error.message}`));
        const onExit = (code: number) =>
          settle(new Error(`hand tracker worker exited while starting (code ${code})`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return new HandTracker(worker);
  }

  get stats(): HandTrackerStats {
    return { tracked: this.#tracked, dropped: this.#dropped, failed: this.#failed };
  }

  /** True while a frame is being processed. */
  get busy(): boolean {
    return this.#inFlight !== undefined;
  }

  /**
   * Finds the hands in one RGB frame taken at `t` ms. Resolves to `undefined` if a newer frame
   * replaced this one before it was processed. The image's bytes are copied; the caller may
   * reuse its buffer at once.
   */
  track(image: RgbImage, t: number, options: TrackOptions = {}): Promise<TrackResult | undefined> {
    if (this.#dead) return Promise.reject(this.#dead);
    try {
      assertRgbImage(image);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!Number.isFinite(t))
      return Promise.reject(new TypeError(`t must be a finite number of milliseconds, got ${t}`));
    const { mode = 'video' } = options;
    if (mode !== 'video' && mode !== 'image')
      return Promise.reject(new RangeError(`mode must be 'video' or 'image', got ${String(mode)}`));
    // A fresh copy we may transfer to the worker (a Buffer's slice() would be a view of its memory).
    const data = new Uint8Array(image.data);
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        message: { type: 'frame', seq: ++this.#seq, data, width: image.width, height: image.height, t, mode },
        resolve,
        reject,
      };
      if (!this.#inFlight) this.#send(pending);
      else {
        if (this.#waiting) {
          this.#dropped++;
          this.#waiting.resolve(undefined);
        }
        this.#waiting = pending;
      }
    });
  }

  /** Forgets the hands being followed (e.g. when the video source changes). */
  reset(): void {
    if (!this.#dead) this.#worker.postMessage({ type: 'reset' } satisfies ToWorker);
  }

  #send(pending: Pending): void {
    this.#inFlight = pending;
    this.#worker.postMessage(pending.message, [pending.message.data.buffer as ArrayBuffer]);
  }

  #onMessage(message: FromWorker): void {
    const current = this.#inFlight;
    if (
      (message.type !== 'result' && message.type !== 'failed') ||
      !current ||
      current.message.seq !== message.seq
    )
      return;
    this.#inFlight = undefined;
    if (message.type === 'result') {
      this.#tracked++;
      current.resolve(message.result as PipelineResult);
    } else {
      this.#failed++;
      current.reject(new Error(`hand tracking failed: ${message.message}`));
    }
    const next = this.#waiting;
    this.#waiting = undefined;
    if (next) this.#send(next);
  }

  #fail(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    this.#inFlight?.reject(error);
    this.#waiting?.reject(error);
    this.#inFlight = this.#waiting = undefined;
  }

  /** Stops the worker and frees the models. Frames not yet processed reject. */
  async dispose(): Promise<void> {
    if (this.#dead) return;
    this.#fail(new Error('the hand tracker has been disposed'));
    const exited = once(this.#worker, 'exit');
    this.#worker.postMessage({ type: 'dispose' } satisfies ToWorker);
    const timer = setTimeout(() => void this.#worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
