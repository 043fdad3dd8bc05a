import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { CompiledPlugin } from './compile.ts';
import type { ParamValue } from './definition.ts';
import { PluginError, revivePluginError } from './errors.ts';
import { DEFAULT_FRAME_TIMEOUTS } from './frame-timeouts.ts';
import { type HostLink, hostLauncher } from './host-launcher.ts';
import type { SandboxLimits } from './limits.ts';
import type { HostReply, HostRequest, SerializedError } from './process-protocol.ts';
import { SandboxBase } from './sandbox-base.ts';
import type { LogEntry, SandboxOptions } from './types.ts';

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
export class ProcessSandbox extends SandboxBase {
  private readonly child: HostLink;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly stderrTail: () => string;
  private readonly ready: Promise<void>;
  private readonly host: HostProcess;
  private loaded = false;
  private readonly onMessage = (message: HostReply) => this.receive(message);
  private readonly onExit = (code: number | null, signal: NodeJS.Signals | null) => this.exited(code, signal);
  private readonly onError = (error: Error) => this.exited(null, null, error);
  private loadWaiter: { resolve: (reply: HostReply) => void; reject: (error: unknown) => void } | undefined;

  /** @internal Use {@link ProcessSandbox.load}. */
  constructor(
    token: typeof CONSTRUCT,
    limits: SandboxLimits,
    onLog: ((entry: LogEntry) => void) | undefined,
  ) {
    if (token !== CONSTRUCT) throw new TypeError('Use PluginSandbox.load() to create a sandbox');
    super(limits, onLog);
    const host = takeHost();
    this.host = host;
    this.child = host.child;
    this.ready = host.ready;
    this.stderrTail = host.stderrTail;
    this.child.on('message', this.onMessage);
    this.child.on('exit', this.onExit);
    this.child.on('error', this.onError);
  }

  /** Starts the child, loads the plugin in it; rejects like IsolateSandbox.load, or `'crashed'`. */
  static async load(
    compiled: CompiledPlugin,
    options: SandboxOptions,
    limits: SandboxLimits,
  ): Promise<ProcessSandbox> {
    const sandbox = new ProcessSandbox(CONSTRUCT, limits, options.onLog);
    try {
      await sandbox.loadInChild(compiled, options);
      return sandbox;
    } catch (error) {
      sandbox.kill();
      throw error;
    }
  }

  private async loadInChild(compiled: CompiledPlugin, options: SandboxOptions): Promise<void> {
    const { onLog: _onLog, isolation: _isolation, limits: _limits, ...rest } = options;
    const loaded = new Promise<HostReply>((resolve, reject) => {
      this.loadWaiter = { resolve, reject };
    });
    // Loading is a few steps of loadBudgetMs each in the child: allow all of them and a slow start.
    const timer = setTimeout(
      () => this.loadWaiter?.reject(this.crashError('did not start or load in time', false)),
      STARTUP_MS + 4 * (this.limits.loadBudgetMs + this.limits.hangTimeoutMs),
    );
    try {
      await this.ready;
      this.send({ op: 'load', compiled, options: { ...rest, callMode: 'sync' }, limits: this.limits });
      const reply = await loaded;
      if (reply.type === 'load-failed') throw reviveError(reply.error);
      if (reply.type !== 'loaded') throw new Error(`unexpected reply ${reply.type}`);
      this.pluginDescription = Object.freeze(reply.description);
      this.paramValues = Object.freeze(reply.params);
      this.loaded = true;
    } finally {
      clearTimeout(timer);
      this.loadWaiter = undefined;
    }
  }

  protected paramsChanged(values: Record<string, ParamValue>): void {
    if (!this.disabledBy && !this.isDisposed) this.send({ op: 'params', values });
  }

  protected async runFrame(input: Frame): Promise<PlayEvent[]> {
    const started = performance.now();
    try {
      return (await this.request(
        (id) => ({ op: 'frame', id, frame: input }),
        this.limits.frameBudgetMs,
        'onFrame',
        // After a timeout the child gives the next call more wall time (FrameTimeouts).
        this.limits.frameBudgetMs * DEFAULT_FRAME_TIMEOUTS.maxStretch,
      )) as PlayEvent[];
    } finally {
      this.counters.lastFrameMs = performance.now() - started;
    }
  }

  protected async runReset(): Promise<void> {
    await this.request((id) => ({ op: 'reset', id }), this.limits.loadBudgetMs, 'state()');
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const clean = this.loaded && !this.disabledBy && this.pending.size === 0 && alive(this.host);
    this.child.off('message', this.onMessage);
    this.child.off('exit', this.onExit);
    this.child.off('error', this.onError);
    if (clean) {
      this.send({ op: 'dispose' });
      returnHost(this.host);
    } else {
      this.kill();
    }
    this.rejectAll(
      new PluginError('disposed', 'was disposed', { plugin: this.pluginDescription?.name, fatal: true }),
    );
  }

  /**
   * Sends a request and waits for its reply, within the longest wall time the child may give
   * the call (`wallMs`, by default its budget) plus the hang timeout.
   */
  private request(
    make: (id: number) => HostRequest,
    budgetMs: number,
    what: string,
    wallMs = budgetMs,
  ): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const ms = wallMs + this.limits.hangTimeoutMs + IPC_SLACK_MS;
          this.disable(
            new PluginError(
              'timeout',
              `${what} did not stop at its ${budgetMs} ms budget (still running after ${ms} ms: work that cannot be interrupted, such as a huge allocation)`,
              { plugin: this.pluginDescription?.name, fatal: true },
            ),
          );
        },
        wallMs + this.limits.hangTimeoutMs + IPC_SLACK_MS,
      );
      this.pending.set(id, { resolve, reject, timer });
      this.send(make(id));
    });
  }

  private receive(message: HostReply): void {
    switch (message.type) {
      case 'log':
        this.log(message.entry);
        break;
      case 'loaded':
      case 'load-failed':
        this.loadWaiter?.resolve(message);
        break;
      case 'result':
      case 'error': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        this.counters = { ...message.stats, lastFrameMs: this.counters.lastFrameMs };
        if (message.type === 'result') {
          pending.resolve(message.value);
          return;
        }
        const error = reviveError(message.error);
        // The child counted it already.
        if (error instanceof PluginError && error.fatal) this.disable(error, true);
        pending.reject(error);
      }
    }
  }

  private exited(code: number | null, signal: NodeJS.Signals | null, cause?: Error): void {
    if (this.isDisposed || this.disabledBy) return;
    const how = cause ? cause.message : signal ? `killed by ${signal}` : `exit code ${code}`;
    this.disable(this.crashError(how, true));
  }

  /** The plugin's process died or never answered: what its stderr said, if anything. */
  private crashError(how: string, fatal: boolean): PluginError {
    const lines = this.stderrTail()
      .split('\n')
      .map((line) => line.replace(/^#\s*/, '').trim());
    const reason =
      lines.find((line) => /fatal|out of memory|invalid .* (size|length)|allocation failed/i.test(line)) ??
      lines.filter((line) => line !== '').at(-1);
    return new PluginError(
      'crashed',
      `its sandbox process ${how}${reason ? ` (${reason.slice(0, 200)})` : ''}; nothing else was affected`,
      { plugin: this.pluginDescription?.name, fatal },
    );
  }

  /** Disables the sandbox: kills its process and fails every waiting call with `error`. */
  private disable(error: PluginError, counted = false): void {
    if (this.disabledBy || this.isDisposed) return;
    this.disabledBy = error;
    if (!counted) this.counters.errors++;
    this.kill();
    this.rejectAll(error);
  }

  private rejectAll(error: PluginError): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    this.loadWaiter?.reject(error);
  }

  private kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(message: HostRequest): void {
    // A child that died is reported by its 'exit' event; a send that fails before that is the same news.
    if (this.child.connected) this.child.send(message);
  }
}

function reviveError(error: SerializedError): Error {
  if (error.kind === 'plugin') return revivePluginError(error.data);
  if (error.kind === 'TypeError') return new TypeError(error.message);
  if (error.kind === 'RangeError') return new RangeError(error.message);
  return new Error(error.message);
}
