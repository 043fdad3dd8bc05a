/**
 * CPU an isolate used over a sliding window of wall time: the budget that catches a plugin
 * that stays under the per-call timeout but eats the engine's CPU frame after frame.
 */
export class CpuBudget {
  private readonly windowMs: number;
  private readonly maxMs: number;
  /** (end time, cpu ms) of recent calls, oldest first. */
  private readonly times: number[] = [];
  private readonly costs: number[] = [];
  private head = 0;
  private sum = 0;

  constructor(windowMs: number, maxMs: number) {
    this.windowMs = windowMs;
    this.maxMs = maxMs;
  }

  /** Records a call that ended at `nowMs` and cost `cpuMs`; returns the CPU used in the window. */
  add(nowMs: number, cpuMs: number): number {
    this.times.push(nowMs);
    this.costs.push(cpuMs);
    this.sum += cpuMs;
    while (this.head < this.times.length && this.times[this.head]! <= nowMs - this.windowMs) {
      this.sum -= this.costs[this.head]!;
      this.head++;
    }
    if (this.head > 1024) {
      this.times.splice(0, this.head);
      this.costs.splice(0, this.head);
      this.head = 0;
    }
    return this.sum;
  }

  /** True when the CPU used in the window is over the budget. */
  get exceeded(): boolean {
    return this.sum > this.maxMs;
  }

  get usedMs(): number {
    return this.sum;
  }
}

/** What a call into the isolate needs to be measured: isolated-vm's own clock. */
export interface CpuMeteredIsolate {
  readonly cpuTime: bigint;
  readonly isDisposed: boolean;
}

/**
 * Starts measuring one call's CPU; the returned function ends it and gives the ms.
 * isolated-vm's `cpuTime` counts wall time while the isolate holds its thread (measured on a
 * starved machine: 37 ms of "CPU" for a bam-drum call that spent 3.5 ms on a core), so alone it
 * cannot tell a plugin that computes from one that waits for a core. The process's CPU time
 * bounds it from above too, and precisely (`process.threadCpuUsage` would be closer but only
 * moves in scheduler ticks of ~4 ms on Linux). In the default process isolation the child runs
 * nothing else during a call, so the smaller of the two is the plugin's CPU.
 */
export function startCallCpu(isolate: CpuMeteredIsolate): () => number {
  const isolateStart = isolate.cpuTime;
  const processStart = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(processStart);
    const processMs = (used.user + used.system) / 1000;
    if (isolate.isDisposed) return processMs;
    return Math.min(processMs, Number(isolate.cpuTime - isolateStart) / 1e6);
  };
}
