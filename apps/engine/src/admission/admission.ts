/**
 * Admission control: the engine serves at most `capacity` players, so those it admits keep
 * every stroke at 30 fps instead of everyone degrading together. A new connection takes a seat
 * before any session or media work; when none is free it is refused with an
 * {@link EngineFullInfo} (`code: 'engine-full'`) and can try again: a seat frees when a player
 * leaves. The same figures answer `/api/health` (ready or full, with the load) for load
 * balancers.
 */
import os from 'node:os';
import type { ErrorInfo } from '@bambam/protocol';
import type { EngineConfig } from '../config.ts';
import { type CapacityEstimate, estimateCapacity } from './capacity.ts';

/** The refusal on the wire: the protocol's error with its `engine-full` code. */
export type EngineFullInfo = ErrorInfo & { readonly code: 'engine-full' };

/** What `/api/health` says. `ok`, `version` are kept for earlier clients. */
export interface EngineHealth {
  readonly ok: true;
  /** `draining`: shutting down (SIGTERM), taking no new players; a load balancer skips it. */
  readonly status: 'ready' | 'full' | 'draining';
  readonly version: string;
  readonly sessions: number;
  readonly capacity: number;
  /** Where the capacity came from: `BAMBAM_MAX_SESSIONS`, or estimated from the machine. */
  readonly capacitySource: 'configured' | 'estimated';
  readonly load: EngineLoad;
}

export interface EngineLoad {
  readonly cores: number;
  /** The machine's 1-minute load average. */
  readonly loadAverage: number;
  /** The engine process's CPU use since the previous health answer (or start), % of one core. */
  readonly processCpuPercent: number;
  /** Hand tracking per frame (inference only, not waiting), mean over recent frames, ms; null before any. */
  readonly trackMs: number | null;
  /** The capacity {@link estimateCapacity} gives with the measured `trackMs` (null before any). */
  readonly capacityAtMeasuredCost: number | null;
  /** Players refused since start. */
  readonly refused: number;
}

export interface AdmissionOptions {
  readonly config: Pick<EngineConfig, 'maxSessions' | 'trackerModel'>;
  /** Default `os.availableParallelism()`. */
  readonly cores?: number;
}

export const DEFAULT_ADMISSION = {
  /** Frames the measured tracking cost is averaged over (a mean up to this many, then exponential). */
  trackCostFrames: 300,
};

/** A taken seat; `release()` frees it (idempotent). */
export interface Seat {
  release(): void;
}

export class Admission {
  readonly capacity: number;
  readonly capacitySource: 'configured' | 'estimated';
  /** The machine estimate (also when the capacity is configured: it is printed beside it). */
  readonly estimate: CapacityEstimate;
  private readonly cores: number;
  private readonly model: EngineConfig['trackerModel'];
  private taken = 0;
  private refusedCount = 0;
  private isDraining = false;
  private trackMs: number | null = null;
  private trackSamples = 0;
  private lastCpu = { at: performance.now(), usage: process.cpuUsage() };
  private lastCpuPercent = 0;

  constructor(options: AdmissionOptions) {
    this.cores = options.cores ?? os.availableParallelism();
    this.model = options.config.trackerModel;
    this.estimate = estimateCapacity({ cores: this.cores, model: this.model });
    const configured = options.config.maxSessions;
    this.capacity = configured ?? this.estimate.capacity;
    this.capacitySource = configured === undefined ? 'estimated' : 'configured';
  }

  get sessions(): number {
    return this.taken;
  }

  get full(): boolean {
    return this.taken >= this.capacity;
  }

  /** True after {@link drain}: every new player is refused. */
  get draining(): boolean {
    return this.isDraining;
  }

  /** Shutting down: refuse every new player from now on (players already seated keep playing). */
  drain(): void {
    this.isDraining = true;
  }

  get refused(): number {
    return this.refusedCount;
  }

  /** A seat, or the refusal to send when every seat is taken. */
  admit(): { seat: Seat } | { refusal: EngineFullInfo } {
    if (this.full || this.isDraining) {
      this.refusedCount++;
      return { refusal: this.refusal() };
    }
    this.taken++;
    let released = false;
    return {
      seat: {
        release: () => {
          if (released) return;
          released = true;
          this.taken--;
        },
      },
    };
  }

  /** The refusal's words, the same the studio shows. */
  refusal(): EngineFullInfo {
    if (this.isDraining) {
      // The studio offers "try again" for engine-full; through a load balancer that lands on another engine.
      return {
        code: 'engine-full',
        message:
          'This engine is shutting down and takes no new players. Try again: you will be sent to another engine.',
      };
    }
    const n = this.capacity;
    return {
      code: 'engine-full',
      message: `This engine is full (${n} of ${n} player${n === 1 ? '' : 's'}). Try again in a minute or use another engine.`,
    };
  }

  /** One tracked frame's inference time (track minus waiting for a worker), ms. */
  observeTrackMs(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    // A plain mean over the first frames (the first ones are cold), then exponential.
    this.trackSamples++;
    const alpha = 1 / Math.min(this.trackSamples, DEFAULT_ADMISSION.trackCostFrames);
    this.trackMs = this.trackMs === null ? ms : this.trackMs + alpha * (ms - this.trackMs);
  }

  /** The start-up line: the capacity chosen and why. */
  describe(): string {
    const players = (n: number) => `${n} player${n === 1 ? '' : 's'}`;
    return this.capacitySource === 'configured'
      ? `capacity ${players(this.capacity)} (BAMBAM_MAX_SESSIONS; the machine estimate is ${this.estimate.capacity}: ${this.estimate.explanation})`
      : `capacity ${players(this.capacity)} (estimated: ${this.estimate.explanation}; set BAMBAM_MAX_SESSIONS to change it)`;
  }

  health(version: string): EngineHealth {
    const trackMs = this.trackMs;
    return {
      ok: true,
      status: this.isDraining ? 'draining' : this.full ? 'full' : 'ready',
      version,
      sessions: this.taken,
      capacity: this.capacity,
      capacitySource: this.capacitySource,
      load: {
        cores: this.cores,
        loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
        processCpuPercent: this.cpuPercent(),
        trackMs: trackMs === null ? null : Math.round(trackMs * 100) / 100,
        capacityAtMeasuredCost:
          trackMs === null
            ? null
            : estimateCapacity({ cores: this.cores, model: this.model, measuredTrackMs: trackMs }).capacity,
        refused: this.refusedCount,
      },
    };
  }

  /** CPU use since the last call at least a second ago (a load balancer's polls make the window). */
  private cpuPercent(): number {
    const now = performance.now();
    const elapsedMs = now - this.lastCpu.at;
    if (elapsedMs < 1000) return this.lastCpuPercent;
    const used = process.cpuUsage(this.lastCpu.usage);
    this.lastCpuPercent = Math.round(((used.user + used.system) / 1000 / elapsedMs) * 1000) / 10;
    this.lastCpu = { at: now, usage: process.cpuUsage() };
    return this.lastCpuPercent;
  }
}
