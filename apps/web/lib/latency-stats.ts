/**
 * Rolling statistics over the engine's per-frame timings, and the browser's own share of the
 * latency (audio jitter buffer, round trip) from `getStats()`.
 */
import type { StageTimings, Telemetry } from '@bambam/protocol';

export const STAGES = [
  'decode',
  'convert',
  'track',
  'plugin',
  'total',
] as const satisfies readonly (keyof StageTimings)[];

export interface LatencySummary {
  /** Median per stage over the window, ms. */
  readonly median: Record<(typeof STAGES)[number], number>;
  /** 95th percentile of the engine's total, ms. */
  readonly p95Total: number;
  /** Tracked frames per second over the window. */
  readonly fps: number;
  /** Frames the engine dropped (beyond its backlog) since the session started. */
  readonly dropped: number;
  /** Frames in the window. */
  readonly frames: number;
  /**
   * Median engine hit latency over the last hits (video frame in → first Opus packet with the
   * hit out), ms, when the engine reports it (its additive `hitLatencyMs` telemetry field).
   */
  readonly hitLatency: number | null;
}

/** The engine's optional per-hit latency field (not in the fixed protocol; read if present). */
type WithHitLatency = Telemetry & { readonly hitLatencyMs?: readonly number[] };

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/** Keeps the last `size` frames' timings. */
export class LatencyWindow {
  readonly #size: number;
  readonly #frames: { at: number; timings: StageTimings }[] = [];
  readonly #hitLatencies: number[] = [];
  #dropped = 0;

  constructor(options: { size?: number } = {}) {
    this.#size = options.size ?? 90;
  }

  add(telemetry: Telemetry, at: number): void {
    this.#frames.push({ at, timings: telemetry.timings });
    if (this.#frames.length > this.#size) this.#frames.shift();
    this.#dropped = telemetry.dropped;
    const hits = (telemetry as WithHitLatency).hitLatencyMs;
    if (Array.isArray(hits)) {
      for (const ms of hits) if (Number.isFinite(ms)) this.#hitLatencies.push(ms);
      if (this.#hitLatencies.length > 20) this.#hitLatencies.splice(0, this.#hitLatencies.length - 20);
    }
  }

  clear(): void {
    this.#frames.length = 0;
    this.#hitLatencies.length = 0;
    this.#dropped = 0;
  }

  summary(): LatencySummary | null {
    const frames = this.#frames;
    if (frames.length === 0) return null;
    const median = {} as Record<(typeof STAGES)[number], number>;
    for (const stage of STAGES) {
      median[stage] = quantile(
        frames.map((f) => f.timings[stage]).sort((a, b) => a - b),
        0.5,
      );
    }
    const totals = frames.map((f) => f.timings.total).sort((a, b) => a - b);
    const span = (frames.at(-1)!.at - frames[0]!.at) / 1000;
    return {
      median,
      p95Total: quantile(totals, 0.95),
      fps: span > 0 ? (frames.length - 1) / span : 0,
      dropped: this.#dropped,
      frames: frames.length,
      hitLatency:
        this.#hitLatencies.length > 0
          ? quantile(
              [...this.#hitLatencies].sort((a, b) => a - b),
              0.5,
            )
          : null,
    };
  }
}

export interface BrowserAudioStats {
  /** Average time received audio waited in the jitter buffer over the last interval, ms. */
  readonly jitterBufferMs: number | null;
  /** Round trip to the engine, ms. */
  readonly rttMs: number | null;
  /** Audio samples concealed (lost or late) since the last interval. */
  readonly concealedSamples: number;
}

/** Reads audio jitter buffer delay and RTT from a peer connection; call it about once a second. */
export class BrowserAudioStatsReader {
  #last: { delay: number; emitted: number; concealed: number } | null = null;

  async read(pc: RTCPeerConnection): Promise<BrowserAudioStats> {
    const report = await pc.getStats();
    let jitterBufferMs: number | null = null;
    let rttMs: number | null = null;
    let concealedSamples = 0;
    report.forEach((stat: Record<string, unknown>) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
        const delay = Number(stat.jitterBufferDelay ?? 0);
        const emitted = Number(stat.jitterBufferEmittedCount ?? 0);
        const concealed = Number(stat.concealedSamples ?? 0);
        const last = this.#last;
        if (last && emitted > last.emitted)
          jitterBufferMs = ((delay - last.delay) / (emitted - last.emitted)) * 1000;
        else if (emitted > 0) jitterBufferMs = (delay / emitted) * 1000;
        if (last) concealedSamples = Math.max(0, concealed - last.concealed);
        this.#last = { delay, emitted, concealed };
      }
      if (stat.type === 'candidate-pair' && stat.nominated && typeof stat.currentRoundTripTime === 'number') {
        rttMs = stat.currentRoundTripTime * 1000;
      }
    });
    return { jitterBufferMs, rttMs, concealedSamples };
  }
}
