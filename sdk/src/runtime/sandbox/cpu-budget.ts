/**
 * CPU an isolate used over a sliding window of wall time: the budget that catches a plugin
 * that stays under the per-call timeout but eats the engine's CPU frame after frame.
 */
export class CpuBudget {
  readonly #windowMs: number;
  readonly #maxMs: number;
  /** (end time, cpu ms) of recent calls, oldest first. */
  readonly #times: number[] = [];
  readonly #costs: number[] = [];
  #head = 0;
  #sum = 0;

  constructor(windowMs: number, maxMs: number) {
    this.#windowMs = windowMs;
    this.#maxMs = maxMs;
  }

  /** Records a call that ended at `nowMs` and cost `cpuMs`; returns the CPU used in the window. */
  add(nowMs: number, cpuMs: number): number {
    this.#times.push(nowMs);
    this.#costs.push(cpuMs);
    this.#sum += cpuMs;
    while (this.#head < this.#times.length && this.#times[this.#head]! <= nowMs - this.#windowMs) {
      this.#sum -= this.#costs[this.#head]!;
      this.#head++;
    }
    if (this.#head > 1024) {
      this.#times.splice(0, this.#head);
      this.#costs.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#sum;
  }

  /** True when the CPU used in the window is over the budget. */
  get exceeded(): boolean {
    return this.#sum > this.#maxMs;
  }

  get usedMs(): number {
    return this.#sum;
  }
}
