/**
 * Reads each encoded frame's header before it reaches FFmpeg and refuses what must not be
 * decoded: a keyframe declaring a stream larger than the cap (a 16000x8000 VP8 keyframe of
 * 214 KB took ~400 ms of FFmpeg on the event loop), a header too broken to read, or (H.264) an
 * SPS changing the stream's size outside a keyframe. The keyframe flag comes from the
 * bitstream, not from the RTP layer, so FFmpeg never sees a size that was not checked here.
 */
import { BitstreamError } from './bit-reader.ts';
import { type DecodeLimits, fitsLimits } from './decode-limits.ts';
import { inspectAccessUnit } from './h264-sps.ts';
import { readVp8Header } from './vp8-header.ts';

export type RefusalReason = 'oversized' | 'malformed' | 'resized';

export type Inspection =
  | { readonly ok: true; readonly keyframe: boolean }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string };

export interface StreamSize {
  readonly width: number;
  readonly height: number;
}

export class FrameGuard {
  private readonly codec: 'VP8' | 'H264';
  private readonly limits: DecodeLimits;
  /** Size of the last accepted keyframe: the stream's size now. */
  private current: StreamSize | undefined;

  constructor(codec: 'VP8' | 'H264', limits: DecodeLimits) {
    this.codec = codec;
    this.limits = limits;
  }

  get size(): StreamSize | undefined {
    return this.current;
  }

  /** Checks one frame; an accepted keyframe with a size becomes the stream's size. */
  inspect(data: Uint8Array): Inspection {
    try {
      return this.codec === 'VP8' ? this.inspectVp8(data) : this.inspectH264(data);
    } catch (error) {
      if (!(error instanceof BitstreamError)) throw error;
      return { ok: false, reason: 'malformed', detail: error.message };
    }
  }

  private inspectVp8(data: Uint8Array): Inspection {
    const header = readVp8Header(data);
    if (!header.keyframe) return { ok: true, keyframe: false };
    const refused = this.checkSize(header.width, header.height, header.width, header.height);
    if (refused) return refused;
    this.current = { width: header.width, height: header.height };
    return { ok: true, keyframe: true };
  }

  private inspectH264(data: Uint8Array): Inspection {
    const { idr, sps } = inspectAccessUnit(data);
    for (const s of sps) {
      const refused = this.checkSize(s.width, s.height, s.codedWidth, s.codedHeight);
      if (refused) return refused;
      const current = this.current;
      if (!idr && current && (current.width !== s.width || current.height !== s.height)) {
        const detail = `SPS changes the size to ${s.width}x${s.height} outside an IDR frame`;
        return { ok: false, reason: 'resized', detail };
      }
    }
    const last = sps.at(-1);
    if (idr && last) this.current = { width: last.width, height: last.height };
    return { ok: true, keyframe: idr };
  }

  private checkSize(
    width: number,
    height: number,
    codedWidth: number,
    codedHeight: number,
  ): Inspection | undefined {
    if (width === 0 || height === 0)
      return { ok: false, reason: 'malformed', detail: `declared size ${width}x${height}` };
    // Coded sizes are whole macroblocks: 1080 lines are coded as 1088.
    const coded = { maxWidth: roundUp16(this.limits.maxWidth), maxHeight: roundUp16(this.limits.maxHeight) };
    if (fitsLimits(width, height, this.limits) && fitsLimits(codedWidth, codedHeight, coded))
      return undefined;
    const cap = `${this.limits.maxWidth}x${this.limits.maxHeight}`;
    return { ok: false, reason: 'oversized', detail: `declared size ${width}x${height} exceeds ${cap}` };
  }
}

function roundUp16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
