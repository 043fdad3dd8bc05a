/**
 * The main thread's side of sound rendering: a small pool of worker threads, each with Tone.js
 * imported and ready, rendering one sound at a time under a timeout.
 *
 * Why a pool and not a worker per render: starting one (thread + node-web-audio-api + Tone
 * import) costs 0.5–0.8 s of CPU and ~22 MB of heap, where a drum renders in 35–110 ms of CPU.
 * Why not one shared worker: renders queued behind each other, and a slow patch held up every
 * other session's plugin load. Here a render that overruns its timeout has its worker
 * terminated (only that render fails), callers are served in turn (fewest renders running,
 * then least recently served) and each caller uses at most `maxWorkersPerCaller` workers, so
 * one plugin's sounds never queue another's behind them.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Sound } from '@bambam/sdk';
import { SoundError } from './errors.ts';
import type { RenderedSound } from './render.ts';

/** Defaults of a {@link RenderPool} and of {@link SoundBank.render}'s budget. */
export const DEFAULT_RENDER_LIMITS = {
  /**
   * One sound's render, counted from when a ready worker starts it; past it the worker is
   * terminated. The costliest patch `SOUND_LIMITS` allow takes ~2 s of CPU (eight
   * full-band fat voices; render.test.ts measures it), a drum ~50 ms.
   */
  soundTimeoutMs: 5000,
  /** All of one `SoundBank.render`'s sounds together, counted from the call (waiting included). */
  bankTimeoutMs: 15_000,
  /** Worker threads at most. */
  maxWorkers: 4,
  /** Workers one caller (one `SoundBank.render`, one `renderSound`) uses at once: a plugin's sounds take one core at most. */
  maxWorkersPerCaller: 1,
  /** Idle workers kept ready (Tone imported) for the next render; an extra idle one stops after `idleMs`. */
  warmWorkers: 1,
  /** How long an idle worker beyond `warmWorkers` is kept. */
  idleMs: 10_000,
} as const;

/** Limits of a {@link RenderPool}: see {@link DEFAULT_RENDER_LIMITS}. */
export type RenderPoolLimits = {
  -readonly [K in Exclude<keyof typeof DEFAULT_RENDER_LIMITS, 'bankTimeoutMs'>]: number;
};

/** Messages from the worker. */
export type RenderReply =
  | { type: 'ready' }
  | { type: 'done'; id: number; left: Float32Array; right: Float32Array; durationMs: number }
  | { type: 'failed'; id: number; detail: string };

/** Who asked for a render: renders are shared fairly between callers and cancelled by caller. */
export type RenderCaller = object;

interface Job {
  readonly id: number;
  readonly name: string;
  readonly sound: Sound;
  readonly caller: RenderCaller;
  readonly timeoutMs: number;
  readonly resolve: (sound: RenderedSound) => void;
  readonly reject: (error: Error) => void;
  slot?: Slot;
  timer?: NodeJS.Timeout;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  job?: Job;
  idleTimer?: NodeJS.Timeout;
}

/** Worker threads that render validated sounds, one at a time each, under a timeout. */
export class RenderPool {
  private readonly limits: RenderPoolLimits;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private started = 0;
  /** When each caller last had a render started (a counter), for round robin. */
  private readonly lastServed = new WeakMap<RenderCaller, number>();
  private serveCount = 0;
  private closed = false;

  constructor(limits: Partial<RenderPoolLimits> = {}) {
    this.limits = { ...DEFAULT_RENDER_LIMITS, ...limits };
  }

  /**
   * Renders a sound that {@link validateSound} has already checked (the worker trusts it).
   * @throws {@link SoundError} when it fails, its worker dies, or it runs past `timeoutMs`.
   */
  render(
    name: string,
    sound: Sound,
    options: { caller?: RenderCaller; timeoutMs?: number } = {},
  ): Promise<RenderedSound> {
    if (this.closed) return Promise.reject(new SoundError(name, 'the render pool is closed'));
    return new Promise<RenderedSound>((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        name,
        sound,
        caller: options.caller ?? {},
        timeoutMs: options.timeoutMs ?? this.limits.soundTimeoutMs,
        resolve,
        reject,
      });
      this.dispatch();
    });
  }

  /**
   * Fails every render of `caller`, queued or running, with `reason(soundName)`; the workers
   * running them are terminated (replaced on demand).
   */
  cancel(caller: RenderCaller, reason: (name: string) => Error): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (job.caller !== caller) continue;
      this.queue.splice(i, 1);
      job.reject(reason(job.name));
    }
    for (const slot of [...this.slots]) {
      if (slot.job?.caller === caller) this.kill(slot, reason(slot.job.name));
    }
    this.dispatch();
  }

  /** Starts workers until `warmWorkers` are running, and resolves when they are ready. */
  async warm(): Promise<void> {
    while (this.slots.size < this.limits.warmWorkers) this.spawn();
    await Promise.all(
      [...this.slots]
        .filter((slot) => !slot.ready)
        .map((slot) => new Promise((resolve) => slot.worker.once('message', resolve).once('exit', resolve))),
    );
  }

  /** Workers running, those rendering, renders waiting for one, and workers started since the pool was made. */
  get stats(): { workers: number; busy: number; queued: number; started: number } {
    const busy = [...this.slots].filter((slot) => slot.job).length;
    return { workers: this.slots.size, busy, queued: this.queue.length, started: this.started };
  }

  /** Fails waiting renders and terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    const closed = (name: string) => new SoundError(name, 'the render pool was closed');
    for (const job of this.queue.splice(0)) job.reject(closed(job.name));
    const workers = [...this.slots].map((slot) => slot.worker);
    for (const slot of [...this.slots]) this.kill(slot, slot.job ? closed(slot.job.name) : undefined);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    for (;;) {
      const index = this.nextJobIndex();
      if (index < 0) break;
      const idle = [...this.slots].find((slot) => slot.ready && !slot.job);
      if (idle) {
        this.assign(idle, this.queue.splice(index, 1)[0]!);
        continue;
      }
      const starting = [...this.slots].filter((slot) => !slot.ready).length;
      if (starting === 0 && this.slots.size < this.limits.maxWorkers) this.spawn();
      break;
    }
    // Keep the process alive only while there is work; idle workers never hold it open.
    const pending = this.queue.length > 0;
    for (const slot of this.slots) {
      if (slot.job || (pending && !slot.ready)) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  /**
   * The queued job to start next: its caller has the fewest renders running, then was served
   * least recently (round robin), then queued first.
   */
  private nextJobIndex(): number {
    const running = new Map<RenderCaller, number>();
    for (const slot of this.slots) {
      if (slot.job) running.set(slot.job.caller, (running.get(slot.job.caller) ?? 0) + 1);
    }
    let best = -1;
    let bestRunning = this.limits.maxWorkersPerCaller;
    let bestServed = Number.POSITIVE_INFINITY;
    this.queue.forEach((job, i) => {
      const count = running.get(job.caller) ?? 0;
      const served = this.lastServed.get(job.caller) ?? -1;
      if (count < bestRunning || (count === bestRunning && best >= 0 && served < bestServed)) {
        best = i;
        bestRunning = count;
        bestServed = served;
      }
    });
    return best;
  }

  private assign(slot: Slot, job: Job): void {
    clearTimeout(slot.idleTimer);
    slot.job = job;
    job.slot = slot;
    this.lastServed.set(job.caller, this.serveCount++);
    job.timer = setTimeout(() => {
      const seconds = Number((job.timeoutMs / 1000).toPrecision(3));
      this.kill(slot, new SoundError(job.name, `rendering took longer than ${seconds} s and was stopped`));
      this.dispatch();
    }, job.timeoutMs);
    slot.worker.postMessage({ id: job.id, name: job.name, sound: job.sound });
  }

  private spawn(): void {
    // `.ts` when run from the sources (the package's own tests), `.js` from the built `dist/`.
    const worker = new Worker(new URL(`./render-worker${path.extname(import.meta.url)}`, import.meta.url));
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    this.started++;
    worker.on('message', (reply: RenderReply) => {
      if (!this.slots.has(slot)) return;
      if (reply.type === 'ready') {
        slot.ready = true;
        this.idle(slot);
        return;
      }
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      clearTimeout(job.timer);
      slot.job = undefined;
      if (reply.type === 'done') {
        job.resolve({ name: job.name, left: reply.left, right: reply.right, durationMs: reply.durationMs });
      } else {
        job.reject(new SoundError(job.name, reply.detail));
      }
      this.idle(slot);
    });
    const fail = (error: Error) => {
      if (!this.slots.has(slot)) return;
      const wasReady = slot.ready;
      const job = slot.job;
      this.kill(
        slot,
        job
          ? new SoundError(job.name, `the render worker failed: ${error.message}`, { cause: error })
          : undefined,
      );
      if (!wasReady) {
        // It failed while importing Tone: a new worker would too. Fail what waits, don't loop.
        for (const waiting of this.queue.splice(0)) {
          waiting.reject(
            new SoundError(waiting.name, `the render worker failed to start: ${error.message}`, {
              cause: error,
            }),
          );
        }
      }
      this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
  }

  /** A worker is free: give it the next job, or let it idle (and stop it later if it is extra). */
  private idle(slot: Slot): void {
    this.dispatch();
    if (slot.job || !this.slots.has(slot)) return;
    const idle = [...this.slots].filter((s) => s.ready && !s.job).length;
    if (this.slots.size > this.limits.warmWorkers && idle > 0) {
      clearTimeout(slot.idleTimer);
      slot.idleTimer = setTimeout(() => {
        if (!slot.job && this.slots.size > this.limits.warmWorkers) this.kill(slot);
      }, this.limits.idleMs).unref();
    }
  }

  /** Removes a worker and terminates it; its job, if any, fails with `error`. Keeps `warmWorkers` running. */
  private kill(slot: Slot, error?: Error): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.idleTimer);
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      if (error) job.reject(error);
    }
    slot.worker.terminate().catch(() => {});
    if (!this.closed && this.slots.size < this.limits.warmWorkers) this.spawn();
  }
}

let shared: RenderPool | undefined;

/** The process's render pool, started on first use. */
export function sharedRenderPool(): RenderPool {
  shared ??= new RenderPool();
  return shared;
}

/** Renders a validated sound on the process's render pool. */
export function renderInWorker(
  name: string,
  sound: Sound,
  options: { caller?: RenderCaller; timeoutMs?: number } = {},
): Promise<RenderedSound> {
  return sharedRenderPool().render(name, sound, options);
}

/** Stops the process's render workers (a new pool starts on the next render). */
export async function stopSoundWorker(): Promise<void> {
  const stopping = shared;
  shared = undefined;
  await stopping?.close();
}
