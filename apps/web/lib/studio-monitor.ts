/**
 * Watches one {@link EngineClient} and keeps the studio's one status ({@link StudioStatus}) and
 * the latency figures the readout shows: engine console lines about the instrument, load
 * results, the telemetry of the last seconds and the browser's audio stats, assessed once a
 * second for health. Views read `status` and `figures` and subscribe with `on('change' | 'figures')`.
 */
import type { Ack, ErrorInfo, PluginInfo } from '@bambam/protocol';
import { Emitter } from './emitter.ts';
import type { EngineClient, EngineSnapshot } from './engine-client.ts';
import { assessHealth, type HealthIssue, type HealthState, INITIAL_HEALTH } from './health.ts';
import {
  type BrowserAudioStats,
  BrowserAudioStatsReader,
  type LatencySummary,
  LatencyWindow,
} from './latency-stats.ts';
import {
  classifyConsoleLine,
  DEFAULT_STATUS_OPTIONS,
  deriveStudioStatus,
  type InstrumentLog,
  recordNote,
  type StudioStatus,
  sameStatus,
} from './studio-status.ts';

/** The latency readout's figures, refreshed about once a second. */
export interface LatencyFigures {
  readonly summary: LatencySummary | null;
  readonly audio: BrowserAudioStats | null;
  /**
   * Motion → sound, estimated: the engine's hit latency (frame in → audio out; its per-frame
   * time when no hit was measured yet) + the network round trip + the browser's audio buffer, ms.
   * Camera capture and the sound card's output latency are not in it.
   */
  readonly motionToSoundMs: number | null;
  /** Tracked frames per second over the health window (telemetry arrives in bursts: a short span misleads). */
  readonly fps: number | null;
}

export interface StudioMonitorEvents extends Record<string, unknown> {
  change: StudioStatus;
  figures: LatencyFigures;
}

export const DEFAULT_MONITOR_OPTIONS = {
  /** How often health and the figures are assessed, ms. */
  tickMs: 1000,
  /** The telemetry window health is judged over, ms. */
  windowMs: 5000,
};

interface FrameSample {
  readonly at: number;
  readonly dropped: number;
  readonly total: number;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

export class StudioMonitor {
  readonly #client: EngineClient;
  readonly #events = new Emitter<StudioMonitorEvents>();
  readonly #options: typeof DEFAULT_MONITOR_OPTIONS;
  readonly #window = new LatencyWindow();
  readonly #reader = new BrowserAudioStatsReader();
  readonly #offs: (() => void)[] = [];
  readonly #timer: ReturnType<typeof setInterval>;
  #frames: FrameSample[] = [];
  #log: InstrumentLog = {};
  #health: HealthState = INITIAL_HEALTH;
  #issues: readonly HealthIssue[] = [];
  #audio: BrowserAudioStats | null = null;
  #liveSince: number | null = null;
  #lastSnapshot: EngineSnapshot;
  #status: StudioStatus;
  #figures: LatencyFigures = { summary: null, audio: null, motionToSoundMs: null, fps: null };

  constructor(client: EngineClient, options: Partial<typeof DEFAULT_MONITOR_OPTIONS> = {}) {
    this.#client = client;
    this.#options = { ...DEFAULT_MONITOR_OPTIONS, ...options };
    this.#lastSnapshot = client.snapshot;
    for (const line of client.consoleLines) this.#onConsole(line, false);
    this.#status = this.#derive();
    this.#offs.push(
      client.on('change', (s) => this.#onChange(s)),
      client.on('console', (line) => this.#onConsole(line, true)),
      client.on('telemetry', (t) => {
        const at = performance.now();
        this.#window.add(t, at);
        this.#frames.push({ at, dropped: t.dropped, total: t.timings.total });
      }),
    );
    this.#timer = setInterval(() => void this.#tick(), this.#options.tickMs);
  }

  get status(): StudioStatus {
    return this.#status;
  }

  get figures(): LatencyFigures {
    return this.#figures;
  }

  on<K extends keyof StudioMonitorEvents>(
    event: K,
    listener: (value: StudioMonitorEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** A load from the editor finished: a compile error is kept until a load works. */
  recordLoad(ack: Ack<{ plugin: PluginInfo }>, filename?: string): void {
    if (ack.ok) this.#log = {};
    else {
      const error: ErrorInfo = ack.error;
      const location = error.location
        ? { ...error.location, file: error.location.file ?? filename }
        : undefined;
      this.#log = {
        ...this.#log,
        compileError: { message: error.message, ...(location ? { location } : {}), at: performance.now() },
      };
    }
    this.#refresh();
  }

  dispose(): void {
    clearInterval(this.#timer);
    for (const off of this.#offs) off();
    this.#events.clear();
  }

  #onChange(s: EngineSnapshot): void {
    const before = this.#lastSnapshot;
    this.#lastSnapshot = s;
    // A new session or another plugin: what was said about the old one no longer holds.
    if (s.sessionId !== before.sessionId && s.sessionId !== null) this.#log = {};
    else if (s.plugin && before.plugin && !samePlugin(s.plugin, before.plugin)) this.#log = {};
    if (before.problem?.kind === 'plugin-disabled' && s.problem?.kind !== 'plugin-disabled') {
      const { disabled: _gone, runtimeError: _old, ...rest } = this.#log;
      this.#log = rest;
    }
    if (s.media === 'live' && this.#liveSince === null) this.#liveSince = performance.now();
    if (s.media !== 'live') {
      this.#liveSince = null;
      this.#frames = [];
      this.#window.clear();
      this.#health = INITIAL_HEALTH;
      this.#issues = [];
    }
    this.#refresh();
  }

  #onConsole(line: Parameters<typeof classifyConsoleLine>[0], refresh: boolean): void {
    const note = classifyConsoleLine(line);
    if (!note) return;
    this.#log = recordNote(this.#log, note, performance.now(), DEFAULT_STATUS_OPTIONS);
    if (refresh) this.#refresh();
  }

  async #tick(): Promise<void> {
    const now = performance.now();
    const pc = this.#client.peerConnection;
    if (pc && pc.connectionState === 'connected') {
      try {
        this.#audio = await this.#reader.read(pc);
      } catch {
        this.#audio = null;
      }
    } else this.#audio = null;

    const windowStart = now - this.#options.windowMs;
    const firstIn = this.#frames.findIndex((f) => f.at >= windowStart);
    // Keep one sample before the window: the drop count is a running total.
    const keepFrom = firstIn === -1 ? Math.max(0, this.#frames.length - 1) : Math.max(0, firstIn - 1);
    this.#frames = this.#frames.slice(keepFrom);
    const inWindow = this.#frames.filter((f) => f.at >= windowStart);
    // The drop count is a running total: compare with the sample before the window when there is one.
    const reference = this.#frames[0];
    const last = this.#frames.at(-1);
    const liveMs = this.#liveSince === null ? 0 : now - this.#liveSince;
    const assessment = assessHealth(this.#health, {
      liveMs,
      windowMs: Math.min(this.#options.windowMs, liveMs),
      framesTracked: inWindow.length,
      framesDropped: reference && last ? Math.max(0, last.dropped - reference.dropped) : 0,
      engineMs: median(inWindow.map((f) => f.total)),
      jitterBufferMs: this.#audio?.jitterBufferMs ?? null,
    });
    this.#health = assessment.state;
    this.#issues = assessment.issues;

    const summary = this.#window.summary();
    const engine = summary ? (summary.hitLatency ?? summary.median.total) : null;
    const motionToSoundMs =
      engine === null ? null : engine + (this.#audio?.rttMs ?? 0) + (this.#audio?.jitterBufferMs ?? 0);
    const spanMs = Math.min(this.#options.windowMs, liveMs);
    const fps = spanMs >= 1000 ? (inWindow.length * 1000) / spanMs : null;
    this.#figures = { summary, audio: this.#audio, motionToSoundMs, fps };
    this.#events.emit('figures', this.#figures);
    this.#refresh();
  }

  #derive(): StudioStatus {
    return deriveStudioStatus({
      snapshot: this.#lastSnapshot,
      log: this.#log,
      health: this.#issues,
      now: performance.now(),
    });
  }

  #refresh(): void {
    const next = this.#derive();
    if (sameStatus(next, this.#status)) return;
    this.#status = next;
    this.#events.emit('change', next);
  }
}

function samePlugin(a: PluginInfo, b: PluginInfo): boolean {
  return a.name === b.name && a.version === b.version && a.source === b.source;
}
