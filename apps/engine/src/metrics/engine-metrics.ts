/**
 * The engine's Prometheus metrics (prom-client), one registry per engine so several engines
 * (tests) never share counters. Served as text on /metrics.
 *
 * The media stages' counters are read at each scrape (`collect()`): each pipeline registers
 * its stages with {@link EngineMetrics.watchStages}, and {@link FROM_STAGES} says which stage
 * counter feeds which sample. Histograms (stage and hit latencies) are observed as they happen.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, type LabelValues, Registry } from 'prom-client';
import { type StageReadings, type StageSource, StageTotals } from './stage-totals.ts';

/** `track_wait` is the part of `track` a frame waited for a free tracker worker. */
export type TimedStage = 'decode' | 'convert' | 'track' | 'track_wait' | 'plugin' | 'audio_wait' | 'encode';

/** Fine buckets: the interesting range is 0.1–50 ms. */
const STAGE_BUCKETS = [
  0.0002, 0.0005, 0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.025, 0.033, 0.05, 0.1, 0.25,
];
const HIT_BUCKETS = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25,
];

/** Counter samples read from the media stages' `stats()` (stage names as the pipeline registers them). */
const FROM_STAGES = {
  framesReceived: [{ labels: {}, stage: 'assembler', counter: 'frames' }],
  framesDropped: [
    { labels: { reason: 'lost' }, stage: 'assembler', counter: 'lost' },
    { labels: { reason: 'waiting_keyframe' }, stage: 'assembler', counter: 'waitingForKeyframe' },
    { labels: { reason: 'decoder_behind' }, stage: 'decoder', counter: 'dropped' },
    { labels: { reason: 'corrupt' }, stage: 'decoder', counter: 'errors' },
    { labels: { reason: 'tracker_busy' }, stage: 'tracker', counter: 'dropped' },
    { labels: { reason: 'plugin_busy' }, stage: 'plugin', counter: 'dropped' },
    { labels: { reason: 'plugin_timeout' }, stage: 'plugin', counter: 'timedOut' },
  ],
  rtpPackets: [
    { labels: { kind: 'media' }, stage: 'assembler', counter: 'packets' },
    { labels: { kind: 'padding' }, stage: 'assembler', counter: 'padding' },
    { labels: { kind: 'late' }, stage: 'assembler', counter: 'late' },
    { labels: { kind: 'corrupt' }, stage: 'assembler', counter: 'corrupt' },
  ],
  keyframeRequests: [{ labels: {}, stage: 'peer', counter: 'keyframeRequests' }],
  hits: [{ labels: {}, stage: 'audio', counter: 'plays' }],
  audioFrames: [
    { labels: { timing: 'on_time' }, stage: 'audio', counter: 'framesOnTime' },
    { labels: { timing: 'early' }, stage: 'audio', counter: 'framesSentEarly' },
  ],
  audioFramesSkipped: [{ labels: {}, stage: 'audio', counter: 'framesSkipped' }],
  audioFramesLate: [{ labels: {}, stage: 'audio', counter: 'framesLate' }],
  errors: [{ labels: { kind: 'decode' }, stage: 'decoder', counter: 'errors' }],
} satisfies Record<string, readonly (StageSource & { labels: LabelValues<string> })[]>;

interface TrackerPoolStats {
  readonly workers: number;
  readonly busyWorkers: number;
  readonly restarts: number;
}

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly stages = new StageTotals();
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
  readonly framesReceived: Counter = new Counter({
    name: 'bambam_video_frames_received_total',
    help: 'Complete encoded video frames assembled from RTP',
    registers: [this.registry],
    collect: () => this.feed(this.framesReceived, FROM_STAGES.framesReceived),
  });
  readonly framesDropped: Counter<'reason'> = new Counter({
    name: 'bambam_video_frames_dropped_total',
    help: 'Video frames dropped, by reason (tracker_busy = beyond the tracker backlog, lost, decoder_behind, waiting_keyframe, corrupt, plugin_busy = beyond the plugin backlog, plugin_timeout = its call stopped on a starved machine)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
    collect: () => this.feed(this.framesDropped, FROM_STAGES.framesDropped),
  });
  readonly framesRefused = new Counter({
    name: 'bambam_video_frames_refused_total',
    help: 'Video frames refused from their header before decoding, by reason (oversized, malformed, resized)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rtpPackets: Counter<'kind'> = new Counter({
    name: 'bambam_rtp_packets_total',
    help: 'Video RTP packets received, by kind (media, padding, late, corrupt)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect: () => this.feed(this.rtpPackets, FROM_STAGES.rtpPackets),
  });
  readonly keyframeRequests: Counter = new Counter({
    name: 'bambam_keyframe_requests_total',
    help: 'PLI keyframe requests sent to browsers',
    registers: [this.registry],
    collect: () => this.feed(this.keyframeRequests, FROM_STAGES.keyframeRequests),
  });
  readonly hits: Counter = new Counter({
    name: 'bambam_hits_total',
    help: 'Sounds played by plugins',
    registers: [this.registry],
    collect: () => this.feed(this.hits, FROM_STAGES.hits),
  });
  readonly audioFrames: Counter<'timing'> = new Counter({
    name: 'bambam_audio_frames_sent_total',
    help: 'Opus frames sent (20 ms each), by timing (on_time, early)',
    labelNames: ['timing'] as const,
    registers: [this.registry],
    collect: () => this.feed(this.audioFrames, FROM_STAGES.audioFrames),
  });
  readonly audioFramesSkipped: Counter = new Counter({
    name: 'bambam_audio_frames_skipped_total',
    help: 'Audio frames the clock skipped after an event-loop stall',
    registers: [this.registry],
    collect: () => this.feed(this.audioFramesSkipped, FROM_STAGES.audioFramesSkipped),
  });
  readonly audioFramesLate: Counter = new Counter({
    name: 'bambam_audio_frames_late_total',
    help: 'Audio frames sent more than 5 ms after their deadline (the event loop was late)',
    registers: [this.registry],
    collect: () => this.feed(this.audioFramesLate, FROM_STAGES.audioFramesLate),
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
  private trackerStats: () => TrackerPoolStats | undefined = () => undefined;
  readonly trackerWorkers = new Gauge({
    name: 'bambam_tracker_workers',
    help: 'Hand tracker worker threads (shared by all sessions), by state (idle, busy)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    // Read from the pool at each scrape.
    collect: () => {
      const s = this.trackerStats();
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
      const s = this.trackerStats();
      if (s) this.trackerRestarts.set(s.restarts);
    },
  });
  readonly limited = new Counter({
    name: 'bambam_limited_total',
    help: 'Clients held to a limit, by kind (sessions_per_minute, concurrent_sessions, messages, idle)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly errors: Counter<'kind'> = new Counter({
    name: 'bambam_errors_total',
    help: 'Errors, by kind (signaling, webrtc, decode, tracker, plugin, internal)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    collect: () => this.feed(this.errors, FROM_STAGES.errors),
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'bambam_process_' });
  }

  /** Where the tracker gauges read the pool's state at each scrape. */
  watchTrackerPool(stats: () => TrackerPoolStats | undefined): void {
    this.trackerStats = stats;
  }

  /**
   * Reads a media pipeline's stages (`stats()` by stage name, see {@link FROM_STAGES}) at each
   * scrape. Call the returned function when the pipeline is gone: its last counts are kept.
   */
  watchStages(read: () => StageReadings): () => void {
    return this.stages.watch(read);
  }

  observeStage(stage: TimedStage, ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.stageSeconds.observe({ stage }, ms / 1000);
  }

  private feed<T extends string>(
    counter: Counter<T>,
    samples: readonly (StageSource & { labels: LabelValues<string> })[],
  ): void {
    for (const sample of samples) this.stages.feed(counter, sample.labels as LabelValues<T>, sample);
  }

  /** Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
