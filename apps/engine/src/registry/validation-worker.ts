/**
 * Worker thread entry of {@link WorkerValidator}: validates uploads off the engine's event loop
 * (rendering sounds with Tone runs JavaScript for tens of milliseconds, which would delay the
 * sessions' 20 ms audio frames).
 */
import { parentPort } from 'node:worker_threads';
import { ValidationError, validateBundle } from './bundle-validation.ts';
import type { Manifest } from './manifest.ts';
import type { CompiledBundle } from './types.ts';

export interface ValidateRequest {
  readonly id: number;
  readonly manifest: Manifest;
  readonly compiled: CompiledBundle;
}

export type ValidateReply =
  | { readonly id: number; readonly ok: true }
  | {
      readonly id: number;
      readonly ok: false;
      /** True for a {@link ValidationError} (the upload is bad), false for a failure of the validator. */
      readonly invalid: boolean;
      readonly code: string;
      readonly message: string;
      readonly location?: { file?: string; line: number; column: number };
    };

const port = parentPort;
if (port) {
  port.on('message', async (request: ValidateRequest) => {
    let reply: ValidateReply;
    try {
      await validateBundle(request.manifest, request.compiled);
      reply = { id: request.id, ok: true };
    } catch (error) {
      const invalid = error instanceof ValidationError;
      reply = {
        id: request.id,
        ok: false,
        invalid,
        code: invalid ? error.code : 'internal',
        message: (error as Error).message,
        ...(invalid && error.location ? { location: error.location } : {}),
      };
    }
    port.postMessage(reply);
  });
}
