/** CPU steal time on a shared VM (Linux /proc/stat), which decides tail latencies: benches print it. */
import { readFileSync } from 'node:fs';

/** CPU time counters of the whole machine (Linux /proc/stat), to report steal time. */
export function cpuTimes(): number[] | undefined {
  try {
    return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return undefined;
  }
}

/**
 * Share of the machine's time the hypervisor gave to other guests (steal), in %, between two
 * {@link cpuTimes}. On a shared VM it decides the tail latencies: report it beside them.
 */
export function stealPercent(before: number[] | undefined, after: number[] | undefined): number {
  if (!before || !after) return Number.NaN;
  const delta = after.map((v, i) => v - (before[i] ?? 0));
  const total = delta.reduce((a, b) => a + b, 0);
  return total > 0 ? (100 * (delta[7] ?? 0)) / total : Number.NaN;
}
