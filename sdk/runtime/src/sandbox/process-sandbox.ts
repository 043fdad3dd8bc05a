import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { CompiledPlugin } from './compile.ts';
import { applyParamValues, type ParamValue, type PluginDescription } from './definition.ts';
import { PluginError, revivePluginError } from './errors.ts';
import { cleanFrame } from './frame-input.ts';
import { DEFAULT_FRAME_TIMEOUTS } from './frame-timeouts.ts';
import { type HostLink, hostLauncher } from './host-launcher.ts';
import { resolveLimits, type SandboxLimits } from './limits.ts';
import type { HostReply, HostRequest, SerializedError } from './process-protocol.ts';
import type { LogEntry, SandboxBackend, SandboxOptions, SandboxStats } from './types.ts';

// `.ts` when run from the sources (the package's own tests), `.js` from the built `dist/`.
const HOST_ENTRY = fileURLToPath(new URL(`./sandbox-host${path.extname(import.meta.url)}`, import.meta.url));
/** Time a child process may take to start (Node, isolated-vm) on a busy machine. */
const STARTUP_MS = 15_000;
/** Allowance for the IPC round trip on top of a call's budgets. */
const IPC_SLACK_MS = 100;
const CONSTRUCT = Symbol('ProcessSandbox.construct');

/** A started sandbox-host.ts process. */
interface HostProcess {
  child: HostLink;
  /** Resolves when the child can take requests. */
  ready: Promise<void>;
  /** The end of what the child wrote to stderr (V8 prints its fatal errors there). */
  stderrTail: () => string;
  clearStderr: () => void;
}

/**
 * Host processes ready for a plugin. Starting Node and isolated-vm takes ~0.2 s on an idle
 * machine and over a second on a busy one, so a load (a hot swap from the editor) takes a
 * started process, one is started in the background whenever the pool runs dry, and a
 * sandbox disposed in good order gives its process back (its isolate is gone; plugin code
 * never ran in the process itself).
 */
const pool: HostProcess[] = [];
const POOL_SIZE = 2;

/** Starts a host process off this thread (host-launcher.ts: spawning holds the caller's loop). */
function startHost(): HostProcess {
  const child = hostLauncher.launch(HOST_ENTRY, ['--no-node-snapshot']);
  const ready = new Promise<void>((resolve, reject) => {
    child.once('message', (message: HostReply) => {
      if (message.type === 'ready') resolve();
      else reject(new Error(`sandbox process sent ${message.type} before ready`));
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`sandbox process exited (${signal ?? code}) while starting`)),
    );
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    stderrTail: () => child.stderrTail(),
    clearStderr: () => child.clearStderr(),
  };
}

function alive(host: HostProcess): boolean {
  return host.child.exitCode === null && host.child.signalCode === null && host.child.connected;
}

function takeHost(): HostProcess {
  let host: HostProcess | undefined;
  while (!host && pool.length > 0) {
    const candidate = pool.shift()!;
    if (alive(candidate)) host = candidate;
    else candidate.child.kill('SIGKILL');
  }
  if (pool.length === 0) pool.push(startHost());
  return host ?? startHost();
}

/** Takes back a process whose sandbox was disposed cleanly, or ends it. */
function returnHost(host: HostProcess): void {
  if (pool.length < POOL_SIZE && alive(host)) {
    host.clearStderr();
    pool.push(host);
  } else {
    host.child.kill('SIGKILL');
  }
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/**
 * A sandbox whose isolate runs in a child Node process (sandbox-host.ts). The child runs an
 * {@link IsolateSandbox} with synchronous calls (its own event loop has nothing else to do);
 * this side validates params and frames, keeps a watchdog on every call, and kills the child
 * when a call hangs. If the child dies (a V8 fatal error aborts it), the plugin is disabled
 * with a PluginError `'crashed'` and the host carries on.
 */
export class ProcessSandbox implements SandboxBackend {
  #description: PluginDescription | undefined;
  #params: Readonly<Record<string, ParamValue>> = Object.freeze({});
  readonly #child: HostLink;
  readonly #limits: SandboxLimits;
  readonly #onLog: (entry: LogEntry) => void;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #busy: Promise<unknown> = Promise.resolve();
  #disabled: PluginError | undefined;
  #disposed = false;
  #stats: SandboxStats = { frames: 0, errors: 0, cpuMs: 0, lastFrameMs: 0, forgivenTimeouts: 0 };
  readonly #stderrTail: () => string;
  readonly #ready: Promise<void>;
  readonly #host: HostProcess;
  #loaded = false;
  readonly #onMessage = (message: HostReply) => this.#receive(message);
  readonly #onExit = (code: number | null, signal: NodeJS.Signals | null) => this.#exited(code, signal);
  readonly #onError = (error: Error) => this.#exited(null, null, error);
  #loadWaiter: { resolve: (reply: HostReply) => void; reject: (error: unknown) => void } | undefined;

  /** @internal Use {@link ProcessSandbox.load}. */
  constructor(
    token: typeof CONSTRUCT,
    limits: SandboxLimits,
    onLog: ((entry: LogEntry) => void) | undefined,
  ) {
    if (token !== CONSTRUCT) throw new TypeError('Use PluginSandbox.load() to create a sandbox');
    this.#limits = limits;
    this.#onLog = onLog ?? (() => {});
    const host = takeHost();
    this.#host = host;
    this.#child = host.child;
    this.#ready = host.ready;
    this.#stderrTail = host.stderrTail;
    this.#child.on('message', this.#onMessage);
    this.#child.on('exit', this.#onExit);
    this.#child.on('error', this.#onError);
  }

  /** Starts the child, loads the plugin in it; rejects like IsolateSandbox.load, or `'crashed'`. */
  static async load(compiled: CompiledPlugin, options: SandboxOptions = {}): Promise<ProcessSandbox> {
    if (typeof compiled?.code !== 'string' || typeof compiled.sourceMap !== 'string') {
      throw new TypeError('PluginSandbox.load: expected a CompiledPlugin from compilePlugin()');
    }
    const limits = resolveLimits(options.limits);
    const sandbox = new ProcessSandbox(CONSTRUCT, limits, options.onLog);
    try {
      await sandbox.#load(compiled, options);
      return sandbox;
    } catch (error) {
      sandbox.#kill();
      throw error;
    }
  }

  async #load(compiled: CompiledPlugin, options: SandboxOptions): Promise<void> {
    const { onLog: _onLog, isolation: _isolation, ...rest } = options;
    const loaded = new Promise<HostReply>((resolve, reject) => {
      this.#loadWaiter = { resolve, reject };
    });
    // Loading is a few steps of loadBudgetMs each in the child: allow all of them and a slow start.
    const timer = setTimeout(
      () => this.#loadWaiter?.reject(this.#crashError('did not start or load in time', false)),
      STARTUP_MS + 4 * (this.#limits.loadBudgetMs + this.#limits.hangTimeoutMs),
    );
    try {
      await this.#ready;
      this.#send({ op: 'load', compiled, options: { ...rest, callMode: 'sync', limits: this.#limits } });
      const reply = await loaded;
      if (reply.type === 'load-failed') throw reviveError(reply.error);
      if (reply.type !== 'loaded') throw new Error(`unexpected reply ${reply.type}`);
      this.#description = Object.freeze(reply.description);
      this.#params = Object.freeze(reply.params);
      this.#loaded = true;
    } finally {
      clearTimeout(timer);
      this.#loadWaiter = undefined;
    }
  }

  get description(): PluginDescription {
    return this.#description!;
  }

  get params(): Readonly<Record<string, ParamValue>> {
    return this.#params;
  }

  get disabled(): PluginError | undefined {
    return this.#disabled;
  }

  get stats(): SandboxStats {
    return { ...this.#stats };
  }

  setParams(values: Record<string, unknown>): void {
    const next = applyParamValues(this.description.name, this.description.params, this.#params, values);
    this.#params = Object.freeze(next);
    if (!this.#disabled && !this.#disposed) this.#send({ op: 'params', values: next });
  }

  async onFrame(frame: Frame): Promise<PlayEvent[]> {
    this.#assertUsable();
    const input = cleanFrame(frame);
    return this.#enqueue(async () => {
      const started = performance.now();
      try {
        return (await this.#request(
          (id) => ({ op: 'frame', id, frame: input }),
          this.#limits.frameBudgetMs,
          'onFrame',
          // After a timeout the child gives the next call more wall time (FrameTimeouts).
          this.#limits.frameBudgetMs * DEFAULT_FRAME_TIMEOUTS.maxStretch,
        )) as PlayEvent[];
      } finally {
        this.#stats.lastFrameMs = performance.now() - started;
      }
    });
  }

  async reset(): Promise<void> {
    this.#assertUsable();
    await this.#enqueue(() =>
      this.#request((id) => ({ op: 'reset', id }), this.#limits.loadBudgetMs, 'state()'),
    );
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const clean = this.#loaded && !this.#disabled && this.#pending.size === 0 && alive(this.#host);
    this.#child.off('message', this.#onMessage);
    this.#child.off('exit', this.#onExit);
    this.#child.off('error', this.#onError);
    if (clean) {
      this.#send({ op: 'dispose' });
      returnHost(this.#host);
    } else {
      this.#kill();
    }
    this.#rejectAll(
      new PluginError('disposed', 'was disposed', { plugin: this.#description?.name, fatal: true }),
    );
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(() => {
      this.#assertUsable();
      return task();
    });
    this.#busy = run.catch(() => {});
    return run;
  }

  /**
   * Sends a request and waits for its reply, within the longest wall time the child may give
   * the call (`wallMs`, by default its budget) plus the hang timeout.
   */
  #request(
    make: (id: number) => HostRequest,
    budgetMs: number,
    what: string,
    wallMs = budgetMs,
  ): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const ms = wallMs + this.#limits.hangTimeoutMs + IPC_SLACK_MS;
          this.#disable(
            new PluginError(
              'timeout',
              `${what} did not stop at its ${budgetMs} ms budget (still running after ${ms} ms: work that cannot be interrupted, such as a huge allocation)`,
              { plugin: this.#description?.name, fatal: true },
            ),
          );
        },
        wallMs + this.#limits.hangTimeoutMs + IPC_SLACK_MS,
      );
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(make(id));
    });
  }

  #receive(message: HostReply): void {
    switch (message.type) {
      case 'log':
        try {
          this.#onLog(message.entry);
        } catch (error) {
          process.emitWarning(
            `PluginSandbox onLog handler threw: ${(error as Error)?.message ?? String(error)}`,
          );
        }
        break;
      case 'loaded':
      case 'load-failed':
        this.#loadWaiter?.resolve(message);
        break;
      case 'result':
      case 'error': {
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        this.#stats = { ...message.stats, lastFrameMs: this.#stats.lastFrameMs };
        if (message.type === 'result') {
          pending.resolve(message.value);
          return;
        }
        const error = reviveError(message.error);
        // The child counted it already.
        if (error instanceof PluginError && error.fatal) this.#disable(error, true);
        pending.reject(error);
      }
    }
  }

  #exited(code: number | null, signal: NodeJS.Signals | null, cause?: Error): void {
    if (this.#disposed || this.#disabled) return;
    const how = cause ? cause.message : signal ? `killed by ${signal}` : `exit code ${code}`;
    this.#disable(this.#crashError(how, true));
  }

  /** The plugin's process died or never answered: what its stderr said, if anything. */
  #crashError(how: string, fatal: boolean): PluginError {
    const lines = this.#stderrTail()
      .split('\n')
      .map((line) => line.replace(/^#\s*/, '').trim());
    const reason =
      lines.find((line) => /fatal|out of memory|invalid .* (size|length)|allocation failed/i.test(line)) ??
      lines.filter((line) => line !== '').at(-1);
    return new PluginError(
      'crashed',
      `its sandbox process ${how}${reason ? ` (${reason.slice(0, 200)})` : ''}; nothing else was affected`,
      { plugin: this.#description?.name, fatal },
    );
  }

  /** Disables the sandbox: kills its process and fails every waiting call with `error`. */
  #disable(error: PluginError, counted = false): void {
    if (this.#disabled || this.#disposed) return;
    this.#disabled = error;
    if (!counted) this.#stats.errors++;
    this.#kill();
    this.#rejectAll(error);
  }

  #rejectAll(error: PluginError): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    this.#loadWaiter?.reject(error);
  }

  #kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  #send(message: HostRequest): void {
    // A child that died is reported by its 'exit' event; a send that fails before that is the same news.
    if (this.#child.connected) this.#child.send(message);
  }

  #assertUsable(): void {
    if (this.#disabled) {
      throw new PluginError('disposed', `is disabled (${this.#disabled.code}); reload it to run it again`, {
        plugin: this.#description?.name,
        fatal: true,
      });
    }
    if (this.#disposed) {
      throw new PluginError('disposed', 'was disposed', { plugin: this.#description?.name, fatal: true });
    }
  }
}

function reviveError(error: SerializedError): Error {
  if (error.kind === 'plugin') return revivePluginError(error.data);
  if (error.kind === 'TypeError') return new TypeError(error.message);
  if (error.kind === 'RangeError') return new RangeError(error.message);
  return new Error(error.message);
}
