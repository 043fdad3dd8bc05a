/**
 * The video half of a media pipeline before the tracker: FrameAssembler → VideoDecoder →
 * RgbConverter, on the stream's frame clock (RTP timestamps → `t`), remembering each frame's
 * timing until its telemetry. Falling behind: the assembler drops broken frames and the
 * decoder its queue (both counted, a keyframe requested); the converter never falls behind.
 */
import { RgbConverter, type RgbImage } from '../convert/rgb-converter.ts';
import type { DecodeLimits } from '../decode/decode-limits.ts';
import { VideoDecoder, type VideoDecoderOptions } from '../decode/video-decoder.ts';
import { FrameAssembler, type RtpInput } from '../ingest/frame-assembler.ts';
import { H264PayloadReader, Vp8PayloadReader } from '../ingest/payload.ts';
import type { EngineMetrics } from '../metrics/engine-metrics.ts';
import type { VideoCodecName } from '../transport/sdp.ts';
import { type FrameTiming, FrameTimings } from './frame-timings.ts';
import { RtpFrameClock } from './rtp-frame-clock.ts';

export interface VideoChainOptions {
  readonly codec: VideoCodecName;
  readonly limits?: DecodeLimits;
  /** Widest RGB image handed on (the tracker's input). */
  readonly maxWidth: number;
  readonly metrics: EngineMetrics;
  readonly requestKeyframe: () => void;
  /** A bug, not bad input (bad input is counted by the stages): the chain keeps going. */
  readonly onBug: (what: string, error: unknown) => void;
  /** False while the next stage cannot take images: decoded pictures are not converted then. */
  readonly accepting: () => boolean;
  /** A picture was decoded (and is accepted). */
  readonly onDecoded?: () => void;
  /** Each converted picture, its frame time and its last packet's arrival; the image is valid during the call only. */
  readonly onImage: (image: RgbImage, t: number, arrivalMs: number) => void;
}

export class VideoChain {
  private readonly options: VideoChainOptions;
  private readonly assembler: FrameAssembler;
  private readonly decoder: VideoDecoder;
  private readonly converter: RgbConverter;
  private readonly clock = new RtpFrameClock();
  private readonly timings = new FrameTimings();

  constructor(options: VideoChainOptions) {
    this.options = options;
    const { codec, metrics, requestKeyframe } = options;
    this.assembler = new FrameAssembler({
      reader: codec === 'VP8' ? new Vp8PayloadReader() : new H264PayloadReader(),
      onKeyframeNeeded: requestKeyframe,
    });
    this.decoder = new VideoDecoder({
      codec,
      limits: options.limits,
      onKeyframeNeeded: requestKeyframe,
      onRefused: (reason) => metrics.framesRefused.inc({ reason }),
      onPicture: (...args) => this.onPicture(...args),
    });
    this.converter = new RgbConverter({ maxWidth: options.maxWidth });
  }

  /** One RTP packet of the video track. */
  push(packet: RtpInput): void {
    try {
      for (const frame of this.assembler.push(packet)) this.decoder.push(frame);
    } catch (error) {
      this.options.onBug('video packet handling', error);
    }
  }

  /** The timing of the frame of time `t`, forgotten from now on. */
  takeTiming(t: number): FrameTiming | undefined {
    return this.timings.take(t);
  }

  /** The three stages' counters, by stage name. */
  stages() {
    return {
      assembler: this.assembler.stats(),
      decoder: this.decoder.stats(),
      converter: this.converter.stats(),
    };
  }

  dispose(): void {
    this.assembler.dispose();
    this.decoder.dispose();
    this.converter.dispose();
    this.timings.clear();
  }

  private onPicture(...[picture, source, decodeMs]: Parameters<VideoDecoderOptions['onPicture']>): void {
    if (!this.options.accepting()) return;
    this.options.onDecoded?.();
    const { metrics } = this.options;
    metrics.observeStage('decode', decodeMs);
    const convertStart = performance.now();
    let image: RgbImage;
    try {
      [image] = this.converter.push(picture) as [RgbImage];
    } catch (error) {
      metrics.errors.inc({ kind: 'decode' });
      console.error('[engine] colour conversion failed:', (error as Error).message);
      return;
    }
    const convertMs = performance.now() - convertStart;
    metrics.observeStage('convert', convertMs);
    const t = this.clock.toMs(source.rtpTimestamp);
    const arrivalMs = source.lastPacketArrivalMs;
    const receivedAt = Date.now() - (performance.now() - arrivalMs);
    this.timings.remember(t, {
      arrivalMs,
      receivedAt,
      rtpTimestamp: source.rtpTimestamp,
      decodeMs,
      convertMs,
    });
    this.options.onImage(image, t, arrivalMs);
  }
}
