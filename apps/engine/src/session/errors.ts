/** Maps whatever a request threw to the wire's {@link ErrorInfo}. */
import type { ErrorInfo } from '@bambam/protocol';
import { PluginError, SoundError } from '@bambam/runtime';
import { SdpError } from '../transport/sdp.ts';

/** A request failed for a reason the client should see as is. */
export class RequestError extends Error {
  override name = 'RequestError';
  readonly info: ErrorInfo;
  constructor(info: ErrorInfo) {
    super(info.message);
    this.info = info;
  }
}

/** The error as the client sees it; `internal` (and logged by the caller) for anything unexpected. */
export function toErrorInfo(error: unknown): { info: ErrorInfo; expected: boolean } {
  if (error instanceof RequestError) return { info: error.info, expected: true };
  if (error instanceof PluginError) return { info: error.toInfo(), expected: true };
  if (error instanceof SoundError)
    return { info: { code: 'plugin-load', message: error.message }, expected: true };
  if (error instanceof SdpError)
    return { info: { code: error.code, message: error.message }, expected: true };
  const message = error instanceof Error ? error.message : String(error);
  return { info: { code: 'internal', message: `Internal engine error: ${message}` }, expected: false };
}
