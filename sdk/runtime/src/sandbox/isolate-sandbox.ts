import { readFileSync } from 'node:fs';
import type { Frame } from '@bambam/sdk';
import { defaultParams, MAX_SCHEDULE_AHEAD_MS, type PlayEvent } from '@bambam/sdk';
import ivm from 'isolated-vm';
import type { CompiledPlugin } from './compile.ts';
import { CpuBudget, startCallCpu } from './cpu-budget.ts';
import {
  applyParamValues,
  type ParamValue,
  type PluginDescription,
  validateDescription,
} from './definition.ts';
import { PluginError, type PluginErrorCode } from './errors.ts';
import { cleanFrame } from './frame-input.ts';
import { FrameTimeouts } from './frame-timeouts.ts';
import { resolveLimits, type SandboxLimits } from './limits.ts';
import { StackMapper } from './stack.ts';
import type {
  FrameTransport,
  LogEntry,
  SandboxBackend,
  SandboxCallMode,
  SandboxOptions,
  SandboxStats,
} from './types.ts';

const RUNTIME_SOURCE = readFileSync(new URL('./isolate-runtime.js', import.meta.url), 'utf8');
const RUNTIME_FILE = 'bambam-sandbox-runtime.js';
/** The script name of every bundle inside its isolate; stack frames with it are the plugin's. */
const BUNDLE_FILE = 'bambam-plugin-bundle.js';
const TIMEOUT_MESSAGE = 'Script execution timed out.';

/** Rejection of a call abandoned by {@link withWatchdog}. */
class HangError extends Error {}

/**
 * `call`, or a HangError once `ms` have passed: for isolate work that ignores its timeout. The
 * abandoned call settles later on its own; its outcome is dropped.
 */
function withWatchdog<T>(call: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(`still running after ${ms} ms`)), ms);
  });
  call.catch(() => {});
  return Promise.race([call, watchdog]).finally(() => clearTimeout(timer));
}

/** Only {@link IsolateSandbox.load} constructs these. */
const CONSTRUCT = Symbol('PluginSandbox.construct');

type RuntimeRef = ivm.Reference<(...args: unknown[]) => unknown>;

interface RawError {
  m: string;
  s: string;
}

/** What the isolate runtime returns from each call (see isolate-runtime.js). */
interface CallResult {
  /** Plays: [sound, velocity, pan] or [sound, velocity, pan, at]. */
  p: [string, number, number, number?][];
  /** Plays dropped over the limit. */
  pd: number;
  /** First invalid play. */
  i: RawError | null;
  /** What the call threw. */
  e: RawError | null;
  /** Log lines: [level, text, stack]. */
  l: [LogEntry['level'], string, string][];
  /** Log lines dropped over the limit. */
  ld: number;
}

interface LoadResult extends CallResult {
  description?: unknown;
  invalid?: string;
  error?: RawError;
}

/**
 * One plugin running in its own isolated-vm isolate: its memory, its time budgets, its errors.
 * Nothing but plain data crosses in or out: a frame goes in as a copy, plays and log lines come
 * out as JSON text, validated again on this side. A plugin that misbehaves gets a
 * {@link PluginError}; the fatal ones (memory, CPU budget, repeated timeouts) dispose the
 * isolate and set {@link disabled}. The host and every other sandbox carry on.
 */
export class IsolateSandbox implements SandboxBackend {
  readonly description: PluginDescription;
  readonly #limits: SandboxLimits;
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #refs: { frame: RuntimeRef; frameJson: RuntimeRef; reset: RuntimeRef };
  readonly #mapper: StackMapper;
  readonly #onLog: (entry: LogEntry) => void;
  readonly #callMode: SandboxCallMode;
  readonly #transport: FrameTransport;
  readonly #cpu: CpuBudget;
  readonly #frameTimeouts: FrameTimeouts;
  readonly #sounds: Set<string>;
  #params: Readonly<Record<string, ParamValue>>;
  #pendingParams: string | undefined;
  #disabled: PluginError | undefined;
  #disposed = false;
  #consecutiveTimeouts = 0;
  #busy: Promise<unknown> = Promise.resolve();
  readonly #stats: SandboxStats = { frames: 0, errors: 0, cpuMs: 0, lastFrameMs: 0, forgivenTimeouts: 0 };

  /** @internal Use {@link IsolateSandbox.load}. */
  constructor(
    token: typeof CONSTRUCT,
    parts: {
      description: PluginDescription;
      limits: SandboxLimits;
      isolate: ivm.Isolate;
      context: ivm.Context;
      refs: { frame: RuntimeRef; frameJson: RuntimeRef; reset: RuntimeRef };
      mapper: StackMapper;
      params: Record<string, ParamValue>;
      options: SandboxOptions;
    },
  ) {
    if (token !== CONSTRUCT) throw new TypeError('Use PluginSandbox.load() to create a sandbox');
    this.description = Object.freeze(parts.description);
    this.#limits = parts.limits;
    this.#isolate = parts.isolate;
    this.#context = parts.context;
    this.#refs = parts.refs;
    this.#mapper = parts.mapper;
    this.#params = Object.freeze(parts.params);
    this.#onLog = parts.options.onLog ?? (() => {});
    this.#callMode = parts.options.callMode ?? 'async';
    this.#transport = parts.options.frameTransport ?? 'copy';
    this.#cpu = new CpuBudget(parts.limits.cpuBudget.windowMs, parts.limits.cpuBudget.maxMs);
    this.#frameTimeouts = new FrameTimeouts(parts.limits.frameBudgetMs, parts.limits.maxConsecutiveTimeouts);
    this.#sounds = new Set(Object.keys(parts.description.sounds));
  }

  /**
   * Creates the isolate, evaluates the bundle, reads and validates the default export, then
   * runs `state()` and `setup()`. Rejects with a PluginError (`load`, `invalid-plugin`,
   * `setup`, `timeout`, `memory`) and leaves nothing behind; bad `params` reject with a
   * TypeError or RangeError.
   */
  static async load(compiled: CompiledPlugin, options: SandboxOptions = {}): Promise<IsolateSandbox> {
    if (typeof compiled?.code !== 'string' || typeof compiled.sourceMap !== 'string') {
      throw new TypeError('PluginSandbox.load: expected a CompiledPlugin from compilePlugin()');
    }
    if (options.callMode !== undefined && options.callMode !== 'sync' && options.callMode !== 'async') {
      throw new TypeError(`PluginSandbox.load: callMode must be 'sync' or 'async'`);
    }
    if (
      options.frameTransport !== undefined &&
      options.frameTransport !== 'copy' &&
      options.frameTransport !== 'json'
    ) {
      throw new TypeError(`PluginSandbox.load: frameTransport must be 'copy' or 'json'`);
    }
    const limits = resolveLimits(options.limits);
    const mapper = new StackMapper(BUNDLE_FILE, compiled.sourceMap);
    const onLog = options.onLog ?? (() => {});
    const isolate = new ivm.Isolate({ memoryLimit: limits.memoryMb });
    let plugin: string | undefined;
    const fail = (code: PluginErrorCode, detail: string, raw?: RawError | string, cause?: unknown) => {
      const mapped = mapper.mapStack(typeof raw === 'string' ? raw : raw?.s);
      return new PluginError(code, detail, {
        plugin,
        location: mapped.location,
        pluginStack: mapped.stack,
        fatal: true,
        cause,
      });
    };
    /** Runs one load step under the load budget, turning isolate failures into PluginErrors. */
    const step = async <T>(what: string, code: PluginErrorCode, run: () => Promise<T>): Promise<T> => {
      try {
        return await withWatchdog(run(), limits.loadBudgetMs + limits.hangTimeoutMs);
      } catch (error) {
        if (error instanceof PluginError) throw error;
        if (error instanceof HangError) {
          throw fail(
            'timeout',
            `${what} did not stop at its ${limits.loadBudgetMs} ms budget (${error.message})`,
          );
        }
        if (isolate.isDisposed) {
          throw fail('memory', `${what} exceeded the ${limits.memoryMb} MB memory limit`, undefined, error);
        }
        const message = (error as Error)?.message ?? String(error);
        if (message === TIMEOUT_MESSAGE) {
          throw fail(
            'timeout',
            `${what} took longer than its ${limits.loadBudgetMs} ms budget`,
            undefined,
            error,
          );
        }
        const stack = (error as Error)?.stack;
        throw fail(code, `${what} failed: ${(error as Error)?.name ?? 'Error'}: ${message}`, stack, error);
      }
    };
    try {
      const run = { timeout: limits.loadBudgetMs };
      const context = await isolate.createContext();
      const runtimeScript = await isolate.compileScript(RUNTIME_SOURCE, { filename: RUNTIME_FILE });
      await runtimeScript.run(context, run);
      const runtime = await context.global.get('__bambamRuntime', { reference: true });
      const ref = (name: string) => runtime.get(name, { reference: true }) as Promise<RuntimeRef>;
      const [configure, load, start, frame, frameJson, reset] = await Promise.all(
        ['configure', 'load', 'start', 'frame', 'frameJson', 'reset'].map(ref),
      );
      await context.global.delete('__bambamRuntime');
      await configure!.apply(
        undefined,
        [JSON.stringify({ ...limits, maxScheduleAheadMs: MAX_SCHEDULE_AHEAD_MS })],
        run,
      );

      const bundle = await step('Evaluating the plugin', 'load', () =>
        isolate.compileScript(compiled.code, { filename: BUNDLE_FILE }),
      );
      await step('Evaluating the plugin', 'load', () => bundle.run(context, run));

      const loaded = (await step('Reading the plugin definition', 'invalid-plugin', () =>
        load!.apply(undefined, [], { ...run, result: { copy: true } }),
      )) as LoadResult;
      deliverLogs(loaded, mapper, limits, onLog);
      if (loaded.invalid) throw fail('invalid-plugin', `Invalid plugin: ${loaded.invalid}`);
      if (loaded.error)
        throw fail('load', `Reading the plugin definition threw ${loaded.error.m}`, loaded.error);
      let description: PluginDescription;
      try {
        description = validateDescription(loaded.description);
      } catch (error) {
        const name = (loaded.description as { name?: unknown } | undefined)?.name;
        plugin = typeof name === 'string' ? name : undefined;
        throw fail('invalid-plugin', `Invalid plugin: ${(error as Error).message}`);
      }
      plugin = description.name;
      const params = applyParamValues(
        description.name,
        description.params,
        defaultParams(description.params) as Record<string, ParamValue>,
        options.params ?? {},
      );

      const started = parseResult(
        await step('setup', 'setup', () => start!.apply(undefined, [JSON.stringify(params)], run)),
      );
      deliverLogs(started, mapper, limits, onLog);
      if (!started) throw fail('setup', 'setup returned malformed output (were built-ins replaced?)');
      if (started.e) throw fail('setup', `state() or setup() threw ${started.e.m}`, started.e);

      for (const r of [runtime, configure!, load!, start!]) r.release();
      return new IsolateSandbox(CONSTRUCT, {
        description,
        limits,
        isolate,
        context,
        refs: { frame: frame!, frameJson: frameJson!, reset: reset! },
        mapper,
        params,
        options,
      });
    } catch (error) {
      if (!isolate.isDisposed) isolate.dispose();
      throw error;
    }
  }

  /** Current param values (frozen); change them with {@link setParams}. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.#params;
  }

  /** The error that disabled this sandbox, once a fatal one happened. */
  get disabled(): PluginError | undefined {
    return this.#disabled;
  }

  get stats(): SandboxStats {
    return { ...this.#stats };
  }

  /**
   * Changes param values; the plugin sees them in `ctx.params` from its next call. Unknown keys
   * and wrong types throw a TypeError, out-of-range values a RangeError; nothing changes then.
   */
  setParams(values: Record<string, unknown>): void {
    const next = applyParamValues(this.description.name, this.description.params, this.#params, values);
    this.#params = Object.freeze(next);
    this.#pendingParams = JSON.stringify(next);
  }

  /**
   * Runs the plugin's `onFrame` on a copy of `frame` and returns what it played, validated:
   * known sounds only, velocity in 0..1, pan in -1..1, `at` (when given) finite and at most
   * MAX_SCHEDULE_AHEAD_MS after `frame.t`, each stamped with `frame.t`. Rejects
   * with a PluginError when the plugin threw, ran over budget, played too much or played
   * garbage (the frame's plays are dropped then), or a TypeError when `frame` is malformed.
   */
  async onFrame(frame: Frame): Promise<PlayEvent[]> {
    this.#assertUsable();
    const input = cleanFrame(frame);
    return this.#enqueue(() => this.#frameCall(input));
  }

  /** Runs calls into the isolate one at a time, in order: CPU accounting needs them not to overlap. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(() => {
      this.#assertUsable();
      return task();
    });
    this.#busy = run.catch(() => {});
    return run;
  }

  async #frameCall(input: Frame): Promise<PlayEvent[]> {
    const params = this.#pendingParams;
    this.#pendingParams = undefined;
    const wallTimeoutMs = this.#frameTimeouts.wallTimeoutMs;
    const options = { timeout: wallTimeoutMs };
    const start = performance.now();
    const stopCpu = startCallCpu(this.#isolate);
    let raw: unknown;
    let failure: unknown;
    try {
      const [ref, frameArg] =
        this.#transport === 'copy'
          ? [this.#refs.frame, new ivm.ExternalCopy(input).copyInto({ release: true })]
          : [this.#refs.frameJson, JSON.stringify(input)];
      raw =
        this.#callMode === 'sync'
          ? ref.applySync(undefined, [frameArg, params], options)
          : await withWatchdog(
              ref.apply(undefined, [frameArg, params], options),
              wallTimeoutMs + this.#limits.hangTimeoutMs,
            );
    } catch (error) {
      failure = error;
    }
    const cpuMs = stopCpu();
    this.#stats.frames++;
    this.#stats.lastFrameMs = performance.now() - start;
    if (failure !== undefined) throw this.#callFailed(failure, 'onFrame', this.#limits.frameBudgetMs, cpuMs);
    this.#frameTimeouts.completed();
    this.#consecutiveTimeouts = 0;
    const overBudget = this.#chargeCpu(cpuMs);
    const result = parseResult(raw);
    this.#deliverLogs(result);
    if (overBudget) throw this.#fail(overBudget);
    return this.#plays(result, input.t);
  }

  /** Calls `state()` again for a fresh `ctx.state`. Rejects with a PluginError (`setup`, non-fatal) if it throws. */
  async reset(): Promise<void> {
    this.#assertUsable();
    return this.#enqueue(async () => {
      const params = this.#pendingParams;
      this.#pendingParams = undefined;
      let raw: unknown;
      try {
        raw = await withWatchdog(
          this.#refs.reset.apply(undefined, [params], { timeout: this.#limits.loadBudgetMs }),
          this.#limits.loadBudgetMs + this.#limits.hangTimeoutMs,
        );
      } catch (error) {
        throw this.#callFailed(error, 'state()', this.#limits.loadBudgetMs);
      }
      const result = parseResult(raw);
      this.#deliverLogs(result);
      if (!result) {
        throw this.#fail(new PluginError('invalid-output', 'reset returned malformed output', this.#who()));
      }
      if (result.e) throw this.#fail(this.#error('setup', `state() threw ${result.e.m}`, result.e));
    });
  }

  /** Frees the isolate. Later calls reject with a PluginError `'disposed'`. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const ref of Object.values(this.#refs)) ref.release();
    this.#context.release();
    if (!this.#isolate.isDisposed) this.#isolate.dispose();
  }

  #assertUsable(): void {
    if (this.#disabled) {
      throw new PluginError('disposed', `is disabled (${this.#disabled.code}); reload it to run it again`, {
        plugin: this.description.name,
        fatal: true,
      });
    }
    if (this.#disposed) {
      throw new PluginError('disposed', 'was disposed', { plugin: this.description.name, fatal: true });
    }
  }

  #who(fatal = false) {
    return { plugin: this.description.name, fatal };
  }

  #error(code: PluginErrorCode, detail: string, raw?: RawError | null, fatal = false): PluginError {
    const mapped = this.#mapper.mapStack(raw?.s);
    return new PluginError(code, detail, {
      ...this.#who(fatal),
      location: mapped.location,
      pluginStack: mapped.stack,
    });
  }

  /** Counts an error; a fatal one disables the sandbox and frees its isolate. */
  #fail(error: PluginError): PluginError {
    this.#stats.errors++;
    if (error.fatal && !this.#disabled) {
      this.#disabled = error;
      this.dispose();
    }
    return error;
  }

  /** Maps a failed isolate call: memory limit, timeout, or (rare) an isolated-vm error. */
  #callFailed(error: unknown, what: string, budgetMs: number, cpuMs?: number): PluginError {
    if (error instanceof HangError) {
      return this.#fail(
        new PluginError(
          'timeout',
          `${what} did not stop at its ${budgetMs} ms budget (${error.message}: work that cannot be interrupted, such as a huge allocation)`,
          this.#who(true),
        ),
      );
    }
    if (this.#isolate.isDisposed) {
      if (this.#disposed)
        return this.#fail(new PluginError('disposed', `was disposed during ${what}`, this.#who(true)));
      return this.#fail(
        new PluginError('memory', `ran out of its ${this.#limits.memoryMb} MB memory limit in ${what}`, {
          ...this.#who(true),
          cause: error,
        }),
      );
    }
    const message = (error as Error)?.message ?? String(error);
    if (message === TIMEOUT_MESSAGE) {
      if (cpuMs !== undefined) return this.#frameTimedOut(what, budgetMs, cpuMs, error);
      this.#consecutiveTimeouts++;
      const max = this.#limits.maxConsecutiveTimeouts;
      const fatal = this.#consecutiveTimeouts >= max;
      return this.#fail(
        new PluginError(
          'timeout',
          `${what} ran longer than its ${budgetMs} ms budget and was stopped (${this.#consecutiveTimeouts} in a row; disabled after ${max})`,
          { ...this.#who(fatal), cause: error },
        ),
      );
    }
    return this.#fail(
      new PluginError('invalid-output', `${what} failed in the sandbox: ${message}`, {
        ...this.#who(),
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
  #frameTimedOut(what: string, budgetMs: number, cpuMs: number, cause: unknown): PluginError {
    const overBudget = this.#chargeCpu(cpuMs);
    if (overBudget) return this.#fail(overBudget);
    const verdict = this.#frameTimeouts.timedOut(cpuMs);
    const used = `${cpuMs.toFixed(1)} ms of CPU`;
    if (verdict.kind === 'forgiven') {
      this.#stats.forgivenTimeouts++;
      return this.#fail(
        new PluginError(
          'timeout',
          `${what} was stopped after ${verdict.wallTimeoutMs} ms (${used}; its budget is ${budgetMs} ms) and this frame was skipped; not held against the plugin: the machine may be busy, so the next frame gets ${verdict.nextWallTimeoutMs} ms`,
          { ...this.#who(false), cause },
        ),
      );
    }
    const max = this.#limits.maxConsecutiveTimeouts;
    return this.#fail(
      new PluginError(
        'timeout',
        `${what} ran longer than its ${budgetMs} ms budget and was stopped (${used} in ${verdict.wallTimeoutMs} ms; ${verdict.strikes} in a row; disabled after ${max})`,
        { ...this.#who(verdict.fatal), cause },
      ),
    );
  }

  /** Adds the call's CPU time to the budget; returns the fatal error when the budget is exceeded. */
  #chargeCpu(cpuMs: number): PluginError | undefined {
    if (this.#isolate.isDisposed) return undefined;
    this.#stats.cpuMs += cpuMs;
    const used = this.#cpu.add(performance.now(), cpuMs);
    if (!this.#cpu.exceeded) return undefined;
    const { windowMs, maxMs } = this.#limits.cpuBudget;
    return new PluginError(
      'cpu-budget',
      `used ${used.toFixed(0)} ms of CPU in the last ${windowMs} ms; its budget is ${maxMs} ms`,
      this.#who(true),
    );
  }

  #deliverLogs(result: CallResult | undefined): void {
    deliverLogs(result, this.#mapper, this.#limits, this.#onLog);
  }

  /** Checks the call's outcome and turns its plays into PlayEvents, or throws the frame's PluginError. */
  #plays(result: CallResult | undefined, t: number): PlayEvent[] {
    if (!result) {
      throw this.#fail(
        new PluginError(
          'invalid-output',
          'onFrame returned malformed output (did the plugin replace built-ins?); its sounds were dropped',
          this.#who(),
        ),
      );
    }
    if (result.e) throw this.#fail(this.#error('frame', `onFrame threw ${result.e.m}`, result.e));
    if (result.i)
      throw this.#fail(
        this.#error('invalid-output', `${result.i.m}; this frame's sounds were dropped`, result.i),
      );
    if (result.pd > 0) {
      const max = this.#limits.maxPlaysPerFrame;
      throw this.#fail(
        new PluginError(
          'too-many-plays',
          `called ctx.play ${max + result.pd} times in one frame; at most ${max} are allowed, so this frame's sounds were dropped`,
          this.#who(),
        ),
      );
    }
    const plays: PlayEvent[] = [];
    for (const [sound, velocity, pan, at] of result.p) {
      if (!this.#sounds.has(sound)) {
        throw this.#fail(new PluginError('invalid-output', `played unknown sound '${sound}'`, this.#who()));
      }
      const play = { t, sound, velocity: clamp(velocity, 0, 1), pan: clamp(pan, -1, 1) };
      plays.push(at === undefined ? play : { ...play, at: Math.min(at, t + MAX_SCHEDULE_AHEAD_MS) });
    }
    return plays;
  }
}

/** Parses and shape-checks a call's output; undefined when it is malformed. */
function parseResult(raw: unknown): CallResult | undefined {
  let value: CallResult;
  try {
    value = typeof raw === 'string' ? JSON.parse(raw) : (raw as CallResult);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const isError = (e: unknown) =>
    e === null ||
    (typeof e === 'object' && typeof (e as RawError).m === 'string' && typeof (e as RawError).s === 'string');
  const okPlays =
    Array.isArray(value.p) &&
    value.p.every(
      (p) =>
        Array.isArray(p) &&
        typeof p[0] === 'string' &&
        typeof p[1] === 'number' &&
        Number.isFinite(p[1]) &&
        typeof p[2] === 'number' &&
        Number.isFinite(p[2]) &&
        (p.length === 3 || (p.length === 4 && typeof p[3] === 'number' && Number.isFinite(p[3]))),
    );
  const okLogs =
    Array.isArray(value.l) &&
    value.l.every(
      (l) =>
        Array.isArray(l) &&
        (l[0] === 'log' || l[0] === 'warn' || l[0] === 'error') &&
        typeof l[1] === 'string' &&
        typeof l[2] === 'string',
    );
  if (!okPlays || !okLogs || !isError(value.i) || !isError(value.e)) return undefined;
  if (typeof value.pd !== 'number' || typeof value.ld !== 'number') return undefined;
  return value;
}

function deliverLogs(
  result: CallResult | undefined,
  mapper: StackMapper,
  limits: SandboxLimits,
  onLog: (entry: LogEntry) => void,
): void {
  if (!result || !Array.isArray(result.l)) return;
  const emit = (entry: LogEntry) => {
    try {
      onLog(entry);
    } catch (error) {
      process.emitWarning(`PluginSandbox onLog handler threw: ${(error as Error)?.message ?? String(error)}`);
    }
  };
  for (const [level, message, stack] of result.l) {
    const location = mapper.mapStack(stack).location;
    emit(location ? { level, message, location } : { level, message });
  }
  if (result.ld > 0) {
    emit({
      level: 'warn',
      message: `${result.ld} more log lines were dropped (at most ${limits.maxLogsPerFrame} per call)`,
    });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
