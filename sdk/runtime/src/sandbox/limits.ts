/**
 * How much a plugin may use. Every number bounds something a hostile or buggy plugin could
 * otherwise take from the engine: memory, time on each call, CPU over time, and the size of
 * what it sends back.
 */
export interface SandboxLimits {
  /** V8 heap limit of the plugin's isolate, in MB (isolated-vm's minimum is 8). Exceeding it disables the plugin. */
  memoryMb: number;
  /**
   * Budget of one `onFrame` call, microtasks included, in ms. A call over it in wall time is
   * stopped (its frame is lost); the next call gets twice the wall time, up to 8× (see
   * FrameTimeouts), so that a busy machine is not taken for a slow plugin.
   */
  frameBudgetMs: number;
  /** CPU the isolate may use across calls: at most `maxMs` in any `windowMs`. Exceeding it disables the plugin. */
  cpuBudget: { windowMs: number; maxMs: number };
  /** `ctx.play` calls kept per frame; a frame with more is dropped and reported. */
  maxPlaysPerFrame: number;
  /**
   * Plays scheduled ahead (`ctx.play(sound, { at })` later than the frame) that may wait at once,
   * per sandbox (one per session); more are refused with a console error.
   */
  maxScheduledPlays: number;
  /** Log lines kept per call; the rest are counted and summarised in one warning. */
  maxLogsPerFrame: number;
  /** Longest log line kept, in characters; longer ones are cut. */
  maxLogChars: number;
  /** Budget of each load step (evaluating the bundle, reading the definition, `state()` + `setup()`, `reset()`), in ms. */
  loadBudgetMs: number;
  /**
   * Strikes in a row after which the plugin is disabled. A strike is a call stopped at the longest
   * wall timeout (8 budgets) after spending at least the budget on the CPU; other timeouts only
   * lose their frame (counted in `stats.forgivenTimeouts`). A completed call resets the count.
   */
  maxConsecutiveTimeouts: number;
  /**
   * Wall time after which a call that ignored its budget is abandoned and the plugin disabled, in
   * ms past the budget. Some V8 work cannot be interrupted (a huge allocation, a GC near the
   * memory limit): isolated-vm's timeout only fires once it ends, seconds later. Generous, so
   * that a busy machine descheduling a well-behaved plugin's process is not taken for a hang;
   * nothing else waits meanwhile (the engine drops frames for that plugin beyond a short backlog).
   */
  hangTimeoutMs: number;
}

/** The limits the engine and the CLI use unless told otherwise. */
export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  memoryMb: 32,
  frameBudgetMs: 5,
  cpuBudget: Object.freeze({ windowMs: 1000, maxMs: 250 }),
  maxPlaysPerFrame: 32,
  maxScheduledPlays: 64,
  maxLogsPerFrame: 20,
  maxLogChars: 2000,
  loadBudgetMs: 1000,
  maxConsecutiveTimeouts: 3,
  hangTimeoutMs: 1000,
}) as SandboxLimits;

/** Defaults overlaid with `overrides`, each checked: a bad limit is a host bug and throws a RangeError. */
export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  const limits: SandboxLimits = {
    ...DEFAULT_SANDBOX_LIMITS,
    ...overrides,
    cpuBudget: { ...DEFAULT_SANDBOX_LIMITS.cpuBudget, ...overrides.cpuBudget },
  };
  const positive = (name: string, value: number, min = Number.MIN_VALUE) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new RangeError(`Sandbox limit ${name} must be a finite number >= ${min}, got ${String(value)}`);
    }
  };
  positive('memoryMb', limits.memoryMb, 8);
  positive('frameBudgetMs', limits.frameBudgetMs);
  positive('cpuBudget.windowMs', limits.cpuBudget.windowMs);
  positive('cpuBudget.maxMs', limits.cpuBudget.maxMs);
  positive('maxPlaysPerFrame', limits.maxPlaysPerFrame, 0);
  positive('maxScheduledPlays', limits.maxScheduledPlays, 0);
  positive('maxLogsPerFrame', limits.maxLogsPerFrame, 0);
  positive('maxLogChars', limits.maxLogChars, 1);
  positive('loadBudgetMs', limits.loadBudgetMs);
  positive('maxConsecutiveTimeouts', limits.maxConsecutiveTimeouts, 1);
  positive('hangTimeoutMs', limits.hangTimeoutMs);
  return limits;
}
