/**
 * The main thread's side of the sound render worker: one worker thread, started on first use
 * and shared by every render; it doesn't keep the process alive. If it dies, pending renders
 * fail and the next render starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { Sound } from '../../sounds.ts';
import { SoundError } from './errors.ts';
import type { RenderedSound } from './render.ts';

/** A reply from the worker. */
export type RenderReply =
  | { id: number; ok: true; left: Float32Array; right: Float32Array; durationMs: number }
  | { id: number; ok: false; detail: string };

interface Pending {
  name: string;
  resolve: (sound: RenderedSound) => void;
  reject: (error: Error) => void;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

function start(): Worker {
  const started = new Worker(new URL('./render-worker.ts', import.meta.url));
  started.unref();
  started.on('message', (reply: RenderReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (pending.size === 0) started.unref();
    if (reply.ok) {
      waiting.resolve({
        name: waiting.name,
        left: reply.left,
        right: reply.right,
        durationMs: reply.durationMs,
      });
    } else {
      waiting.reject(new SoundError(waiting.name, reply.detail));
    }
  });
  const fail = (error: Error) => {
    if (worker === started) worker = undefined;
    for (const [id, waiting] of pending) {
      pending.delete(id);
      waiting.reject(
        new SoundError(waiting.name, `the render worker failed: ${error.message}`, { cause: error }),
      );
    }
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`it exited with code ${code}`)));
  return started;
}

/** Renders a validated sound on the shared worker thread. */
export function renderInWorker(name: string, sound: Sound): Promise<RenderedSound> {
  worker ??= start();
  const id = nextId++;
  const target = worker;
  return new Promise<RenderedSound>((resolve, reject) => {
    pending.set(id, { name, resolve, reject });
    target.ref(); // keep the process alive while a render is under way
    target.postMessage({ id, name, sound });
  });
}

/** Stops the render worker (it is started again on the next render). */
export async function stopSoundWorker(): Promise<void> {
  const stopping = worker;
  worker = undefined;
  await stopping?.terminate();
}
