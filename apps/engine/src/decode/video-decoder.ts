/**
 * Encoded frames → decoded pictures, in-process with FFmpeg (node-av). Measured here for
 * 640x480 VP8: 0.7 ms sync, 0.9 ms async per frame; see `sync` for which one runs.
 *
 * Untrusted input: every frame's header is read first ({@link FrameGuard}); a keyframe
 * declaring more than the cap (default 1920x1080, either orientation), an unreadable header or
 * an H.264 size change outside an IDR frame is refused before FFmpeg sees it: counted
 * (`stats().refused`, `onRefused`), a keyframe requested, and decoding resumes at the next
 * keyframe that passes. Frames large in pixels or bytes are decoded on libuv's pool, never on
 * the event loop (a 1080p keyframe of noise takes ~480 ms: `decode-limits.ts`).
 *
 * Falling behind: decoding cannot skip frames (later frames reference earlier ones), so every
 * frame is decoded in order. If more than `maxQueued` frames wait, the queue is dropped
 * (counted), a keyframe is requested and decoding resumes at the next keyframe. A frame FFmpeg
 * rejects (corrupt bitstream) is counted, and likewise triggers a keyframe request.
 */
import { Codec, CodecContext, Frame, Packet } from 'node-av';
import { AV_CODEC_ID_H264, AV_CODEC_ID_VP8 } from 'node-av/constants';
import type { EncodedFrame } from '../ingest/frame-assembler.ts';
import type { Stage } from '../pipeline/stage.ts';
import type { VideoCodecName } from '../transport/sdp.ts';
import { type DecodeLimits, decodeLimitsFromEnv } from './decode-limits.ts';
import { FrameGuard, type RefusalReason } from './frame-guard.ts';

/** Defaults of {@link VideoDecoder}. */
export const DEFAULT_VIDEO_DECODER_OPTIONS = Object.freeze({
  /** Frames waiting for the pool before the queue is dropped and a keyframe requested. */
  maxQueued: 4,
  sync: 'auto' as boolean | 'auto',
});

export interface VideoDecoderOptions {
  readonly codec: VideoCodecName;
  /**
   * Called with each decoded picture. The `Frame` is only valid during the call (its buffers
   * are reused for the next picture): convert or copy it there. `decodeMs`: from the frame's
   * `push` to its picture, waiting in the queue included (the engine's `decode` stage time).
   */
  readonly onPicture: (picture: Frame, source: EncodedFrame, decodeMs: number) => void;
  readonly onKeyframeNeeded?: () => void;
  /** Called for each refused frame (the engine counts them by reason). */
  readonly onRefused?: (reason: RefusalReason, detail: string) => void;
  /** Default {@link DEFAULT_VIDEO_DECODER_OPTIONS}. */
  readonly maxQueued?: number;
  /** Size cap and sync thresholds. Default: {@link DEFAULT_DECODE_LIMITS}, cap from `BAMBAM_MAX_VIDEO_SIZE`. */
  readonly limits?: DecodeLimits;
  /**
   * Decode on the calling thread (`sendPacketSync`) or on libuv's pool. Default 'auto': frames
   * of a stream up to `limits.syncMaxPixels` and up to `limits.syncMaxBytes` on the calling
   * thread (0.7 ms per 640x480 frame is cheaper than the hop to the pool, and on a busy 2-core
   * machine the pool's queue added tens of ms), larger ones on the pool. true / false: always.
   * Default {@link DEFAULT_VIDEO_DECODER_OPTIONS}.
   */
  readonly sync?: boolean | 'auto';
}

export interface DecoderStats {
  readonly decoded: number;
  readonly errors: number;
  /** Frames dropped because the decoder fell behind or was waiting for a keyframe. */
  readonly dropped: number;
  /** Frames refused from their header before decoding (oversized, malformed, resized). */
  readonly refused: number;
  /** Frames decoded on libuv's pool (large ones) rather than the calling thread. */
  readonly offloaded: number;
}

/** A frame waiting for the pool, with when it was pushed (its decode time counts from there). */
interface Queued {
  readonly frame: EncodedFrame;
  readonly pushedAt: number;
}

export class VideoDecoder implements Stage<EncodedFrame, never, DecoderStats> {
  private readonly counts: { -readonly [K in keyof DecoderStats]: number } = {
    decoded: 0,
    errors: 0,
    dropped: 0,
    refused: 0,
    offloaded: 0,
  };
  private readonly ctx = new CodecContext();
  private readonly packet = new Packet();
  private readonly picture = new Frame();
  private readonly options: VideoDecoderOptions;
  private readonly maxQueued: number;
  private readonly limits: DecodeLimits;
  private readonly guard: FrameGuard;
  private queue: Queued[] = [];
  private running = false;
  private waitForKeyframe = true;
  private disposed = false;

  constructor(options: VideoDecoderOptions) {
    this.options = options;
    this.maxQueued = options.maxQueued ?? DEFAULT_VIDEO_DECODER_OPTIONS.maxQueued;
    this.limits = options.limits ?? envLimits();
    this.guard = new FrameGuard(options.codec, this.limits);
    const codec = Codec.findDecoder(options.codec === 'VP8' ? AV_CODEC_ID_VP8 : AV_CODEC_ID_H264);
    if (!codec) throw new Error(`FFmpeg has no ${options.codec} decoder`);
    this.ctx.allocContext3(codec);
    this.ctx.threadCount = 1; // frame threads add a frame of delay; one is fast enough at 640x480
    const ret = this.ctx.open2Sync(codec);
    if (ret < 0) throw new Error(`could not open the ${options.codec} decoder (${ret})`);
    this.packet.alloc();
    this.picture.alloc();
  }

  /** Queues a frame for decoding (in arrival order); its pictures go to `onPicture`. */
  push(frame: EncodedFrame): void {
    if (this.disposed) return;
    const pushedAt = performance.now();
    // The keyframe flag comes from the bitstream (VP8 tag, H.264 IDR), checked with its size.
    const verdict = this.guard.inspect(frame.data);
    if (!verdict.ok) {
      this.refuse(verdict.reason, verdict.detail);
      return;
    }
    if (this.waitForKeyframe && !verdict.keyframe) {
      this.counts.dropped++;
      this.options.onKeyframeNeeded?.();
      return;
    }
    this.waitForKeyframe = false;
    if (this.queue.length >= this.maxQueued) {
      this.counts.dropped += this.queue.length + 1;
      this.queue = [];
      this.needKeyframe();
      return;
    }
    if (!this.running && this.queue.length === 0 && this.decodesInline(frame)) {
      this.decodeSync(frame, pushedAt);
      return;
    }
    this.counts.offloaded++;
    this.queue.push({ frame, pushedAt });
    if (!this.running) void this.run();
  }

  private refuse(reason: RefusalReason, detail: string): void {
    this.counts.refused++;
    this.options.onRefused?.(reason, detail);
    this.needKeyframe();
  }

  /** Small frames of a small stream decode on the calling thread; the rest on libuv's pool. */
  private decodesInline(frame: EncodedFrame): boolean {
    const sync = this.options.sync ?? DEFAULT_VIDEO_DECODER_OPTIONS.sync;
    if (sync === true || sync === false) return sync;
    const size = this.guard.size;
    if (!size || size.width * size.height > this.limits.syncMaxPixels) return false;
    return frame.data.byteLength <= this.limits.syncMaxBytes;
  }

  /** Decoding continues only from the next keyframe (the assembler lost data). */
  needKeyframe(): void {
    this.waitForKeyframe = true;
    this.options.onKeyframeNeeded?.();
  }

  get queued(): number {
    return this.queue.length;
  }

  stats(): DecoderStats {
    return { ...this.counts };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.queue = [];
    if (!this.running) this.free();
  }

  private free(): void {
    this.packet.free();
    this.picture.free();
    this.ctx.freeContext();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.disposed) {
        const { frame, pushedAt } = this.queue.shift()!;
        await this.decodeOne(frame, pushedAt);
      }
    } finally {
      this.running = false;
      if (this.disposed) this.free();
    }
  }

  private decodeSync(frame: EncodedFrame, pushedAt: number): void {
    if (this.disposed) return;
    this.packet.data = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    const sent = this.ctx.sendPacketSync(this.packet);
    this.packet.unref();
    if (sent < 0) {
      this.counts.errors++;
      this.needKeyframe();
      return;
    }
    while (!this.disposed && this.ctx.receiveFrameSync(this.picture) >= 0) {
      this.counts.decoded++;
      try {
        this.options.onPicture(this.picture, frame, performance.now() - pushedAt);
      } finally {
        this.picture.unref();
      }
    }
  }

  private async decodeOne(frame: EncodedFrame, pushedAt: number): Promise<void> {
    this.packet.data = Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
    const sent = await this.ctx.sendPacket(this.packet);
    this.packet.unref();
    if (this.disposed) return;
    if (sent < 0) {
      this.counts.errors++;
      this.queue = [];
      this.needKeyframe();
      return;
    }
    for (;;) {
      const received = await this.ctx.receiveFrame(this.picture);
      if (this.disposed || received < 0) break; // EAGAIN: needs more input
      this.counts.decoded++;
      try {
        this.options.onPicture(this.picture, frame, performance.now() - pushedAt);
      } finally {
        this.picture.unref();
      }
    }
  }
}

let cachedEnvLimits: DecodeLimits | undefined;
/** Read once: a bad `BAMBAM_MAX_VIDEO_SIZE` throws at the first decoder (better: in config.ts). */
function envLimits(): DecodeLimits {
  cachedEnvLimits ??= decodeLimitsFromEnv();
  return cachedEnvLimits;
}
