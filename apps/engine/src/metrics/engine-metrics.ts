/**
 * The engine's Prometheus metrics (prom-client), one registry per engine so several engines
 * (tests) never share counters. Served as text on /metrics.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** `track_wait` is the part of `track` a frame waited for a free tracker worker. */
export type Stage = 'decode' | 'convert' | 'track' | 'track_wait' | 'plugin' | 'audio_wait' | 'encode';

/** Fine buckets: the interesting range is 0.1–50 ms. */
const STAGE_BUCKETS = [
  0.0002, 0.0005, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.033, 0.05, 0.1, 0.25,
];
const HIT_BUCKETS = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25,
];

interface TrackerPoolStats {
  readonly workers: number;
  readonly busyWorkers: number;
  readonly restarts: number;
}

export class EngineMetrics {
  readonly registry = new Registry();
  readonly stageSeconds = new Histogram({
    name: 'bambam_stage_seconds',
    help: 'Per-stage latency of the media pipeline (decode, convert, track, track_wait, plugin, audio_wait, encode)',
    labelNames: ['stage'] as const,
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  readonly hitLatency = new Histogram({
    name: 'bambam_hit_latency_seconds',
    help: 'Arrival of the last RTP packet of the video frame where a hit was detected → first Opus packet carrying it sent',
    buckets: HIT_BUCKETS,
    registers: [this.registry],
  });
  readonly framesReceived = new Counter({
    name: 'bambam_video_frames_received_total',
    help: 'Complete encoded video frames assembled from RTP',
    registers: [this.registry],
  });
  readonly framesDropped = new Counter({
    name: 'bambam_video_frames_dropped_total',
    help: 'Video frames dropped, by reason (tracker_busy = latest wins, lost, decoder_behind, waiting_keyframe, corrupt)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly framesRefused = new Counter({
    name: 'bambam_video_frames_refused_total',
    help: 'Video frames refused from their header before decoding, by reason (oversized, malformed, resized)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rtpPackets = new Counter({
    name: 'bambam_rtp_packets_total',
    help: 'Video RTP packets received, by kind (media, padding, late, corrupt)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly keyframeRequests = new Counter({
    name: 'bambam_keyframe_requests_total',
    help: 'PLI keyframe requests sent to browsers',
    registers: [this.registry],
  });
  readonly hits = new Counter({
    name: 'bambam_hits_total',
    help: 'Sounds played by plugins',
    registers: [this.registry],
  });
  readonly audioFrames = new Counter({
    name: 'bambam_audio_frames_sent_total',
    help: 'Opus frames sent (20 ms each), by timing (on_time, early)',
    labelNames: ['timing'] as const,
    registers: [this.registry],
  });
  readonly audioFramesSkipped = new Counter({
    name: 'bambam_audio_frames_skipped_total',
    help: 'Audio frames the clock skipped after an event-loop stall',
    registers: [this.registry],
  });
  readonly sessions = new Gauge({
    name: 'bambam_sessions',
    help: 'Sessions open now',
    registers: [this.registry],
  });
  readonly sessionsTotal = new Counter({
    name: 'bambam_sessions_total',
    help: 'Sessions opened since start',
    registers: [this.registry],
  });
  #trackerStats: () => TrackerPoolStats | undefined = () => undefined;
  readonly trackerWorkers = new Gauge({
    name: 'bambam_tracker_workers',
    help: 'Hand tracker worker threads (shared by all sessions), by state (idle, busy)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Read from the pool at each scrape.
    collect: () => {
      const s = this.#trackerStats();
      if (!s) return;
      this.trackerWorkers.set({ state: 'busy' }, s.busyWorkers);
      this.trackerWorkers.set({ state: 'idle' }, s.workers - s.busyWorkers);
    },
  });
  readonly trackerRestarts = new Gauge({
    name: 'bambam_tracker_worker_restarts',
    help: 'Hand tracker workers that died and were replaced since start',
    registers: [this.registry],
    collect: () => {
      const s = this.#trackerStats();
      if (s) this.trackerRestarts.set(s.restarts);
    },
  });
  readonly limited = new Counter({
    name: 'bambam_limited_total',
    help: 'Clients held to a limit, by kind (sessions_per_minute, concurrent_sessions, messages, idle)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'bambam_errors_total',
    help: 'Errors, by kind (signaling, webrtc, decode, tracker, plugin, internal)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'bambam_process_' });
  }

  /** Where the tracker gauges read the pool's state at each scrape. */
  watchTrackerPool(stats: () => TrackerPoolStats | undefined): void {
    this.#trackerStats = stats;
  }

  observeStage(stage: Stage, ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.stageSeconds.observe({ stage }, ms / 1000);
  }

  /** Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
