/**
 * How long a thread has waited for a CPU while ready to run, from the kernel's scheduler
 * statistics (`/proc/<pid>/task/<tid>/schedstat`: time on CPU, time waiting on a run queue,
 * timeslices; ns). A thread that waited 100 ms in a window was starved by the machine, not
 * blocked by its own work (that counts as time on CPU).
 */
import { readFileSync } from 'node:fs';

/** Cumulative run-queue wait of a thread (default: the process's main thread), ms; undefined where /proc cannot tell. */
export function threadRunDelayMs(pid: number, tid = pid): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/);
    const waitedNs = Number(fields[1]);
    return Number.isFinite(waitedNs) ? waitedNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}
