import type { Frame, PlayEvent } from '@bambam/sdk';
import { applyParamValues, type ParamValue, type PluginDescription } from './definition.ts';
import { PluginError } from './errors.ts';
import { cleanFrame } from './frame-input.ts';
import type { SandboxLimits } from './limits.ts';
import type { LogEntry, SandboxBackend, SandboxStats } from './types.ts';

/**
 * What both sandbox backends share: the plugin's description and params, the disabled and
 * disposed states, the counters, and one call at a time in order. A backend says how a frame,
 * a reset and a change of params reach its isolate (in this process or in a child).
 * Options and limits are checked once, by {@link PluginSandbox.load}, before a backend exists.
 */
export abstract class SandboxBase implements SandboxBackend {
  protected pluginDescription: PluginDescription | undefined;
  protected paramValues: Readonly<Record<string, ParamValue>> = Object.freeze({});
  /** The fatal error that disabled the sandbox. */
  protected disabledBy: PluginError | undefined;
  protected isDisposed = false;
  protected counters: SandboxStats = { frames: 0, errors: 0, cpuMs: 0, lastFrameMs: 0, forgivenTimeouts: 0 };
  protected readonly limits: SandboxLimits;
  private readonly onLog: (entry: LogEntry) => void;
  private busy: Promise<unknown> = Promise.resolve();

  protected constructor(limits: SandboxLimits, onLog: ((entry: LogEntry) => void) | undefined) {
    this.limits = limits;
    this.onLog = onLog ?? (() => {});
  }

  /** The plugin's definition minus its code, as plain data (frozen). */
  get description(): PluginDescription {
    return this.pluginDescription!;
  }

  /** Current param values (frozen); change them with {@link setParams}. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.paramValues;
  }

  /** The error that disabled this sandbox, once a fatal one happened. */
  get disabled(): PluginError | undefined {
    return this.disabledBy;
  }

  get stats(): SandboxStats {
    return { ...this.counters };
  }

  /**
   * Changes param values; the plugin sees them in `ctx.params` from its next call. Unknown keys
   * and wrong types throw a TypeError, out-of-range values a RangeError; nothing changes then.
   */
  setParams(values: Record<string, unknown>): void {
    const next = applyParamValues(this.description.name, this.description.params, this.paramValues, values);
    this.paramValues = Object.freeze(next);
    this.paramsChanged(next);
  }

  /** Runs the plugin's `onFrame` on a clean copy of `frame`, after the calls before it. */
  async onFrame(frame: Frame): Promise<PlayEvent[]> {
    this.assertUsable();
    const input = cleanFrame(frame);
    return this.enqueue(() => this.runFrame(input));
  }

  /** Calls `state()` again for a fresh `ctx.state`, after the calls before it. */
  async reset(): Promise<void> {
    this.assertUsable();
    return this.enqueue(() => this.runReset());
  }

  abstract dispose(): void;

  /** Passes new param values (already checked and frozen) on to the isolate. */
  protected abstract paramsChanged(values: Record<string, ParamValue>): void;

  protected abstract runFrame(input: Frame): Promise<PlayEvent[]>;

  protected abstract runReset(): Promise<void>;

  /** Hands a log line to the host's `onLog`; a handler that throws is reported, never fatal to the plugin. */
  protected log(entry: LogEntry): void {
    logSafely(this.onLog, entry);
  }

  /** The `plugin` and `fatal` fields of a PluginError about this plugin. */
  protected who(fatal = false): { plugin: string | undefined; fatal: boolean } {
    return { plugin: this.pluginDescription?.name, fatal };
  }

  protected assertUsable(): void {
    if (this.disabledBy) {
      throw new PluginError(
        'disposed',
        `is disabled (${this.disabledBy.code}); reload it to run it again`,
        this.who(true),
      );
    }
    if (this.isDisposed) throw new PluginError('disposed', 'was disposed', this.who(true));
  }

  /** Runs calls one at a time, in order: CPU accounting needs them not to overlap. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.busy.then(() => {
      this.assertUsable();
      return task();
    });
    this.busy = run.catch(() => {});
    return run;
  }
}

/** Calls the host's `onLog`; a handler that throws is reported as a process warning, never fatal to the plugin. */
export function logSafely(onLog: (entry: LogEntry) => void, entry: LogEntry): void {
  try {
    onLog(entry);
  } catch (error) {
    process.emitWarning(`PluginSandbox onLog handler threw: ${(error as Error)?.message ?? String(error)}`);
  }
}
