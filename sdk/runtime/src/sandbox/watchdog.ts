/** Rejection of a call abandoned by {@link withWatchdog}. */
export class HangError extends Error {}

/**
 * `call`, or a HangError once `ms` have passed: for isolate work that ignores its timeout. The
 * abandoned call settles later on its own; its outcome is dropped.
 */
export function withWatchdog<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`still running after ${ms} ms`)), ms);
  });
  call.catch(() => {});
  return Promise.race([call, watchdog]).finally(() => clearTimeout(timer));
}
