/**
 * Runs esbuild calls with a time limit, and keeps its service alive for the next compile.
 *
 * esbuild's JS API shares one long-lived service process per Node process. A compile over its
 * time limit is ended by stopping that service (the only way to interrupt esbuild); a service
 * that died (killed, out of memory) answers every later call with "The service is no longer
 * running" until it is stopped. Either way the next call starts a fresh one, and calls that
 * failed only because the service went away underneath them are run once more.
 */
import * as esbuild from 'esbuild';
import { PluginError } from './errors.ts';

const SERVICE_GONE = /The service (is no longer running|was stopped)/;

/** Bumped whenever this module stops the service, so that concurrent calls restart it once. */
let generation = 0;

/**
 * Calls running on the service now. esbuild's `stop()` leaves calls in flight unanswered
 * forever, so stopping it ends them here (and {@link withEsbuild} runs them again).
 */
const inFlight = new Set<(reason: Error) => void>();

/** Stops esbuild's service; the next esbuild call starts a new one. */
export async function restartEsbuild(): Promise<void> {
  generation++;
  const running = [...inFlight];
  inFlight.clear();
  await esbuild.stop();
  for (const end of running) end(new Error('The service was stopped to restart it'));
}

/**
 * `run()` (one or more esbuild calls) within `timeoutMs`. Over it, the service is stopped and
 * this rejects with a PluginError('compile'). If the service was found gone, it is restarted
 * and `run` tried once more.
 */
export async function withEsbuild<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  const started = generation;
  try {
    return await withinTime(run, timeoutMs);
  } catch (error) {
    if (!isServiceGone(error)) throw error;
    // Another call may have restarted it already (this call's failure was that restart).
    if (generation === started) await restartEsbuild();
    return await withinTime(run, timeoutMs);
  }
}

async function withinTime<T>(run: () => Promise<T>, timeoutMs: number): Promise<T> {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(tookTooLong(timeoutMs));
      restartEsbuild().catch(() => {});
    }, timeoutMs);
  });
  let end: (reason: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    end = reject;
  });
  inFlight.add(end);
  const running = run();
  // An abandoned call may settle later, or never: nobody listens.
  running.catch(() => {});
  try {
    return await Promise.race([running, timedOut, stopped]);
  } catch (error) {
    // Its own stop must not read as a service that died (which would be retried).
    throw expired ? tookTooLong(timeoutMs) : error;
  } finally {
    clearTimeout(timer);
    inFlight.delete(end);
  }
}

function tookTooLong(timeoutMs: number): PluginError {
  return new PluginError('compile', `compiling the plugin took longer than ${timeoutMs} ms and was stopped`);
}

function isServiceGone(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return SERVICE_GONE.test(message);
}
