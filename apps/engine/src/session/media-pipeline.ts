/**
 * One media connection of a session, wired stage by stage:
 *
 *   werift RTP → FrameAssembler → VideoDecoder → RgbConverter → TrackingStage (worker)
 *     → Instrument (sandbox) → AudioOutput (clock, mixer) → Opus → AudioRtpSender → werift
 *
 * Video is latest-wins from the tracker on (drops counted); audio never drops. `dispose()`
 * releases the peer connection, decoder, tracker worker and audio clock.
 */

import type { HitInfo, Telemetry } from '@bambam/protocol';
import { samplesPerFrame } from '@bambam/runtime';
import type { Frame, PlayEvent } from '@bambam/sdk';
import type { EngineConfig } from '../config.ts';
import { RgbConverter } from '../convert/rgb-converter.ts';
import { VideoDecoder } from '../decode/video-decoder.ts';
import { AudioRtpSender } from '../egress/audio-rtp-sender.ts';
import { OpusFrameEncoder } from '../encode/opus-encoder.ts';
import { type EncodedFrame, FrameAssembler } from '../ingest/frame-assembler.ts';
import { MediaPeer, type MediaPeerOptions } from '../ingest/media-peer.ts';
import { H264PayloadReader, Vp8PayloadReader } from '../ingest/payload.ts';
import { inspectOffer } from '../ingest/sdp.ts';
import type { Instrument } from '../instrument/instrument.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { AudioOutput } from '../mix/audio-output.ts';
import { scheduleDelayFromEnv } from '../mix/frame-clock-map.ts';
import { type SharedTracking, TrackingStage } from '../track/tracking-stage.ts';

/** Telemetry plus engine-side timing the e2e bench uses (extra fields, additive). */
export interface EngineTelemetry extends Telemetry {
  /** RTP timestamp (90 kHz) of the video frame. */
  readonly rtpTimestamp: number;
  /** Wall clock (ms since epoch) when the frame's last RTP packet arrived. */
  readonly receivedAt: number;
  /** For each hit of this frame: last RTP packet in → first Opus packet carrying it out, ms. */
  readonly hitLatencyMs: readonly number[];
}

export interface MediaPipelineOptions {
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly instrument: Instrument;
  /** The engine's tracker workers; the session tracks its video as one stream on them. */
  readonly tracking: SharedTracking;
  readonly onTelemetry: (telemetry: EngineTelemetry) => void;
  /** A video frame decoded (the session is not idle). */
  readonly onVideo?: () => void;
  /** The connection failed or timed out; the session should dispose this pipeline. */
  readonly onFailed: (reason: string) => void;
  /** A frame's plays, right as they are triggered (direct monitoring's hit channel). */
  readonly onHits?: (hits: readonly PlayEvent[], frame: { t: number; arrivalMs: number }) => void;
  /** Every tracked frame, before the instrument sees it (OSC's hand stream). */
  readonly onTrackedFrame?: (frame: Frame) => void;
  /** A data channel the browser opened (the hit channel). */
  readonly onDataChannel?: MediaPeerOptions['onDataChannel'];
}

interface FrameTiming {
  readonly arrivalMs: number;
  readonly receivedAt: number;
  readonly rtpTimestamp: number;
  readonly decodeMs: number;
  readonly convertMs: number;
}

const MAX_TIMINGS = 16;
/** Read once at start-up: a bad BAMBAM_SCHEDULE_DELAY_MS stops the engine with a clear error. */
const SCHEDULE_DELAY_MS = scheduleDelayFromEnv();

export class MediaPipeline {
  private readonly options: MediaPipelineOptions;
  private readonly sender: AudioRtpSender;
  private readonly encoder: OpusFrameEncoder;
  private readonly audio: AudioOutput;
  private readonly converter: RgbConverter;
  private peer: MediaPeer | undefined;
  private assembler: FrameAssembler | undefined;
  private decoder: VideoDecoder | undefined;
  private tracker: TrackingStage | undefined;
  private trackerReady: Promise<TrackingStage> | undefined;
  private readonly timings = new Map<number, FrameTiming>();
  private rtpFirst: number | undefined;
  private rtpLast = 0;
  private rtpWraps = 0;
  private readonly counted = {
    padding: 0,
    late: 0,
    corrupt: 0,
    lost: 0,
    waiting: 0,
    decoderDropped: 0,
    decodeErrors: 0,
    trackerDropped: 0,
    pluginDropped: 0,
    audioSkipped: 0,
  };
  private disposed = false;

  private constructor(options: MediaPipelineOptions) {
    this.options = options;
    const { metrics } = options;
    this.converter = new RgbConverter({ maxWidth: options.config.trackerMaxWidth });
    const frameMs = options.config.audioFrameMs;
    const frameSamples = samplesPerFrame(frameMs);
    this.sender = new AudioRtpSender(frameSamples);
    this.encoder = new OpusFrameEncoder({ frameSamples });
    this.audio = new AudioOutput({
      frameMs,
      sendEarly: options.config.sendHitsEarly,
      schedule: { scheduleDelayMs: SCHEDULE_DELAY_MS },
      encode: (frame) => this.encoder.encode(frame),
      send: (opus, index, early) => {
        this.sender.send(opus, index);
        metrics.audioFrames.inc({ timing: early ? 'early' : 'on_time' });
      },
      onFrameEncoded: (ms) => metrics.observeStage('encode', ms),
      onHitSent: (latencyMs, waitMs) => {
        metrics.hitLatency.observe(latencyMs / 1000);
        metrics.observeStage('audio_wait', waitMs);
      },
    });
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

  /** Counters for tests and the session's status. */
  get stats() {
    return {
      assembler: this.assembler ? { ...this.assembler.stats } : undefined,
      decoder: this.decoder ? { ...this.decoder.stats } : undefined,
      tracker: this.tracker?.stats,
      audio: {
        framesSent: this.audio.framesSent,
        framesSentEarly: this.audio.framesSentEarly,
        clock: this.audio.clockStats,
        scheduled: { ...this.audio.scheduleStats, waiting: this.audio.scheduledWaiting },
      },
      videoCodec: this.peer?.videoCodec,
      keyframeRequests: this.peer?.keyframeRequests ?? 0,
      connectionState: this.peer?.connectionState ?? 'new',
    };
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
    this.audio.latencyCompensationMs = ms;
  }

  /** Silences sounds still ringing (after a plugin switch). */
  clearAudio(): void {
    this.audio.clear();
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.syncCounters();
    this.peer?.dispose();
    this.audio.dispose();
    this.sender.dispose();
    this.encoder.dispose();
    this.assembler?.dispose();
    this.decoder?.dispose();
    this.converter.dispose();
    this.timings.clear();
    const tracker = this.tracker ?? (await this.trackerReady?.catch(() => undefined));
    await tracker?.dispose();
  }

  private async connect(offerSdp: string): Promise<string> {
    const { config, metrics } = this.options;
    inspectOffer(offerSdp); // fail fast, before starting a tracker worker
    const trackerReady = TrackingStage.create(this.options.tracking, {
      onResult: (result, submittedAt) => {
        this.onTracked(result, submittedAt).catch((error: unknown) => {
          metrics.errors.inc({ kind: 'internal' });
          console.error('[engine] tracked frame handling failed:', error);
        });
      },
      onError: (error) => {
        metrics.errors.inc({ kind: 'tracker' });
        console.error('[engine] hand tracking failed:', error.message);
      },
    });
    // Owned from now on: dispose() releases it even if the answer below fails first.
    this.trackerReady = trackerReady;
    trackerReady.catch(() => {});
    const { peer, sdp } = await MediaPeer.answer(offerSdp, {
      ice: config,
      audioTrack: this.sender.track,
      onVideoPacket: (packet) => {
        try {
          const frames = this.assembler?.push(packet);
          if (frames) for (const frame of frames) this.onEncodedFrame(frame);
          this.syncPacketCounters();
        } catch (error) {
          // A bug, not bad input (bad input is counted by the assembler): count, log, keep going.
          metrics.errors.inc({ kind: 'internal' });
          console.error('[engine] video packet handling failed:', error);
        }
      },
      onConnected: () => this.audio.start(),
      onDataChannel: this.options.onDataChannel,
      onFailed: (reason) => {
        metrics.errors.inc({ kind: 'webrtc' });
        this.options.onFailed(reason);
      },
    });
    this.peer = peer;
    const requestKeyframe = () => {
      if (peer.requestKeyframe()) metrics.keyframeRequests.inc();
    };
    this.assembler = new FrameAssembler({
      reader: peer.videoCodec === 'VP8' ? new Vp8PayloadReader() : new H264PayloadReader(),
      onKeyframeNeeded: requestKeyframe,
    });
    this.decoder = new VideoDecoder({
      codec: peer.videoCodec,
      limits: config.decodeLimits,
      onKeyframeNeeded: requestKeyframe,
      onRefused: (reason) => metrics.framesRefused.inc({ reason }),
      onPicture: (picture, source, decodeMs) => this.onPicture(picture, source, decodeMs),
    });
    this.tracker = await trackerReady;
    return sdp;
  }

  private onEncodedFrame(frame: EncodedFrame): void {
    this.options.metrics.framesReceived.inc();
    this.decoder?.decode(frame);
  }

  private onPicture(
    picture: Parameters<RgbConverter['convert']>[0],
    source: EncodedFrame,
    _decodeMs: number,
  ): void {
    if (this.disposed || !this.tracker) return;
    this.options.onVideo?.();
    const { metrics } = this.options;
    const decodedAt = performance.now();
    const decodeMs = decodedAt - source.lastPacketArrivalMs;
    metrics.observeStage('decode', decodeMs);
    let image: ReturnType<RgbConverter['convert']>;
    try {
      image = this.converter.convert(picture);
    } catch (error) {
      metrics.errors.inc({ kind: 'decode' });
      console.error('[engine] colour conversion failed:', (error as Error).message);
      return;
    }
    const convertMs = performance.now() - decodedAt;
    metrics.observeStage('convert', convertMs);
    const t = this.frameTime(source.rtpTimestamp);
    this.audio.observeFrame(t, source.lastPacketArrivalMs);
    this.timings.set(t, {
      arrivalMs: source.lastPacketArrivalMs,
      receivedAt: Date.now() - (performance.now() - source.lastPacketArrivalMs),
      rtpTimestamp: source.rtpTimestamp,
      decodeMs,
      convertMs,
    });
    if (this.timings.size > MAX_TIMINGS) this.timings.delete(this.timings.keys().next().value!);
    this.tracker.submit(image, t);
  }

  /** Frame time in ms from the RTP timestamps (capture clock, jitter-free), 0 at the first frame. */
  private frameTime(rtpTimestamp: number): number {
    if (this.rtpFirst === undefined) {
      this.rtpFirst = rtpTimestamp;
      this.rtpLast = rtpTimestamp;
    }
    if (rtpTimestamp < this.rtpLast && this.rtpLast - rtpTimestamp > 2 ** 31) this.rtpWraps++;
    this.rtpLast = rtpTimestamp;
    return (rtpTimestamp + this.rtpWraps * 2 ** 32 - this.rtpFirst) / 90;
  }

  private async onTracked(
    result: import('@bambam/hand-tracker').TrackResult,
    submittedAt: number,
  ): Promise<void> {
    const { metrics, instrument } = this.options;
    const trackedAt = performance.now();
    metrics.observeStage('track', trackedAt - submittedAt);
    metrics.observeStage('track_wait', result.waitMs);
    const { frame } = result;
    const timing = this.timings.get(frame.t);
    this.timings.delete(frame.t);
    this.options.onTrackedFrame?.(frame);
    const plays = await instrument.onFrame(frame);
    if (this.disposed) return;
    this.syncCounters();
    if (plays === undefined) return; // replaced by a newer frame while the sandbox was busy
    const pluginDone = performance.now();
    metrics.observeStage('plugin', pluginDone - trackedAt);
    const arrivalMs = timing?.arrivalMs ?? submittedAt;
    const hitLatencyMs: number[] = [];
    const hits: HitInfo[] = [];
    const telemetry = {
      t: frame.t,
      width: frame.width,
      height: frame.height,
      hands: frame.hands,
      hits,
      timings: {
        decode: timing?.decodeMs ?? 0,
        convert: timing?.convertMs ?? 0,
        track: trackedAt - submittedAt,
        plugin: pluginDone - trackedAt,
        total: pluginDone - arrivalMs,
        trackWait: result.waitMs,
      },
      dropped: this.counted.trackerDropped + this.counted.pluginDropped + this.counted.decoderDropped,
      rtpTimestamp: timing?.rtpTimestamp ?? 0,
      receivedAt: timing?.receivedAt ?? Date.now(),
      hitLatencyMs,
    } satisfies EngineTelemetry;
    if (plays.length > 0) this.options.onHits?.(plays, { t: frame.t, arrivalMs });
    // Telemetry of a frame with hits goes out once the packets of the hits played at once have
    // (with early sending that is right away, inside flush(); otherwise at the next audio
    // deadline, ≤ 20 ms later). A hit placed ahead (`at`) knows its packet's deadline already.
    let triggered = 0;
    let sentCount = 0;
    const originFor = (index: number) => ({
      arrivalMs,
      onSent: (latencyMs: number) => {
        hitLatencyMs[index] = latencyMs;
        sentCount++;
        if (sentCount === triggered && !this.disposed) this.options.onTelemetry(telemetry);
      },
    });
    for (const play of plays) {
      const sound = instrument.sound(play.sound);
      if (!sound) continue;
      const options = { velocity: play.velocity, pan: play.pan };
      const index = hits.length;
      if (play.at === undefined) {
        triggered++;
        hitLatencyMs.push(Number.NaN);
        this.audio.trigger(sound, options, originFor(index));
        hits.push(play);
      } else {
        // Placed on the frame clock; a late one plays at once and is sent like the above.
        const placed = this.audio.schedule(sound, { ...options, at: play.at, t: play.t }, originFor(index));
        if (!placed) continue; // the engine's queue is full (counted in stats)
        if (placed.late) triggered++;
        hitLatencyMs.push(placed.sentAt === undefined ? Number.NaN : placed.sentAt - arrivalMs);
        const { sentAt: _sentAt, ...where } = placed;
        hits.push({ ...play, ...where });
      }
      metrics.hits.inc();
    }
    if (triggered === 0) this.options.onTelemetry(telemetry);
    else this.audio.flush();
  }

  private syncPacketCounters(): void {
    const s = this.assembler?.stats;
    if (!s) return;
    const { metrics } = this.options;
    const c = this.counted;
    if (s.padding !== c.padding) metrics.rtpPackets.inc({ kind: 'padding' }, s.padding - c.padding);
    if (s.late !== c.late) metrics.rtpPackets.inc({ kind: 'late' }, s.late - c.late);
    if (s.corrupt !== c.corrupt) metrics.rtpPackets.inc({ kind: 'corrupt' }, s.corrupt - c.corrupt);
    if (s.lost !== c.lost) metrics.framesDropped.inc({ reason: 'lost' }, s.lost - c.lost);
    if (s.waitingForKeyframe !== c.waiting) {
      metrics.framesDropped.inc({ reason: 'waiting_keyframe' }, s.waitingForKeyframe - c.waiting);
    }
    metrics.rtpPackets.inc({ kind: 'media' });
    c.padding = s.padding;
    c.late = s.late;
    c.corrupt = s.corrupt;
    c.lost = s.lost;
    c.waiting = s.waitingForKeyframe;
  }

  private syncCounters(): void {
    const { metrics, instrument } = this.options;
    const c = this.counted;
    const skipped = this.audio.clockStats.skipped;
    if (skipped !== c.audioSkipped) {
      metrics.audioFramesSkipped.inc(skipped - c.audioSkipped);
      c.audioSkipped = skipped;
    }
    const decoder = this.decoder?.stats;
    if (decoder) {
      if (decoder.dropped !== c.decoderDropped) {
        metrics.framesDropped.inc({ reason: 'decoder_behind' }, decoder.dropped - c.decoderDropped);
        c.decoderDropped = decoder.dropped;
      }
      if (decoder.errors !== c.decodeErrors) {
        metrics.errors.inc({ kind: 'decode' }, decoder.errors - c.decodeErrors);
        metrics.framesDropped.inc({ reason: 'corrupt' }, decoder.errors - c.decodeErrors);
        c.decodeErrors = decoder.errors;
      }
    }
    const trackerDropped = this.tracker?.dropped ?? c.trackerDropped;
    if (trackerDropped !== c.trackerDropped) {
      metrics.framesDropped.inc({ reason: 'tracker_busy' }, trackerDropped - c.trackerDropped);
      c.trackerDropped = trackerDropped;
    }
    if (instrument.dropped !== c.pluginDropped) {
      // The instrument is per session and outlives pipelines: count only its growth.
      if (instrument.dropped > c.pluginDropped) {
        metrics.framesDropped.inc({ reason: 'plugin_busy' }, instrument.dropped - c.pluginDropped);
      }
      c.pluginDropped = instrument.dropped;
    }
  }
}
