/**
 * The audio half of a media pipeline: AudioOutput (clock, mixer) → OpusFrameEncoder →
 * AudioRtpSender, whose track the peer connection sends. Continuous: a frame for every 20 ms
 * deadline, silence when nothing plays; audio never drops (see AudioOutput for stalls). The
 * hit-latency and encode histograms are observed here, as the packets leave.
 */
import { samplesPerFrame } from '@bambam/runtime';
import type { MediaStreamTrack } from 'werift';
import type { EngineConfig } from '../config.ts';
import { OpusFrameEncoder } from '../encode/opus-encoder.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import { AudioOutput } from '../mix/audio-output.ts';
import { scheduleDelayFromEnv } from '../mix/frame-clock-map.ts';
import { AudioRtpSender } from '../transport/audio-rtp-sender.ts';

/** Read once at start-up: a bad BAMBAM_SCHEDULE_DELAY_MS stops the engine with a clear error. */
const SCHEDULE_DELAY_MS = scheduleDelayFromEnv();

export class AudioChain {
  /** Where plays go (`push`), and the clock's controls. */
  readonly output: AudioOutput;
  private readonly encoder: OpusFrameEncoder;
  private readonly sender: AudioRtpSender;

  constructor(config: Pick<EngineConfig, 'audioFrameMs' | 'sendHitsEarly'>, metrics: EngineMetrics) {
    const frameSamples = samplesPerFrame(config.audioFrameMs);
    this.sender = new AudioRtpSender(frameSamples);
    this.encoder = new OpusFrameEncoder({ frameSamples });
    this.output = new AudioOutput({
      frameMs: config.audioFrameMs,
      sendEarly: config.sendHitsEarly,
      schedule: { scheduleDelayMs: SCHEDULE_DELAY_MS },
      encode: (frame) => this.encoder.encode(frame),
      send: (opus, frameIndex) => this.sender.push({ opus, frameIndex }),
      onFrameEncoded: (ms) => metrics.observeStage('encode', ms),
      onHitSent: (latencyMs, waitMs) => {
        metrics.hitLatency.observe(latencyMs / 1000);
        metrics.observeStage('audio_wait', waitMs);
      },
    });
  }

  /** The track the peer connection sends (RTP written by the sender). */
  get track(): MediaStreamTrack {
    return this.sender.track;
  }

  /** The three stages' counters, by stage name. */
  stages() {
    return { audio: this.output.stats(), encoder: this.encoder.stats(), sender: this.sender.stats() };
  }

  dispose(): void {
    this.output.dispose();
    this.sender.dispose();
    this.encoder.dispose();
  }
}
