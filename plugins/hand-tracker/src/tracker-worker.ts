/**
 * Worker thread entry: owns one {@link HandPipeline} (the two models) and runs the pool's jobs
 * one at a time. It keeps no stream's state: each frame job brings its stream's
 * {@link TrackingState} and the answer carries the next one back, so any worker of a pool can
 * take any stream's next frame.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Palm } from './pipeline/geometry.ts';
import {
  HandPipeline,
  type PipelineOptions,
  type PipelineResult,
  type TrackingState,
  type TrackMode,
} from './pipeline/hand-pipeline.ts';

export interface WorkerOptions extends PipelineOptions {
  /** Scheduling niceness of this thread (Linux; 0 = the process's own). */
  readonly niceness?: number;
}

export type ToWorker =
  | {
      readonly type: 'frame';
      readonly job: number;
      readonly data: Uint8Array;
      readonly width: number;
      readonly height: number;
      readonly t: number;
      readonly mode: TrackMode;
      readonly state: TrackingState;
    }
  | {
      readonly type: 'search';
      readonly job: number;
      readonly data: Uint8Array;
      readonly width: number;
      readonly height: number;
    }
  | { readonly type: 'dispose' }
  /** Tests: throw at once, as a bug in the worker would (never mid-inference). */
  | { readonly type: 'crash' };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly message: string }
  | {
      readonly type: 'frame-done';
      readonly job: number;
      readonly result: PipelineResult;
      readonly state: TrackingState;
      /** The frame's pixels, handed back: for the palm search when one is due, else for reuse. */
      readonly data: Uint8Array;
      /** A palm search for more hands is due on this frame. */
      readonly searchDue: boolean;
    }
  | {
      readonly type: 'search-done';
      readonly job: number;
      readonly palms: Palm[];
      /** The frame's pixels, handed back for reuse. */
      readonly data: Uint8Array;
    }
  | { readonly type: 'failed'; readonly job: number; readonly message: string };

const port = parentPort;
if (!port) throw new Error('tracker-worker.ts must run in a worker thread');
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const options = workerData as WorkerOptions;

/** Linux schedules threads, so a worker thread can be niced alone: its id is in /proc/thread-self. */
function niceThisThread(niceness: number): void {
  if (!niceness || process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid)) setPriority(tid, niceness);
  } catch {
    // Best effort: without it the worker runs at the process's priority.
  }
}

let pipeline: HandPipeline;
try {
  niceThisThread(options.niceness ?? 0);
  pipeline = await HandPipeline.create(options);
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'init-failed', message: (error as Error).message });
  process.exit(1);
}

async function run(message: Extract<ToWorker, { type: 'frame' | 'search' }>): Promise<void> {
  const image = { data: message.data, width: message.width, height: message.height };
  if (message.type === 'search') {
    const palms = await pipeline.detectPalms(image);
    post({ type: 'search-done', job: message.job, palms, data: message.data }, [
      message.data.buffer as ArrayBuffer,
    ]);
    return;
  }
  pipeline.state = message.state;
  const result = await pipeline.process(image, message.t, message.mode);
  const searchDue = pipeline.takeDeferredSearch() !== undefined;
  // The buffer goes back either way: to the search, or to the stream's spares (no new 1 MB
  // allocation, page faults and GC per frame on the engine's event loop).
  post(
    { type: 'frame-done', job: message.job, result, state: pipeline.state, data: message.data, searchDue },
    [message.data.buffer as ArrayBuffer],
  );
}

// The pool sends a worker one job at a time; a queue keeps them in order regardless.
let queue = Promise.resolve();
port.on('message', (message: ToWorker) => {
  if (message.type === 'crash') throw new Error('hand tracker worker crash requested');
  queue = queue.then(async () => {
    if (message.type === 'dispose') {
      await pipeline.dispose();
      process.exit(0); // ends this worker thread only
    }
    try {
      await run(message);
    } catch (error) {
      post({ type: 'failed', job: message.job, message: (error as Error).message });
    }
  });
});
