import type { Frame, PlayEvent } from '@bambam/sdk';
import type { CompiledPlugin } from './compile.ts';
import type { ParamValue, PluginDescription } from './definition.ts';
import type { PluginError } from './errors.ts';
import { IsolateSandbox } from './isolate-sandbox.ts';
import { resolveLimits } from './limits.ts';
import { ProcessSandbox } from './process-sandbox.ts';
import type { SandboxBackend, SandboxIsolation, SandboxOptions, SandboxStats } from './types.ts';

export type {
  FrameTransport,
  LogEntry,
  SandboxBackend,
  SandboxCallMode,
  SandboxIsolation,
  SandboxOptions,
  SandboxStats,
} from './types.ts';

const CONSTRUCT = Symbol('PluginSandbox.construct');

/** `'process'`, unless the environment variable BAMBAM_SANDBOX_ISOLATION says `'isolate'` (an operator's switch). */
function defaultIsolation(): SandboxIsolation {
  return process.env.BAMBAM_SANDBOX_ISOLATION === 'isolate' ? 'isolate' : 'process';
}

/**
 * One plugin running in its own isolated-vm isolate: its memory, its time budgets, its errors.
 * Nothing but plain data crosses in or out: a frame goes in as a copy, plays and log lines come
 * out as JSON text, validated again on this side. A plugin that misbehaves gets a
 * {@link PluginError}; the fatal ones (memory, CPU budget, repeated timeouts, a hang, a crash)
 * free the isolate and set {@link disabled}. The host and every other sandbox carry on.
 *
 * By default the isolate lives in a child process of its own (`isolation: 'process'`), because
 * a few V8 failures (e.g. `new Array(1e9).fill(1)`: "invalid table size") abort the whole
 * process whatever the isolate's limits; `isolation: 'isolate'` keeps it in this process.
 */
export class PluginSandbox {
  private readonly backend: SandboxBackend;

  /** @internal Use {@link PluginSandbox.load}. */
  constructor(token: typeof CONSTRUCT, backend: SandboxBackend) {
    if (token !== CONSTRUCT) throw new TypeError('Use PluginSandbox.load() to create a sandbox');
    this.backend = backend;
  }

  /**
   * Creates the isolate, evaluates the bundle, reads and validates the default export, then
   * runs `state()` and `setup()`. Rejects with a PluginError (`load`, `invalid-plugin`,
   * `setup`, `timeout`, `memory`, `crashed`) and leaves nothing behind; bad `params` reject
   * with a TypeError or RangeError.
   */
  static async load(compiled: CompiledPlugin, options: SandboxOptions = {}): Promise<PluginSandbox> {
    const isolation = options.isolation ?? defaultIsolation();
    if (isolation !== 'process' && isolation !== 'isolate') {
      throw new TypeError(`PluginSandbox.load: isolation must be 'process' or 'isolate'`);
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
    if (typeof compiled?.code !== 'string' || typeof compiled.sourceMap !== 'string') {
      throw new TypeError('PluginSandbox.load: expected a CompiledPlugin from compilePlugin()');
    }
    const limits = resolveLimits(options.limits);
    const backend =
      isolation === 'process'
        ? await ProcessSandbox.load(compiled, options, limits)
        : await IsolateSandbox.load(compiled, options, limits);
    return new PluginSandbox(CONSTRUCT, backend);
  }

  /** The plugin's definition minus its code, as plain data (frozen). */
  get description(): PluginDescription {
    return this.backend.description;
  }

  /** Current param values (frozen); change them with {@link setParams}. */
  get params(): Readonly<Record<string, ParamValue>> {
    return this.backend.params;
  }

  /** The error that disabled this sandbox, once a fatal one happened. */
  get disabled(): PluginError | undefined {
    return this.backend.disabled;
  }

  get stats(): SandboxStats {
    return this.backend.stats;
  }

  /**
   * Changes param values; the plugin sees them in `ctx.params` from its next call. Unknown keys
   * and wrong types throw a TypeError, out-of-range values a RangeError; nothing changes then.
   */
  setParams(values: Record<string, unknown>): void {
    this.backend.setParams(values);
  }

  /**
   * Runs the plugin's `onFrame` on a copy of `frame` and returns what it played, validated:
   * known sounds only, velocity in 0..1, pan in -1..1, `at` (when given) finite and at most
   * MAX_SCHEDULE_AHEAD_MS after `frame.t`, each stamped with `frame.t`. Rejects
   * with a PluginError when the plugin threw, ran over budget, played too much or played
   * garbage (the frame's plays are dropped then), or a TypeError when `frame` is malformed.
   * Calls run one at a time, in order.
   */
  onFrame(frame: Frame): Promise<PlayEvent[]> {
    return this.backend.onFrame(frame);
  }

  /** Calls `state()` again for a fresh `ctx.state`. Rejects with a PluginError (`setup`, non-fatal) if it throws. */
  reset(): Promise<void> {
    return this.backend.reset();
  }

  /** Frees the isolate (and its process). Later calls reject with a PluginError `'disposed'`. Idempotent. */
  dispose(): void {
    this.backend.dispose();
  }
}
