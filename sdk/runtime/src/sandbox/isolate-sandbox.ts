import type { Frame, PlayEvent } from '@bambam/sdk';
import { MAX_SCHEDULE_AHEAD_MS } from '@bambam/sdk';
import ivm from 'isolated-vm';
import type { CompiledPlugin } from './compile.ts';
import { CpuBudget, startCallCpu } from './cpu-budget.ts';
import type { ParamValue } from './definition.ts';
import { PluginError, type PluginErrorCode } from './errors.ts';
import { FrameTimeouts } from './frame-timeouts.ts';
import { type LoadedIsolate, loadIsolate, type RuntimeRefs, TIMEOUT_MESSAGE } from './isolate-loader.ts';
import { type CallResult, deliverLogs, parseResult, type RawError } from './isolate-result.ts';
import type { SandboxLimits } from './limits.ts';
import { SandboxBase } from './sandbox-base.ts';
import type { StackMapper } from './stack.ts';
import type { FrameTransport, SandboxCallMode, SandboxOptions } from './types.ts';
import { HangError, withWatchdog } from './watchdog.ts';

/** Only {@link IsolateSandbox.load} constructs these. */
const CONSTRUCT = Symbol('PluginSandbox.construct');

/**
 * One plugin running in its own isolated-vm isolate: its memory, its time budgets, its errors.
 * Nothing but plain data crosses in or out: a frame goes in as a copy, plays and log lines come
 * out as JSON text, validated again on this side. A plugin that misbehaves gets a
 * {@link PluginError}; the fatal ones (memory, CPU budget, repeated timeouts) dispose the
 * isolate and set {@link disabled}. The host and every other sandbox carry on.
 */
export class IsolateSandbox extends SandboxBase {
  private readonly isolate: ivm.Isolate;
  private readonly context: ivm.Context;
  private readonly refs: RuntimeRefs;
  private readonly mapper: StackMapper;
  private readonly callMode: SandboxCallMode;
  private readonly transport: FrameTransport;
  private readonly cpu: CpuBudget;
  private readonly frameTimeouts: FrameTimeouts;
  private readonly sounds: Set<string>;
  private pendingParams: string | undefined;
  private consecutiveTimeouts = 0;

  /** @internal Use {@link IsolateSandbox.load}. */
  constructor(
    token: typeof CONSTRUCT,
    loaded: LoadedIsolate,
    limits: SandboxLimits,
    options: SandboxOptions,
  ) {
    if (token !== CONSTRUCT) throw new TypeError('Use PluginSandbox.load() to create a sandbox');
    super(limits, options.onLog);
    this.pluginDescription = Object.freeze(loaded.description);
    this.paramValues = Object.freeze(loaded.params);
    this.isolate = loaded.isolate;
    this.context = loaded.context;
    this.refs = loaded.refs;
    this.mapper = loaded.mapper;
    this.callMode = options.callMode ?? 'async';
    this.transport = options.frameTransport ?? 'copy';
    this.cpu = new CpuBudget(limits.cpuBudget.windowMs, limits.cpuBudget.maxMs);
    this.frameTimeouts = new FrameTimeouts(limits.frameBudgetMs, limits.maxConsecutiveTimeouts);
    this.sounds = new Set(Object.keys(loaded.description.sounds));
  }

  /**
   * Loads the plugin into a new isolate (see {@link loadIsolate}). `options` and `limits` were
   * checked by {@link PluginSandbox.load}.
   */
  static async load(
    compiled: CompiledPlugin,
    options: SandboxOptions,
    limits: SandboxLimits,
  ): Promise<IsolateSandbox> {
    return new IsolateSandbox(CONSTRUCT, await loadIsolate(compiled, options, limits), limits, options);
  }

  protected paramsChanged(values: Record<string, ParamValue>): void {
    this.pendingParams = JSON.stringify(values);
  }

  protected async runFrame(input: Frame): Promise<PlayEvent[]> {
    const params = this.pendingParams;
    this.pendingParams = undefined;
    const wallTimeoutMs = this.frameTimeouts.wallTimeoutMs;
    const options = { timeout: wallTimeoutMs };
    const start = performance.now();
    const stopCpu = startCallCpu(this.isolate);
    let raw: unknown;
    let failure: unknown;
    try {
      const [ref, frameArg] =
        this.transport === 'copy'
          ? [this.refs.frame, new ivm.ExternalCopy(input).copyInto({ release: true })]
          : [this.refs.frameJson, JSON.stringify(input)];
      raw =
        this.callMode === 'sync'
          ? ref.applySync(undefined, [frameArg, params], options)
          : await withWatchdog(
              ref.apply(undefined, [frameArg, params], options),
              wallTimeoutMs + this.limits.hangTimeoutMs,
            );
    } catch (error) {
      failure = error;
    }
    const cpuMs = stopCpu();
    this.counters.frames++;
    this.counters.lastFrameMs = performance.now() - start;
    if (failure !== undefined) throw this.callFailed(failure, 'onFrame', this.limits.frameBudgetMs, cpuMs);
    this.frameTimeouts.completed();
    this.consecutiveTimeouts = 0;
    const overBudget = this.chargeCpu(cpuMs);
    const result = parseResult(raw);
    this.deliverLogs(result);
    if (overBudget) throw this.fail(overBudget);
    return this.plays(result, input.t);
  }

  /** Calls `state()` again for a fresh `ctx.state`. Rejects with a PluginError (`setup`, non-fatal) if it throws. */
  protected async runReset(): Promise<void> {
    const params = this.pendingParams;
    this.pendingParams = undefined;
    let raw: unknown;
    try {
      raw = await withWatchdog(
        this.refs.reset.apply(undefined, [params], { timeout: this.limits.loadBudgetMs }),
        this.limits.loadBudgetMs + this.limits.hangTimeoutMs,
      );
    } catch (error) {
      throw this.callFailed(error, 'state()', this.limits.loadBudgetMs);
    }
    const result = parseResult(raw);
    this.deliverLogs(result);
    if (!result) {
      throw this.fail(new PluginError('invalid-output', 'reset returned malformed output', this.who()));
    }
    if (result.e) throw this.fail(this.error('setup', `state() threw ${result.e.m}`, result.e));
  }

  /** Frees the isolate. Later calls reject with a PluginError `'disposed'`. Idempotent. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const ref of Object.values(this.refs)) ref.release();
    this.context.release();
    if (!this.isolate.isDisposed) this.isolate.dispose();
  }

  private error(code: PluginErrorCode, detail: string, raw?: RawError | null, fatal = false): PluginError {
    const mapped = this.mapper.mapStack(raw?.s);
    return new PluginError(code, detail, {
      ...this.who(fatal),
      location: mapped.location,
      pluginStack: mapped.stack,
    });
  }

  /** Counts an error; a fatal one disables the sandbox and frees its isolate. */
  private fail(error: PluginError): PluginError {
    this.counters.errors++;
    if (error.fatal && !this.disabledBy) {
      this.disabledBy = error;
      this.dispose();
    }
    return error;
  }

  /** Maps a failed isolate call: memory limit, timeout, or (rare) an isolated-vm error. */
  private callFailed(error: unknown, what: string, budgetMs: number, cpuMs?: number): PluginError {
    if (error instanceof HangError) {
      return this.fail(
        new PluginError(
          'timeout',
          `${what} did not stop at its ${budgetMs} ms budget (${error.message}: work that cannot be interrupted, such as a huge allocation)`,
          this.who(true),
        ),
      );
    }
    if (this.isolate.isDisposed) {
      if (this.isDisposed)
        return this.fail(new PluginError('disposed', `was disposed during ${what}`, this.who(true)));
      return this.fail(
        new PluginError('memory', `ran out of its ${this.limits.memoryMb} MB memory limit in ${what}`, {
          ...this.who(true),
          cause: error,
        }),
      );
    }
    const message = (error as Error)?.message ?? String(error);
    if (message === TIMEOUT_MESSAGE) {
      if (cpuMs !== undefined) return this.frameTimedOut(what, budgetMs, cpuMs, error);
      this.consecutiveTimeouts++;
      const max = this.limits.maxConsecutiveTimeouts;
      const fatal = this.consecutiveTimeouts >= max;
      return this.fail(
        new PluginError(
          'timeout',
          `${what} ran longer than its ${budgetMs} ms budget and was stopped (${this.consecutiveTimeouts} in a row; disabled after ${max})`,
          { ...this.who(fatal), cause: error },
        ),
      );
    }
    return this.fail(
      new PluginError('invalid-output', `${what} failed in the sandbox: ${message}`, {
        ...this.who(),
        cause: error,
      }),
    );
  }

  /**
   * An `onFrame` call stopped at its wall-clock timeout: held against the plugin only once it
   * also ran out of the longest timeout on the CPU; before that it loses its frame, is counted,
   * and the next call gets more time (see FrameTimeouts: a busy machine must not disable a
   * well-behaved plugin).
   */
  private frameTimedOut(what: string, budgetMs: number, cpuMs: number, cause: unknown): PluginError {
    const overBudget = this.chargeCpu(cpuMs);
    if (overBudget) return this.fail(overBudget);
    const verdict = this.frameTimeouts.timedOut(cpuMs);
    const used = `${cpuMs.toFixed(1)} ms of CPU`;
    if (verdict.kind === 'forgiven') {
      this.counters.forgivenTimeouts++;
      return this.fail(
        new PluginError(
          'timeout',
          `${what} was stopped after ${verdict.wallTimeoutMs} ms (${used}; its budget is ${budgetMs} ms) and this frame was skipped; not held against the plugin: the machine may be busy, so the next frame gets ${verdict.nextWallTimeoutMs} ms`,
          { ...this.who(false), cause },
        ),
      );
    }
    const max = this.limits.maxConsecutiveTimeouts;
    return this.fail(
      new PluginError(
        'timeout',
        `${what} ran longer than its ${budgetMs} ms budget and was stopped (${used} in ${verdict.wallTimeoutMs} ms; ${verdict.strikes} in a row; disabled after ${max})`,
        { ...this.who(verdict.fatal), cause },
      ),
    );
  }

  /** Adds the call's CPU time to the budget; returns the fatal error when the budget is exceeded. */
  private chargeCpu(cpuMs: number): PluginError | undefined {
    if (this.isolate.isDisposed) return undefined;
    this.counters.cpuMs += cpuMs;
    const used = this.cpu.add(performance.now(), cpuMs);
    if (!this.cpu.exceeded) return undefined;
    const { windowMs, maxMs } = this.limits.cpuBudget;
    return new PluginError(
      'cpu-budget',
      `used ${used.toFixed(0)} ms of CPU in the last ${windowMs} ms; its budget is ${maxMs} ms`,
      this.who(true),
    );
  }

  private deliverLogs(result: CallResult | undefined): void {
    deliverLogs(result, this.mapper, this.limits.maxLogsPerFrame, (entry) => this.log(entry));
  }

  /** Checks the call's outcome and turns its plays into PlayEvents, or throws the frame's PluginError. */
  private plays(result: CallResult | undefined, t: number): PlayEvent[] {
    if (!result) {
      throw this.fail(
        new PluginError(
          'invalid-output',
          'onFrame returned malformed output (did the plugin replace built-ins?); its sounds were dropped',
          this.who(),
        ),
      );
    }
    if (result.e) throw this.fail(this.error('frame', `onFrame threw ${result.e.m}`, result.e));
    if (result.i)
      throw this.fail(
        this.error('invalid-output', `${result.i.m}; this frame's sounds were dropped`, result.i),
      );
    if (result.pd > 0) {
      const max = this.limits.maxPlaysPerFrame;
      throw this.fail(
        new PluginError(
          'too-many-plays',
          `called ctx.play ${max + result.pd} times in one frame; at most ${max} are allowed, so this frame's sounds were dropped`,
          this.who(),
        ),
      );
    }
    const plays: PlayEvent[] = [];
    for (const [sound, velocity, pan, at] of result.p) {
      if (!this.sounds.has(sound)) {
        throw this.fail(new PluginError('invalid-output', `played unknown sound '${sound}'`, this.who()));
      }
      const play = { t, sound, velocity: clamp(velocity, 0, 1), pan: clamp(pan, -1, 1) };
      plays.push(at === undefined ? play : { ...play, at: Math.min(at, t + MAX_SCHEDULE_AHEAD_MS) });
    }
    return plays;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
