/**
 * One media connection of a session, wired stage by stage (each a {@link Stage}):
 *
 *   MediaPeer → VideoChain (FrameAssembler → VideoDecoder → RgbConverter) → TrackingStage (worker)
 *     → PluginStage (sandbox) → AudioChain (AudioOutput → OpusFrameEncoder → AudioRtpSender) → MediaPeer
 *
 * Video is latest-wins from the tracker on (drops counted); audio never drops. Telemetry and
 * hit latencies: {@link FrameTelemetry}. Counters: each stage's `stats()`, read by `/metrics`
 * at scrape time. `dispose()` releases the peer connection, decoder, tracker stream and clock.
 */
import type { TrackResult } from '@bambam/hand-tracker';
import type { Frame } from '@bambam/sdk';
import type { EngineConfig } from '../config.ts';
import type { Instrument } from '../instrument/instrument.ts';
import { PluginStage } from '../instrument/plugin-stage.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { SharedTracking } from '../track/shared-tracking.ts';
import { TrackingStage } from '../track/tracking-stage.ts';
import { MediaPeer, type MediaPeerOptions } from '../transport/media-peer.ts';
import { inspectOffer } from '../transport/sdp.ts';
import { AudioChain } from './audio-chain.ts';
import { FrameTelemetry, type FrameTelemetryOptions, type TrackedFrame } from './frame-telemetry.ts';
import { VideoChain } from './video-chain.ts';

export interface MediaPipelineOptions extends Pick<FrameTelemetryOptions, 'onTelemetry' | 'onHits'> {
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly instrument: Instrument;
  /** The engine's tracker workers; the session tracks its video as one stream on them. */
  readonly tracking: SharedTracking;
  /** A video frame decoded (the session is not idle). */
  readonly onVideo?: () => void;
  /** The connection failed or timed out; the session should dispose this pipeline. */
  readonly onFailed: (reason: string) => void;
  /** Every tracked frame, before the instrument sees it (OSC's hand stream). */
  readonly onTrackedFrame?: (frame: Frame) => void;
  /** A data channel the browser opened (the hit channel). */
  readonly onDataChannel?: MediaPeerOptions['onDataChannel'];
}

export class MediaPipeline {
  private readonly options: MediaPipelineOptions;
  private readonly audio: AudioChain;
  private readonly plugin: PluginStage<TrackedFrame>;
  private readonly telemetry: FrameTelemetry;
  private readonly unwatch: () => void;
  private peer: MediaPeer | undefined;
  private video: VideoChain | undefined;
  private tracker: TrackingStage | undefined;
  private trackerReady: Promise<TrackingStage> | undefined;
  private disposed = false;

  private constructor(options: MediaPipelineOptions) {
    this.options = options;
    const { config, metrics, instrument } = options;
    this.audio = new AudioChain(config, metrics);
    this.plugin = new PluginStage({
      instrument,
      onPlays: (tracked, plays) => this.telemetry.report(tracked, plays),
      onError: (error) => this.countError('internal', 'tracked frame handling', error),
    });
    this.telemetry = new FrameTelemetry({
      audio: this.audio.output,
      metrics,
      sound: (name) => instrument.sound(name),
      dropped: () => this.videoDropped(),
      closed: () => this.disposed,
      onTelemetry: options.onTelemetry,
      onHits: options.onHits,
    });
    this.unwatch = metrics.watchStages(() => this.stages());
  }

  /** Answers the offer and starts the pipeline. Throws SdpError for offers it cannot serve. */
  static async start(
    offerSdp: string,
    options: MediaPipelineOptions,
  ): Promise<{ pipeline: MediaPipeline; sdp: string }> {
    const pipeline = new MediaPipeline(options);
    try {
      const sdp = await pipeline.connect(offerSdp);
      return { pipeline, sdp };
    } catch (error) {
      await pipeline.dispose();
      throw error;
    }
  }

  /** Every stage's counters by stage name, as `/metrics` reads them. */
  stages() {
    return {
      peer: this.peer?.stats(),
      ...this.video?.stages(),
      tracker: this.tracker?.stats(),
      plugin: this.plugin.stats(),
      ...this.audio.stages(),
    };
  }

  /** The stages' counters plus the audio clock and the connection's state (tests, benches). */
  stats() {
    const connectionState = this.peer?.connectionState ?? 'new';
    return { ...this.stages(), audioClock: this.audio.output.clockStats, connectionState };
  }

  /** UDP ports of the peer connection (for tests). */
  localPorts(): number[] {
    return this.peer?.localPorts() ?? [];
  }

  /**
   * Shifts plays scheduled with `at` this many ms earlier (negative: later), e.g. by the
   * player's measured output latency. Default 0. Throws a RangeError beyond ±1000 ms or NaN.
   */
  setLatencyCompensation(ms: number): void {
    this.audio.output.latencyCompensationMs = ms;
  }

  /** Silences sounds still ringing (after a plugin switch). */
  clearAudio(): void {
    this.audio.output.clear();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.unwatch(); // the stages' last counts stay in /metrics
    for (const part of [this.peer, this.audio, this.plugin, this.video]) part?.dispose();
    const tracker = this.tracker ?? (await this.trackerReady?.catch(() => undefined));
    await tracker?.dispose();
  }

  private async connect(offerSdp: string): Promise<string> {
    const { config, metrics } = this.options;
    inspectOffer(offerSdp); // fail fast, before starting a tracker stream
    const trackerReady = TrackingStage.create(this.options.tracking, {
      onResult: (result, submittedAt) => this.onTracked(result, submittedAt),
      onError: (error) => this.countError('tracker', 'hand tracking', error.message),
    });
    // Owned from now on: dispose() releases it even if the answer below fails first.
    this.trackerReady = trackerReady;
    trackerReady.catch(() => {});
    const { peer, sdp } = await MediaPeer.answer(offerSdp, {
      ice: config,
      audioTrack: this.audio.track,
      onVideoPacket: (packet) => this.video?.push(packet),
      onConnected: () => this.audio.output.start(),
      onDataChannel: this.options.onDataChannel,
      onFailed: (reason) => {
        metrics.errors.inc({ kind: 'webrtc' });
        this.options.onFailed(reason);
      },
    });
    this.peer = peer;
    this.video = new VideoChain({
      codec: peer.videoCodec,
      limits: config.decodeLimits,
      maxWidth: config.trackerMaxWidth,
      metrics,
      requestKeyframe: () => peer.requestKeyframe(),
      onBug: (what, error) => this.countError('internal', what, error),
      accepting: () => !this.disposed && this.tracker !== undefined,
      onDecoded: this.options.onVideo,
      onImage: (image, t, arrivalMs) => {
        this.audio.output.observeFrame(t, arrivalMs);
        this.tracker?.push({ image, t });
      },
    });
    this.tracker = await trackerReady;
    return sdp;
  }

  private onTracked(result: TrackResult, submittedAt: number): void {
    const trackedAt = performance.now();
    const { metrics, onTrackedFrame } = this.options;
    metrics.observeStage('track', trackedAt - submittedAt);
    metrics.observeStage('track_wait', result.waitMs);
    const { frame, waitMs } = result;
    const timing = this.video?.takeTiming(frame.t);
    try {
      onTrackedFrame?.(frame);
      this.plugin.push({ frame, timing, submittedAt, trackedAt, waitMs });
    } catch (error) {
      this.countError('internal', 'tracked frame handling', error);
    }
  }

  /** Video frames this connection dropped: behind in the decoder, tracker or plugin. */
  private videoDropped(): number {
    const decoder = this.video?.stages().decoder.dropped ?? 0;
    return decoder + (this.tracker?.stats().dropped ?? 0) + this.plugin.stats().dropped;
  }

  /** Counted and logged; the pipeline keeps going. `internal`: a bug, not bad input. */
  private countError(kind: 'internal' | 'tracker', what: string, error: unknown): void {
    this.options.metrics.errors.inc({ kind });
    console.error(`[engine] ${what} failed:`, error);
  }
}
