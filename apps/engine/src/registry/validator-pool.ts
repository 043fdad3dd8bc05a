/**
 * Runs upload validation ({@link validateBundle}) in a worker thread, one upload at a time, so
 * a publish never stalls the engine's event loop. The worker starts on first use, stays for
 * the next upload, and is replaced if it dies or overruns its time limit.
 */
import { Worker } from 'node:worker_threads';
import { ValidationError } from './bundle-validation.ts';
import type { Manifest } from './manifest.ts';
import type { CompiledBundle } from './types.ts';
import type { ValidateReply, ValidateRequest } from './validation-worker.ts';

/** Validates one upload; throws {@link ValidationError} when it is refused. */
export type BundleValidator = (manifest: Manifest, compiled: CompiledBundle) => Promise<void>;

export interface WorkerValidatorOptions {
  /** Longest a validation may take before the worker is killed, ms. Default 60 000. */
  readonly timeoutMs?: number;
}

export class WorkerValidator {
  readonly #timeoutMs: number;
  #worker: Worker | undefined;
  #nextId = 1;
  #pending = new Map<number, { resolve: (reply: ValidateReply) => void; reject: (error: Error) => void }>();
  #disposed = false;

  constructor(options: WorkerValidatorOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  readonly validate: BundleValidator = async (manifest, compiled) => {
    if (this.#disposed) throw new Error('The registry is shutting down.');
    const worker = this.#start();
    const id = this.#nextId++;
    const reply = await new Promise<ValidateReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ValidationError('timeout', `Validation took over ${this.#timeoutMs} ms and was stopped.`));
        void this.#stop();
      }, this.#timeoutMs);
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      worker.postMessage({ id, manifest, compiled } satisfies ValidateRequest);
    });
    if (reply.ok) return;
    if (reply.invalid) throw new ValidationError(reply.code, reply.message, reply.location);
    throw new Error(`Validation failed: ${reply.message}`);
  };

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./validation-worker.ts', import.meta.url));
    worker.unref();
    worker.on('message', (reply: ValidateReply) => {
      this.#pending.get(reply.id)?.resolve(reply);
      this.#pending.delete(reply.id);
    });
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const { reject } of this.#pending.values()) reject(error);
      this.#pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`The validation worker failed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`The validation worker exited (code ${code}).`)));
    this.#worker = worker;
    return worker;
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    await this.#stop();
  }
}
