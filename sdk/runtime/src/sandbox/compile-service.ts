/**
 * Runs esbuild calls with a time limit, and keeps its service alive for the next compile.
 *
 * esbuild's JS API shares one long-lived service process per Node process. A compile over its
 * time limit is ended by stopping that service (the only way to interrupt esbuild); a service
 * that died (killed, out of memory) answers every later call with "The service is no longer
 * running" until it is stopped. Either way the next call starts a fresh one, and calls that
 * failed only because the service went away underneath them are run once more.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';
import type { CompileLimits } from './compile-limits.ts';
import { PluginError } from './errors.ts';

/** How often the service's memory is looked at during a compile, ms. */
const MEMORY_POLL_MS = 50;

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
export async function withEsbuild<T>(
  run: () => Promise<T>,
  limits: Pick<CompileLimits, 'timeoutMs' | 'maxServiceRssBytes'>,
): Promise<T> {
  const started = generation;
  try {
    return await withinLimits(run, limits);
  } catch (error) {
    if (!isServiceGone(error)) throw error;
    // Another call may have restarted it already (this call's failure was that restart).
    if (generation === started) await restartEsbuild();
    return await withinLimits(run, limits);
  }
}

async function withinLimits<T>(
  run: () => Promise<T>,
  { timeoutMs, maxServiceRssBytes }: Pick<CompileLimits, 'timeoutMs' | 'maxServiceRssBytes'>,
): Promise<T> {
  let expired: PluginError | undefined;
  let timer: NodeJS.Timeout | undefined;
  let memoryTimer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    const stop = (error: PluginError) => {
      if (expired) return;
      expired = error;
      reject(error);
      restartEsbuild().catch(() => {});
    };
    timer = setTimeout(() => stop(tookTooLong(timeoutMs)), timeoutMs);
    memoryTimer = setInterval(() => {
      const rss = esbuildServiceRss();
      if (rss !== undefined && rss > maxServiceRssBytes) stop(usedTooMuch(maxServiceRssBytes));
    }, MEMORY_POLL_MS);
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
    throw expired ?? error;
  } finally {
    clearTimeout(timer);
    clearInterval(memoryTimer);
    inFlight.delete(end);
  }
}

function usedTooMuch(maxBytes: number): PluginError {
  return new PluginError(
    'compile',
    `compiling the plugin used more than ${Math.round(maxBytes / 1024 / 1024)} MB of memory and was stopped`,
  );
}

/**
 * Resident memory of this process's esbuild service, bytes, from Linux's /proc (undefined
 * elsewhere, or when no service runs): the child whose command line has `--service=`.
 */
export function esbuildServiceRss(): number | undefined {
  const cached = serviceRss(cachedServicePid);
  if (cached !== undefined) return cached;
  let children: string[];
  try {
    children = readdirSync(`/proc/${process.pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean),
    );
  } catch {
    return undefined;
  }
  for (const pid of children) {
    const rss = serviceRss(pid);
    if (rss === undefined) continue;
    cachedServicePid = pid;
    return rss;
  }
  return undefined;
}

/** The service found last: looked at first, so a poll is one or two small reads. */
let cachedServicePid: string | undefined;

function serviceRss(pid: string | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--service=')) return undefined;
    const rssKb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return rssKb === undefined ? undefined : Number(rssKb) * 1024;
  } catch {
    return undefined; // it ended meanwhile
  }
}

function tookTooLong(timeoutMs: number): PluginError {
  return new PluginError('compile', `compiling the plugin took longer than ${timeoutMs} ms and was stopped`);
}

function isServiceGone(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return SERVICE_GONE.test(message);
}
