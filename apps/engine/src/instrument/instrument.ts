/**
 * The session's instrument: one plugin in its isolated-vm sandbox plus its rendered sounds.
 * `load` compiles nothing itself (the caller passes a compiled bundle); it loads a new sandbox
 * and renders its sounds *beside* the running one and swaps only when both succeeded, so a
 * failed load or hot-swap leaves the previous plugin playing.
 *
 * Errors: every plugin error and `ctx.log` line goes to `onConsole` (identical error messages
 * at most once a second, so a plugin throwing on every frame does not flood the studio). A
 * plugin that keeps failing — the sandbox disabled it (fatal: memory, CPU budget), or
 * `maxConsecutiveErrors` frames in a row threw — is disabled with a clear `onDisabled` error;
 * the session stays up and plays silence until another plugin is loaded.
 *
 * Falling behind: frames are processed one at a time; those arriving while a frame is in the
 * sandbox wait in a {@link FrameBacklog}: after a stall (the tracker's frames of a descheduled
 * moment arrive together) they are all played, in order, while that takes little time; when
 * every call is slow only the newest waits (latest wins). Dropped frames are counted in `dropped`.
 */

import { FrameBacklog, type FrameBacklogOptions } from '@bambam/hand-tracker';
import type { ConsoleEntry, ErrorInfo, PluginInfo, SoundInfo } from '@bambam/protocol';
import {
  type CompiledPlugin,
  type LogEntry,
  PluginError,
  PluginSandbox,
  type RenderedSound,
  SoundBank,
} from '@bambam/runtime';
import type { Frame, PlayEvent } from '@bambam/sdk';

/** Defaults of {@link Instrument}. */
export const DEFAULT_INSTRUMENT_OPTIONS = Object.freeze({
  /** Consecutive failing frames before the plugin is disabled (~1 s of video). */
  maxConsecutiveErrors: 30,
  /** The same error message reaches the studio at most once in this many ms. */
  repeatedErrorMs: 1000,
});

export interface InstrumentOptions {
  readonly onConsole: (entry: ConsoleEntry) => void;
  readonly onDisabled: (error: ErrorInfo) => void;
  /** Consecutive failing frames before the plugin is disabled. Default {@link DEFAULT_INSTRUMENT_OPTIONS}. */
  readonly maxConsecutiveErrors?: number;
  /** How many frames wait while the sandbox runs one (default: catch up within 40 ms). */
  readonly backlog?: FrameBacklogOptions;
}

interface WaitingFrame {
  readonly frame: Frame;
  readonly resolve: (plays: PlayEvent[] | undefined) => void;
}

interface Loaded {
  readonly sandbox: PluginSandbox;
  readonly bank: SoundBank;
  readonly source?: string;
}

export class Instrument {
  private readonly options: InstrumentOptions;
  private current: Loaded | undefined;
  private disabledError: ErrorInfo | undefined;
  private consecutiveErrors = 0;
  private readonly lastReported = new Map<string, number>();
  private busy = false;
  private readonly waiting: FrameBacklog<WaitingFrame>;
  private disposed = false;
  dropped = 0;
  /** Frames whose call the sandbox stopped at its wall timeout without holding it against the plugin (a starved machine): their plays are lost. */
  timedOut = 0;
  errors = 0;

  constructor(options: InstrumentOptions) {
    this.options = options;
    this.waiting = new FrameBacklog(options.backlog);
  }

  /**
   * Loads a compiled plugin and swaps it in. Throws {@link PluginError} (load/setup/invalid
   * plugin) or a sound error; the previous plugin keeps playing then.
   */
  async load(
    compiled: CompiledPlugin,
    options: { source?: string; params?: Record<string, unknown> } = {},
  ): Promise<PluginInfo> {
    if (this.disposed) throw new Error('Instrument: load after dispose()');
    let pluginName = compiled.filename;
    const sandbox = await PluginSandbox.load(compiled, {
      params: options.params,
      onLog: (entry) => this.log(entry, pluginName),
    });
    pluginName = sandbox.description.name;
    let bank: SoundBank;
    try {
      bank = await SoundBank.render(sandbox.description.sounds);
    } catch (error) {
      sandbox.dispose();
      throw error;
    }
    if (this.disposed) {
      sandbox.dispose();
      throw new Error('Instrument: disposed while loading');
    }
    const previous = this.current;
    this.current = { sandbox, bank, source: options.source };
    this.disabledError = undefined;
    this.consecutiveErrors = 0;
    previous?.sandbox.dispose();
    return this.info()!;
  }

  /** Changes param values of the running plugin; throws a RangeError/TypeError naming the bad one. */
  setParams(values: Record<string, unknown>): PluginInfo {
    if (!this.current) throw new Error('No plugin is loaded.');
    this.current.sandbox.setParams(values);
    return this.info()!;
  }

  /** The running plugin as the studio shows it. */
  info(): PluginInfo | undefined {
    const current = this.current;
    if (!current) return undefined;
    const d = current.sandbox.description;
    const sounds: Record<string, SoundInfo> = {};
    for (const [name, sound] of Object.entries(d.sounds)) {
      sounds[name] =
        sound.kind === 'tone'
          ? sound
          : {
              kind: 'sample',
              durationMs: current.bank.get(name)?.durationMs ?? 0,
              ...(sound.midi ? { midi: sound.midi } : {}),
            };
    }
    return {
      name: d.name,
      version: d.version,
      description: d.description,
      ...(d.author ? { author: d.author } : {}),
      params: d.params,
      paramValues: { ...current.sandbox.params },
      sounds,
      ...(current.source !== undefined ? { source: current.source } : {}),
    };
  }

  get disabled(): ErrorInfo | undefined {
    return this.disabledError;
  }

  sound(name: string): RenderedSound | undefined {
    return this.current?.bank.get(name);
  }

  /**
   * Runs the plugin on one tracked frame. Resolves to its plays, `[]` when it failed or is
   * disabled, or `undefined` when it was dropped while the sandbox was busy (see the backlog).
   */
  onFrame(frame: Frame): Promise<PlayEvent[] | undefined> {
    if (this.disposed || !this.current || this.disabledError) return Promise.resolve([]);
    if (this.busy) {
      return new Promise((resolve) => {
        for (const old of this.waiting.push({ frame, resolve })) {
          this.dropped++;
          old.resolve(undefined);
        }
      });
    }
    return this.run(frame);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.current?.sandbox.dispose();
    this.current = undefined;
    for (const old of this.waiting.clear()) old.resolve(undefined);
  }

  private async run(frame: Frame): Promise<PlayEvent[]> {
    this.busy = true;
    const loaded = this.current!;
    let plays: PlayEvent[] = [];
    const forgivenBefore = loaded.sandbox.stats.forgivenTimeouts;
    const started = performance.now();
    try {
      plays = await loaded.sandbox.onFrame(frame);
      if (loaded === this.current) this.consecutiveErrors = 0;
    } catch (error) {
      // A call the sandbox stopped after little CPU (a starved machine) only loses its frame:
      // it is reported and counted, but never brings the plugin closer to being disabled.
      const forgiven = loaded.sandbox.stats.forgivenTimeouts > forgivenBefore;
      if (forgiven) this.timedOut++;
      if (loaded === this.current) this.fail(error, loaded, forgiven);
    } finally {
      this.busy = false;
      this.waiting.recordRun(performance.now() - started);
      const next = this.waiting.shift();
      if (next) this.onFrame(next.frame).then(next.resolve);
    }
    return plays;
  }

  private fail(error: unknown, loaded: Loaded, forgiven = false): void {
    this.errors++;
    // Frames lost to a starved machine are counted by the sandbox (`stats.forgivenTimeouts`).
    if (!forgiven) this.consecutiveErrors++;
    const name = loaded.sandbox.description.name;
    const info: ErrorInfo =
      error instanceof PluginError
        ? error.toInfo()
        : {
            code: 'internal',
            message: `Plugin '${name}' failed: ${String((error as Error)?.message ?? error)}`,
            plugin: name,
          };
    this.report(
      {
        level: 'error',
        message: info.message,
        location: info.location,
        ...(forgiven ? { code: 'frame-skipped' as const } : {}),
      },
      name,
    );
    const limit = this.options.maxConsecutiveErrors ?? DEFAULT_INSTRUMENT_OPTIONS.maxConsecutiveErrors;
    const fatal = (error instanceof PluginError && error.fatal) || loaded.sandbox.disabled !== undefined;
    if (fatal || this.consecutiveErrors >= limit) {
      this.disabledError = {
        code: 'plugin-runtime',
        plugin: name,
        ...(info.location ? { location: info.location } : {}),
        message: fatal
          ? `Plugin '${name}' was disabled: ${info.message} Fix it and load it again.`
          : `Plugin '${name}' was disabled after failing on ${this.consecutiveErrors} frames in a row. Last error: ${info.message}`,
      };
      this.options.onDisabled(this.disabledError);
    }
  }

  private log(entry: LogEntry, plugin: string): void {
    this.report(entry, plugin);
  }

  private report(
    entry: {
      level: ConsoleEntry['level'];
      message: string;
      location?: ConsoleEntry['location'];
      code?: ConsoleEntry['code'];
    },
    plugin: string,
  ): void {
    const now = performance.now();
    if (entry.level === 'error') {
      const last = this.lastReported.get(entry.message);
      if (last !== undefined && now - last < DEFAULT_INSTRUMENT_OPTIONS.repeatedErrorMs) return;
      this.lastReported.set(entry.message, now);
      if (this.lastReported.size > 100) this.lastReported.clear();
    }
    this.options.onConsole({
      level: entry.level,
      message: entry.message,
      t: now,
      plugin,
      ...(entry.location ? { location: entry.location } : {}),
      ...(entry.code ? { code: entry.code } : {}),
    });
  }
}
