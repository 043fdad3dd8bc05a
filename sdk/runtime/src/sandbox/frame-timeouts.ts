/**
 * When an `onFrame` call that ran out of wall time counts against the plugin. isolated-vm stops a
 * call by wall time only, and Node offers no precise CPU clock of one thread, so one timed-out
 * call cannot tell a plugin that loops from one that waited for a core on a starved machine
 * (measured: bam-drum, ~0.1 ms a frame, stopped at 5 ms on a machine with 8 busy loops per core).
 * What tells them apart is giving the call more time: after a timeout the next call's wall
 * timeout doubles, up to `maxStretch` × the budget. Only a call stopped at that longest timeout
 * after spending at least the budget on the CPU is a _strike_; `maxStrikes` strikes in a row
 * disable the plugin. Every other timeout only loses its frame and is counted. A call that
 * completes resets the timeout and the strikes. A real loop is disabled after
 * log2(maxStretch) + maxStrikes calls (6 with the defaults: 5+10+20+40+40+40 ms).
 */
export const DEFAULT_FRAME_TIMEOUTS = Object.freeze({
  /** The longest wall timeout, in budgets. */
  maxStretch: 8,
});

export type TimedOutCall =
  | { kind: 'forgiven'; cpuMs: number; wallTimeoutMs: number; nextWallTimeoutMs: number }
  | { kind: 'strike'; cpuMs: number; wallTimeoutMs: number; strikes: number; fatal: boolean };

export class FrameTimeouts {
  private readonly budgetMs: number;
  private readonly maxStrikes: number;
  private readonly maxStretch: number;
  private stretch = 1;
  private strikes = 0;

  constructor(budgetMs: number, maxStrikes: number, maxStretch: number = DEFAULT_FRAME_TIMEOUTS.maxStretch) {
    this.budgetMs = budgetMs;
    this.maxStrikes = maxStrikes;
    this.maxStretch = maxStretch;
  }

  /** The wall-clock timeout to give the next call, in ms. */
  get wallTimeoutMs(): number {
    return this.budgetMs * this.stretch;
  }

  /** The call finished within its wall time. */
  completed(): void {
    this.stretch = 1;
    this.strikes = 0;
  }

  /** The call was stopped at {@link wallTimeoutMs} after spending `cpuMs` on the CPU. */
  timedOut(cpuMs: number): TimedOutCall {
    const wallTimeoutMs = this.wallTimeoutMs;
    if (this.stretch < this.maxStretch || cpuMs < this.budgetMs) {
      this.stretch = Math.min(this.stretch * 2, this.maxStretch);
      return { kind: 'forgiven', cpuMs, wallTimeoutMs, nextWallTimeoutMs: this.wallTimeoutMs };
    }
    this.strikes++;
    return {
      kind: 'strike',
      cpuMs,
      wallTimeoutMs,
      strikes: this.strikes,
      fatal: this.strikes >= this.maxStrikes,
    };
  }
}
