/**
 * A fixed set of tracker workers shared by many video streams (an engine's sessions).
 *
 * Why a pool rather than a worker per stream: a machine has a few cores; N workers for N
 * streams fight over them, load N copies of the models and make every new stream wait for a
 * worker to start. A pool sized to the cores starts once, holds the models once per worker,
 * and schedules the work itself, in this order:
 *
 * 1. frames, oldest first (a stream has at most one frame in a worker at a time, because its
 *    next frame needs the state the previous one returns);
 * 2. palm searches for more hands (the slow model), only when no frame waits, unless one has
 *    waited longer than `searchMaxWaitMs`. Under load a second hand is found later; the hands
 *    already followed are not slowed down.
 *
 * Each stream is a {@link PooledHandTracker} whose waiting frames are a {@link FrameBacklog}: a
 * stream slow on every frame keeps only its newest waiting frame (latest wins), one whose worker
 * was only descheduled for a while catches up on the frames of that time (a stroke in them is
 * not lost). A dropped frame resolves to `undefined` and is counted.
 * A worker that dies fails only the job it was running and is replaced.
 */
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FrameBacklog, type FrameBacklogOptions } from './frame-backlog.ts';
import type { Palm } from './pipeline/geometry.ts';
import {
  addPalms,
  type FrameTimings,
  INITIAL_TRACKING_STATE,
  type PipelineOptions,
  type TrackingState,
  type TrackMode,
} from './pipeline/hand-pipeline.ts';
import type { FromWorker, ToWorker, WorkerOptions } from './tracker-worker.ts';
import { assertRgbImage, type Frame, type RgbImage } from './types.ts';

export interface HandTrackerPoolOptions extends PipelineOptions {
  /** Worker threads. Default: the machine's available parallelism. */
  readonly workers?: number;
  /**
   * Niceness of the worker threads on Linux (0–19; default 0). A positive value lets the
   * process's main thread (network, audio clock) and other processes run first.
   */
  readonly niceness?: number;
  /** A palm search waiting longer than this goes before frames. Default 250 ms. */
  readonly searchMaxWaitMs?: number;
  /** How many frames a stream keeps waiting while its frame runs (default: catch up within 40 ms). */
  readonly backlog?: FrameBacklogOptions;
}

export interface TrackOptions {
  /** `video` (default) follows hands across calls; `image` treats the frame as an unrelated still. */
  readonly mode?: TrackMode;
}

export interface TrackResult {
  readonly frame: Frame;
  readonly timings: FrameTimings;
  /** How long the frame waited for a free worker, ms. */
  readonly waitMs: number;
}

export interface HandTrackerStats {
  /** Frames a worker processed. */
  readonly tracked: number;
  /** Frames replaced by a newer one before a worker got to them. */
  readonly dropped: number;
  /** Frames that failed in a worker. */
  readonly failed: number;
  /** Palm searches for more hands run after a frame was answered. */
  readonly searches: number;
}

export interface HandTrackerPoolStats {
  readonly workers: number;
  readonly busyWorkers: number;
  readonly streams: number;
  /** Workers that died and were replaced. */
  readonly restarts: number;
}

interface FrameJob {
  readonly kind: 'frame';
  readonly stream: PooledHandTracker;
  readonly generation: number;
  readonly image: { readonly data: Uint8Array; readonly width: number; readonly height: number };
  readonly t: number;
  readonly mode: TrackMode;
  readonly queuedAt: number;
  readonly resolve: (result: TrackResult | undefined) => void;
  readonly reject: (error: Error) => void;
}

interface SearchJob {
  readonly kind: 'search';
  readonly stream: PooledHandTracker;
  readonly generation: number;
  readonly image: { readonly data: Uint8Array; readonly width: number; readonly height: number };
  readonly queuedAt: number;
}

type Job = FrameJob | SearchJob;

interface PoolWorker {
  readonly worker: Worker;
  /** The job it runs and the id its answer carries. */
  running: { readonly job: Job; readonly id: number; readonly sentAt: number } | undefined;
}

function startWorker(options: WorkerOptions): Promise<Worker> {
  const worker = new Worker(new URL('./tracker-worker.ts', import.meta.url), { workerData: { ...options } });
  return new Promise<Worker>((resolve, reject) => {
    const settle = (error?: Error) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (error) {
        void worker.terminate();
        reject(error);
      } else resolve(worker);
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready') settle();
      else
        settle(
          new Error(message.type === 'init-failed' ? message.message : `unexpected message ${message.type}`),
        );
    };
    const onError = (error: Error) =>
      settle(new Error(`hand tracker worker failed to start: ${error.message}`));
    const onExit = (code: number) =>
      settle(new Error(`hand tracker worker exited while starting (code ${code})`));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

export class HandTrackerPool {
  readonly options: Readonly<WorkerOptions> & { readonly workers: number; readonly searchMaxWaitMs: number };
  private readonly workers: PoolWorker[] = [];
  private readonly streams = new Set<PooledHandTracker>();
  private readonly backlog: FrameBacklogOptions;
  private jobIds = 0;
  private restarts = 0;
  private disposed = false;

  private constructor(options: HandTrackerPool['options'], backlog: FrameBacklogOptions) {
    this.options = options;
    this.backlog = backlog;
  }

  /** Starts the workers, loading the models in each (converting them if the package was not built). */
  static async create(options: HandTrackerPoolOptions = {}): Promise<HandTrackerPool> {
    const {
      workers = availableParallelism(),
      searchMaxWaitMs = 250,
      backlog = {},
      ...workerOptions
    } = options;
    if (!Number.isInteger(workers) || workers < 1 || workers > 64)
      throw new RangeError(`workers must be an integer from 1 to 64, got ${workers}`);
    const niceness = workerOptions.niceness ?? 0;
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19)
      throw new RangeError(`niceness must be an integer from 0 to 19, got ${niceness}`);
    if (!(searchMaxWaitMs >= 0))
      throw new RangeError(`searchMaxWaitMs must be a number ≥ 0, got ${searchMaxWaitMs}`);
    new FrameBacklog(backlog); // checks the options (RangeError) before any worker starts
    const pool = new HandTrackerPool({ ...workerOptions, workers, searchMaxWaitMs }, backlog);
    // The first worker alone, so a bad option or a missing model fails once with one message.
    const first = await startWorker(pool.options);
    const rest = await Promise.allSettled(
      Array.from({ length: workers - 1 }, () => startWorker(pool.options)),
    );
    const started = [first, ...rest.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((w) => w.terminate()));
      throw failed.reason;
    }
    for (const worker of started) pool.adopt(worker);
    return pool;
  }

  /** A new stream: follows hands across its frames, sharing the pool's workers with other streams. */
  tracker(): PooledHandTracker {
    if (this.disposed) throw new Error('the hand tracker pool has been disposed');
    const stream = new PooledHandTracker(this, this.options.maxHands ?? 2, this.backlog);
    this.streams.add(stream);
    return stream;
  }

  get stats(): HandTrackerPoolStats {
    return {
      workers: this.workers.length,
      busyWorkers: this.workers.filter((w) => w.running).length,
      streams: this.streams.size,
      restarts: this.restarts,
    };
  }

  private adopt(worker: Worker): void {
    const slot: PoolWorker = { worker, running: undefined };
    this.workers.push(slot);
    worker.on('message', (message: FromWorker) => this.onMessage(slot, message));
    worker.on('error', () => {}); // 'exit' follows and handles it
    worker.on('exit', (code) => this.onExit(slot, code));
    this.schedule();
  }

  private onMessage(slot: PoolWorker, message: FromWorker): void {
    if (!slot.running || !('job' in message) || message.job !== slot.running.id) return;
    const { job, sentAt } = slot.running;
    slot.running = undefined;
    if (job.kind === 'frame') {
      job.stream._ran(performance.now() - sentAt);
      if (message.type === 'frame-done') {
        job.stream._frameDone(job, message.state, message.data, message.searchDue);
        job.resolve({
          frame: message.result.frame,
          timings: message.result.timings,
          waitMs: sentAt - job.queuedAt,
        });
      } else if (message.type === 'failed') {
        job.stream._frameFailed(job);
        job.reject(new Error(`hand tracking failed: ${message.message}`));
      }
    } else if (message.type === 'search-done') {
      job.stream._searchDone(job, message.palms);
      job.stream._recycle(message.data);
    } else job.stream._searchDone(job, []);
    this.schedule();
  }

  private onExit(slot: PoolWorker, code: number): void {
    const index = this.workers.indexOf(slot);
    if (index >= 0) this.workers.splice(index, 1);
    const job = slot.running?.job;
    slot.running = undefined;
    if (this.disposed) return;
    if (job?.kind === 'frame') {
      job.stream._frameFailed(job);
      job.reject(new Error(`hand tracker worker exited (code ${code}) while tracking this frame`));
    } else if (job) job.stream._searchDone(job, []);
    this.restarts++;
    startWorker(this.options).then(
      (worker) => (this.disposed ? void worker.terminate() : this.adopt(worker)),
      () => {
        // The models loaded before, so this is exceptional (out of memory?): try with the next crash.
        if (this.workers.length === 0) this.failAll(new Error('hand tracker workers cannot be restarted'));
      },
    );
    this.schedule();
  }

  private failAll(error: Error): void {
    for (const stream of this.streams) stream._fail(error);
  }

  /** @internal Gives idle workers the most urgent jobs. */
  schedule(): void {
    if (this.disposed) return;
    for (const slot of this.workers) {
      if (slot.running) continue;
      const job = this.nextJob();
      if (!job) return;
      this.send(slot, job);
    }
  }

  private nextJob(): Job | undefined {
    let frame: FrameJob | undefined;
    let search: SearchJob | undefined;
    for (const stream of this.streams) {
      const f = stream._waitingFrame();
      if (f && (!frame || f.queuedAt < frame.queuedAt)) frame = f;
      const s = stream._waitingSearch();
      if (s && (!search || s.queuedAt < search.queuedAt)) search = s;
    }
    if (search && (!frame || performance.now() - search.queuedAt > this.options.searchMaxWaitMs)) {
      search.stream._searchStarted();
      return search;
    }
    if (frame) frame.stream._frameStarted();
    return frame;
  }

  private send(slot: PoolWorker, job: Job): void {
    const id = ++this.jobIds;
    slot.running = { job, id, sentAt: performance.now() };
    const { data, width, height } = job.image;
    const message: ToWorker =
      job.kind === 'frame'
        ? { type: 'frame', job: id, data, width, height, t: job.t, mode: job.mode, state: job.stream._state }
        : { type: 'search', job: id, data, width, height };
    slot.worker.postMessage(message, [data.buffer as ArrayBuffer]);
  }

  /**
   * @internal For tests: makes every worker throw, as a bug would. (Not `terminate()`: ending
   * a worker while onnxruntime runs in it aborts the whole process.)
   */
  _crashWorkers(): void {
    for (const { worker } of this.workers) worker.postMessage({ type: 'crash' } satisfies ToWorker);
  }

  /** @internal */
  _forget(stream: PooledHandTracker): void {
    this.streams.delete(stream);
  }

  /** Stops the workers. Streams' waiting and running frames reject. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.failAll(new Error('the hand tracker pool has been disposed'));
    this.disposed = true;
    await Promise.all(
      this.workers.map(async ({ worker }) => {
        const exited = once(worker, 'exit');
        // The worker exits after the job it runs: terminate() during inference would abort the
        // process (onnxruntime-node throws from native code into a dying thread), so it is
        // only the last resort for a worker stuck for seconds.
        worker.postMessage({ type: 'dispose' } satisfies ToWorker);
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.workers.length = 0;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/**
 * One video stream's hand tracker on a {@link HandTrackerPool}: same contract as
 * {@link HandTracker} (latest wins, `undefined` for a replaced frame).
 */
export class PooledHandTracker {
  private readonly pool: HandTrackerPool;
  private readonly maxHands: number;
  /** @internal The stream's tracking state, as of its last answered frame. */
  _state: TrackingState = INITIAL_TRACKING_STATE;
  private running: FrameJob | undefined;
  private readonly waiting: FrameBacklog<FrameJob>;
  private search: SearchJob | undefined;
  private searching = false;
  /** Bumped by reset(): answers to jobs started before it do not bring back old hands. */
  private generation = 0;
  private tracked = 0;
  private dropped = 0;
  private failed = 0;
  private searches = 0;
  private dead: Error | undefined;
  /** Frame buffers back from the workers, reused by the next frames of the same size. */
  private readonly spares: Uint8Array[] = [];

  /** @internal Use {@link HandTrackerPool.tracker}. */
  constructor(pool: HandTrackerPool, maxHands: number, backlog: FrameBacklogOptions = {}) {
    this.pool = pool;
    this.maxHands = maxHands;
    this.waiting = new FrameBacklog(backlog);
  }

  get stats(): HandTrackerStats {
    return { tracked: this.tracked, dropped: this.dropped, failed: this.failed, searches: this.searches };
  }

  /** True while a frame is waiting or being processed. */
  get busy(): boolean {
    return this.running !== undefined || this.waiting.size > 0;
  }

  /**
   * Finds the hands in one RGB frame taken at `t` ms. Resolves to `undefined` if the frame was
   * dropped before it was processed (newer frames waited beyond the stream's backlog). The
   * image's bytes are copied; the caller may reuse its buffer at once.
   */
  track(image: RgbImage, t: number, options: TrackOptions = {}): Promise<TrackResult | undefined> {
    if (this.dead) return Promise.reject(this.dead);
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
    // A copy of our own we may transfer to the worker (a Buffer's slice() would be a view of
    // its memory), in a buffer a worker handed back when one of that size is spare.
    const spare = this.spares.findIndex((b) => b.byteLength === image.data.byteLength);
    const data = spare >= 0 ? this.spares.splice(spare, 1)[0]! : new Uint8Array(image.data.byteLength);
    data.set(image.data);
    return new Promise((resolve, reject) => {
      const dropped = this.waiting.push({
        kind: 'frame',
        stream: this,
        generation: this.generation,
        image: { data, width: image.width, height: image.height },
        t,
        mode,
        queuedAt: performance.now(),
        resolve,
        reject,
      });
      for (const old of dropped) {
        this.dropped++;
        this._recycle(old.image.data);
        old.resolve(undefined);
      }
      this.pool.schedule();
    });
  }

  /** Forgets the hands being followed (e.g. when the video source changes). */
  reset(): void {
    this._state = { ...INITIAL_TRACKING_STATE, nextId: this._state.nextId };
    this.search = undefined;
    this.generation++;
  }

  /** @internal */
  _waitingFrame(): FrameJob | undefined {
    return this.running ? undefined : this.waiting.peek();
  }
  /** @internal */
  _waitingSearch(): SearchJob | undefined {
    return this.searching ? undefined : this.search;
  }
  /** @internal */
  _frameStarted(): void {
    this.running = this.waiting.shift();
  }
  /** @internal */
  _searchStarted(): void {
    this.searching = true;
    this.search = undefined;
  }
  /** @internal */
  _frameDone(job: FrameJob, state: TrackingState, data: Uint8Array, searchDue: boolean): void {
    if (this.running === job) this.running = undefined;
    this.tracked++;
    if (job.generation !== this.generation) {
      this._recycle(data);
      return;
    }
    this._state = state;
    if (!searchDue) {
      this._recycle(data);
      return;
    }
    // The newest search replaces an older one still waiting.
    if (this.search) this._recycle(this.search.image.data);
    this.search = {
      kind: 'search',
      stream: this,
      generation: this.generation,
      image: { data, width: job.image.width, height: job.image.height },
      queuedAt: performance.now(),
    };
  }
  /** @internal How long a frame of this stream took in a worker, ms (sizes the backlog). */
  _ran(ms: number): void {
    this.waiting.recordRun(ms);
  }
  /** @internal */
  _frameFailed(job: FrameJob): void {
    if (this.running === job) this.running = undefined;
    this.failed++;
  }
  /** @internal Keeps a buffer a worker handed back (two at most, as in steady state: one in flight, one waiting). */
  _recycle(data: Uint8Array): void {
    if (this.dead || this.spares.length >= 2) return;
    this.spares.push(data);
  }
  /** @internal */
  _searchDone(job: SearchJob, palms: readonly Palm[]): void {
    this.searching = false;
    this.searches++;
    if (!this.dead && job.generation === this.generation)
      this._state = addPalms(this._state, palms, this.maxHands, job.image);
  }
  /** @internal */
  _fail(error: Error): void {
    if (this.dead) return;
    this.dead = error;
    this.running?.reject(error);
    for (const job of this.waiting.clear()) job.reject(error);
    this.running = this.search = undefined;
  }

  /** Leaves the pool: a waiting or running frame rejects; the workers keep serving other streams. */
  async dispose(): Promise<void> {
    this._fail(new Error('the hand tracker has been disposed'));
    this.pool._forget(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
