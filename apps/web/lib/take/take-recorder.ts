/**
 * Records a take: every hit the engine reports between record and stop, with its time in the
 * take. Hits come from the telemetry (every hit is there, with or without the hit channel),
 * timed where the player meant them: the plugin's `at` (a predicted landing) or the frame's
 * time. The frame clock restarts with each media connection, so the take keeps its own
 * timeline: the first frame seen (after record, or after a restart) is anchored at the page
 * time it arrived, and every hit is placed from that anchor on the frame clock.
 *
 * A take longer than {@link DEFAULT_TAKE_OPTIONS.maxMs} stops by itself, keeping what it has.
 */
import type { Telemetry } from '@bambam/protocol';
import { Emitter } from '../emitter.ts';

export const DEFAULT_TAKE_OPTIONS = {
  /** The longest take, ms (30 minutes). */
  maxMs: 30 * 60 * 1000,
  /** The most hits in a take (a hit per 20 ms frame for the whole take). */
  maxHits: 90_000,
  /**
   * A frame this much earlier than the latest one means the frame clock restarted (a new media
   * connection starts again from 0); smaller steps back are frames out of order, not a restart.
   */
  restartStepMs: 1000,
} as const;

/** One hit of a take. */
export interface TakeHit {
  /** Time in the take, ms from its start. */
  readonly timeMs: number;
  readonly sound: string;
  /** 0..1. */
  readonly velocity: number;
  /** -1..1. */
  readonly pan: number;
}

export interface Take {
  readonly hits: readonly TakeHit[];
  /** How long it ran, ms. */
  readonly durationMs: number;
  /** The plugin it was played on (name@version), for file names. */
  readonly plugin: string;
  /** Why it stopped: the player, or the length limit. */
  readonly stoppedBy: 'player' | 'limit';
}

export type TakeRecorderStatus = 'idle' | 'recording' | 'stopped';

export interface TakeRecorderState {
  readonly status: TakeRecorderStatus;
  readonly hits: number;
  /** ms recorded so far (or the finished take's length). */
  readonly elapsedMs: number;
  /** Said when the take stopped by itself. */
  readonly message: string | null;
}

export interface TakeRecorderEvents extends Record<string, unknown> {
  change: TakeRecorderState;
  /** A finished take. */
  take: Take;
}

/** Where the hits come from: the engine client's telemetry. */
export interface TelemetrySource {
  on(event: 'telemetry', listener: (telemetry: Telemetry) => void): () => void;
}

export interface TakeRecorderOptions {
  readonly maxMs?: number;
  readonly maxHits?: number;
  /** The page clock, ms (default `performance.now`). */
  readonly now?: () => number;
}

export class TakeRecorder {
  readonly #source: TelemetrySource;
  readonly #events = new Emitter<TakeRecorderEvents>();
  readonly #maxMs: number;
  readonly #maxHits: number;
  readonly #now: () => number;
  #off: (() => void) | null = null;
  #limitTimer: ReturnType<typeof setTimeout> | undefined;
  #startedAt = 0;
  #anchor: { frameT: number; takeMs: number } | null = null;
  #lastFrameT = Number.NEGATIVE_INFINITY;
  #hits: TakeHit[] = [];
  #plugin = '';
  #state: TakeRecorderState = { status: 'idle', hits: 0, elapsedMs: 0, message: null };
  #take: Take | null = null;

  constructor(source: TelemetrySource, options: TakeRecorderOptions = {}) {
    this.#source = source;
    this.#maxMs = options.maxMs ?? DEFAULT_TAKE_OPTIONS.maxMs;
    this.#maxHits = options.maxHits ?? DEFAULT_TAKE_OPTIONS.maxHits;
    this.#now = options.now ?? (() => performance.now());
  }

  get state(): TakeRecorderState {
    return this.#state;
  }

  /** The last finished take, or null. */
  get take(): Take | null {
    return this.#take;
  }

  /** The hits recorded so far (while recording) or of the last take. */
  get hits(): readonly TakeHit[] {
    return this.#state.status === 'recording' ? this.#hits : (this.#take?.hits ?? []);
  }

  on<K extends keyof TakeRecorderEvents>(
    event: K,
    listener: (value: TakeRecorderEvents[K]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Starts a new take (the previous one is replaced). `plugin` names it. */
  record(plugin = ''): void {
    if (this.#state.status === 'recording') return;
    this.#startedAt = this.#now();
    this.#anchor = null;
    this.#lastFrameT = Number.NEGATIVE_INFINITY;
    this.#hits = [];
    this.#plugin = plugin;
    this.#take = null;
    this.#off = this.#source.on('telemetry', (telemetry) => this.#onTelemetry(telemetry));
    this.#limitTimer = setTimeout(() => this.#stop('limit'), this.#maxMs);
    this.#update({ status: 'recording', hits: 0, elapsedMs: 0, message: null });
  }

  /** Stops the take; returns it (null when not recording). */
  stop(): Take | null {
    return this.#stop('player');
  }

  /** Ms since record, while recording. */
  elapsedMs(): number {
    return this.#state.status === 'recording' ? this.#now() - this.#startedAt : this.#state.elapsedMs;
  }

  dispose(): void {
    this.#off?.();
    this.#off = null;
    clearTimeout(this.#limitTimer);
    this.#events.clear();
  }

  // ---------------------------------------------------------------------------------------

  #onTelemetry(telemetry: Telemetry): void {
    const takeNow = this.#now() - this.#startedAt;
    if (takeNow >= this.#maxMs) {
      this.#stop('limit');
      return;
    }
    if (!this.#anchor || telemetry.t < this.#lastFrameT - DEFAULT_TAKE_OPTIONS.restartStepMs) {
      // First frame of the take, or the frame clock restarted (a new media connection).
      this.#anchor = { frameT: telemetry.t, takeMs: takeNow };
      this.#lastFrameT = telemetry.t;
    } else this.#lastFrameT = Math.max(this.#lastFrameT, telemetry.t);
    if (telemetry.hits.length === 0) return;
    const anchor = this.#anchor;
    for (const hit of telemetry.hits) {
      const frameTime = hit.at !== undefined && Number.isFinite(hit.at) ? hit.at : telemetry.t;
      const timeMs = anchor.takeMs + (frameTime - anchor.frameT);
      if (!Number.isFinite(timeMs) || !Number.isFinite(hit.velocity)) continue;
      this.#hits.push({
        timeMs,
        sound: hit.sound,
        velocity: Math.min(1, Math.max(0, hit.velocity)),
        pan: Number.isFinite(hit.pan) ? Math.min(1, Math.max(-1, hit.pan)) : 0,
      });
      if (this.#hits.length >= this.#maxHits) {
        this.#stop('limit');
        return;
      }
    }
    this.#update({ hits: this.#hits.length, elapsedMs: takeNow });
  }

  #stop(by: Take['stoppedBy']): Take | null {
    if (this.#state.status !== 'recording') return null;
    this.#off?.();
    this.#off = null;
    clearTimeout(this.#limitTimer);
    const durationMs = Math.min(this.#maxMs, this.#now() - this.#startedAt);
    // A frame that arrived out of order just after the anchor can put a hit before 0: the take
    // then starts at that hit (every hit keeps its spacing). Scheduled hits may fall a little
    // after stop: they belong to the take all the same.
    const shift = -this.#hits.reduce((min, h) => Math.min(min, h.timeMs), 0);
    const hits = this.#hits
      .map((h) => (shift > 0 ? { ...h, timeMs: h.timeMs + shift } : h))
      .sort((a, b) => a.timeMs - b.timeMs);
    const take: Take = { hits, durationMs: durationMs + shift, plugin: this.#plugin, stoppedBy: by };
    this.#take = take;
    const minutes = Math.round(this.#maxMs / 60_000);
    const message =
      by === 'limit'
        ? `The take reached its limit (${this.#hits.length >= this.#maxHits ? `${this.#maxHits} hits` : `${minutes} minutes`}) and stopped; everything recorded is kept: download it below.`
        : null;
    this.#update({ status: 'stopped', hits: hits.length, elapsedMs: durationMs, message });
    this.#events.emit('take', take);
    return take;
  }

  #update(patch: Partial<TakeRecorderState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#events.emit('change', this.#state);
  }
}
