import type { SourceLocation } from '@bambam/protocol';
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { ParamValue, PluginDescription } from './definition.ts';
import type { PluginError } from './errors.ts';
import type { SandboxLimits } from './limits.ts';

/** One line of a plugin's console: `ctx.log`, `console.*`, and the sandbox's warnings about it. */
export interface LogEntry {
  level: 'log' | 'warn' | 'error';
  message: string;
  /** Where in the plugin's own source the line was logged. */
  location?: SourceLocation;
}

/**
 * How an `onFrame` call crosses into the isolate. `'async'` (the default) runs it on
 * isolated-vm's thread pool: the event loop is never held, and a call stuck in work V8 cannot
 * interrupt is abandoned after `hangTimeoutMs`; each frame pays a thread hop (~50–150 µs here).
 * `'sync'` runs it on the calling thread: about 40 µs cheaper, and bounded by `frameBudgetMs`
 * for ordinary code, but a huge allocation or a GC near the memory limit cannot be interrupted
 * and then blocks the event loop for seconds. Use it only for trusted plugins.
 */
export type SandboxCallMode = 'sync' | 'async';

/**
 * How a frame enters the isolate: `'copy'` as an isolated-vm structured copy (measured faster
 * for 2 hands × 21 landmarks), `'json'` as a JSON string parsed inside.
 */
export type FrameTransport = 'copy' | 'json';

export interface SandboxOptions {
  /** Overrides of {@link DEFAULT_SANDBOX_LIMITS}. */
  limits?: Partial<SandboxLimits>;
  /** Initial param values (validated like {@link PluginSandbox.setParams}); the rest take their defaults. */
  params?: Record<string, unknown>;
  /** Receives the plugin's console lines; delivered after each call returns. */
  onLog?: (entry: LogEntry) => void;
  /** Default `'async'`: see {@link SandboxCallMode}. Load, setup and reset always run async. */
  callMode?: SandboxCallMode;
  /** Default `'copy'`: see {@link FrameTransport}. */
  frameTransport?: FrameTransport;
  /** Default `'process'` (or the environment variable BAMBAM_SANDBOX_ISOLATION): see {@link SandboxIsolation}. */
  isolation?: SandboxIsolation;
}

/** Counters of a sandbox, for metrics. */
export interface SandboxStats {
  /** `onFrame` calls that ran (successful or not). */
  frames: number;
  /** Calls that ended in a PluginError. */
  errors: number;
  /** CPU time the isolate used in `onFrame` calls, in ms. */
  cpuMs: number;
  /** Wall time of the last `onFrame` round trip, host side, in ms. */
  lastFrameMs: number;
  /** `onFrame` calls stopped at their wall-clock timeout but not held against the plugin (a busy machine can cause them; see FrameTimeouts): lost frames. */
  forgivenTimeouts: number;
}

/**
 * Where the plugin's isolate lives. `'process'` (the default): in a child Node process of its
 * own, so that even a V8 fatal error (some huge allocations abort the whole process, whatever
 * the isolate's limits) or work that cannot be interrupted only costs that process; frames
 * cross by IPC. `'isolate'`: in this process, a little faster, for trusted plugins.
 */
export type SandboxIsolation = 'process' | 'isolate';

/** What a sandbox implementation offers; {@link PluginSandbox} forwards to one. */
export interface SandboxBackend {
  readonly description: PluginDescription;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly disabled: PluginError | undefined;
  readonly stats: SandboxStats;
  setParams(values: Record<string, unknown>): void;
  onFrame(frame: Frame): Promise<PlayEvent[]>;
  reset(): Promise<void>;
  dispose(): void;
}
