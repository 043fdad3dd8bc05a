/**
 * When an `onFrame` call that ran out of wall time counts against the plugin. isolated-vm stops a
 * call by wall time only, and Node offers no precise CPU clock of one thread, so one timed-out
 * call cannot tell a plugin that loops from one that waited for a core on a starved machine
 * (measured: bam-drum, ~0.1 ms a frame, stopped at 5 ms on a machine with 8 busy loops per core).
 * What tells them apart is giving the call more time: a call gets `minStretch` × the budget of
 * wall time, and after a timeout the next call's doubles, up to `maxStretch` × the budget. Only
 * a call stopped at that longest timeout after spending at least the budget on the CPU is a
 * _strike_; `maxStrikes` strikes in a row disable the plugin. Every other timeout only loses its
 * frame and is counted. A call that completes resets the timeout and the strikes. A real loop is
 * disabled after log2(maxStretch / minStretch) + maxStrikes calls (4 with the defaults:
 * 20+40+40+40 ms).
 *
 * Why a call starts with 4 budgets of wall time: a frame stopped is a frame lost, and the stroke
 * it held with it. With one core busy, bam-drum's calls (~0.1 ms of CPU) waited past 5 ms for a
 * core often enough that the e2e tests missed strokes; a plugin that really loops only holds
 * its own session's frames longer (each sandbox is its own process), and its CPU over the
 * budget is charged all the same.
 */
export const DEFAULT_FRAME_TIMEOUTS = Object.freeze({
  /** The first wall timeout, in budgets. */
  minStretch: 4,
  /** The longest wall timeout, in budgets. */
  maxStretch: 8,
});

export type TimedOutCall =
  | { kind: 'forgiven'; cpuMs: number; wallTimeoutMs: number; nextWallTimeoutMs: number }
  | { kind: 'strike'; cpuMs: number; wallTimeoutMs: number; strikes: number; fatal: boolean };

export class FrameTimeouts {
  private readonly budgetMs: number;
  private readonly maxStrikes: number;
  private readonly minStretch: number;
  private readonly maxStretch: number;
  private stretch: number;
  private strikes = 0;

  constructor(
    budgetMs: number,
    maxStrikes: number,
    stretch: { readonly min?: number; readonly max?: number } = {},
  ) {
    this.budgetMs = budgetMs;
    this.maxStrikes = maxStrikes;
    this.maxStretch = stretch.max ?? DEFAULT_FRAME_TIMEOUTS.maxStretch;
    this.minStretch = Math.min(stretch.min ?? DEFAULT_FRAME_TIMEOUTS.minStretch, this.maxStretch);
    this.stretch = this.minStretch;
  }

  /** The wall-clock timeout to give the next call, in ms. */
  get wallTimeoutMs(): number {
    return this.budgetMs * this.stretch;
  }

  /** The call finished within its wall time. */
  completed(): void {
    this.stretch = this.minStretch;
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
