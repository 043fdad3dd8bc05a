/**
 * Decoded picture (I420 or whatever the decoder produced) → packed RGB24 at the tracker's
 * size, with FFmpeg's swscale, frame to frame in native memory, into one RGB frame allocated
 * once and read through one view made once: 0.12 ms for 640x480 here (plain TypeScript took
 * 0.7 ms, notes). Pictures wider than `maxWidth` are scaled down keeping the aspect ratio: the
 * tracker resizes to 192/224 itself, so more pixels than 640 wide only cost transfer time.
 *
 * Why not hand swscale the decoder's planes as Buffers: reading a decoded frame's `data`
 * wraps its new planes in new external Buffers each frame (460 KB at 640x480). V8 counts that
 * memory and answered it with a full mark-compact every ~130 frames, measured: at 4 sessions,
 * 3 per second on the engine's event loop, 6–17 ms each. Frame to frame, there are none.
 *
 * Synchronous on purpose: 0.3 ms is cheaper than a thread hop. Never falls behind on its own;
 * the tracker after it drops frames beyond its backlog.
 */
import { Frame, SoftwareScaleContext } from 'node-av';
import { AV_PIX_FMT_RGB24, SWS_BILINEAR } from 'node-av/constants';
import type { Stage } from '../pipeline/stage.ts';

/** Defaults of {@link RgbConverter}. */
export const DEFAULT_RGB_CONVERTER_OPTIONS = Object.freeze({
  /** Widest output, pixels: the tracker's models take 192/224, more only costs transfer time. */
  maxWidth: 640,
});

export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface RgbConverterOptions {
  /** Widest output; larger pictures are scaled down. Default {@link DEFAULT_RGB_CONVERTER_OPTIONS}. */
  readonly maxWidth?: number;
}

export interface RgbConverterStats {
  readonly converted: number;
}

export class RgbConverter implements Stage<Frame, RgbImage, RgbConverterStats> {
  private readonly maxWidth: number;
  private sws: SoftwareScaleContext | undefined;
  private dst: Frame | undefined;
  /** The RGB frame's pixels (a view made once; its memory lives as long as `dst`). */
  private pixels: Uint8Array | undefined;
  /** Packed copy for widths whose rows FFmpeg pads. */
  private packed: Uint8Array | undefined;
  private key = '';
  private disposed = false;
  private converted = 0;

  constructor(options: RgbConverterOptions = {}) {
    this.maxWidth = options.maxWidth ?? DEFAULT_RGB_CONVERTER_OPTIONS.maxWidth;
  }

  /** {@link convert} as a stage: one picture in, its RGB image out (valid until the next push). */
  push(picture: Frame): RgbImage[] {
    return [this.convert(picture)];
  }

  stats(): RgbConverterStats {
    return { converted: this.converted };
  }

  /** Output size for a picture of the given size. */
  outputSize(width: number, height: number): { width: number; height: number } {
    if (width <= this.maxWidth) return { width, height };
    const scale = this.maxWidth / width;
    return { width: this.maxWidth, height: Math.max(2, Math.round((height * scale) / 2) * 2) };
  }

  /**
   * Converts one picture. The returned bytes are reused by the next call: copy them (the hand
   * tracker does, synchronously) if they must outlive it.
   */
  convert(picture: Frame): RgbImage {
    if (this.disposed) throw new Error('RgbConverter: convert after dispose()');
    const { width, height } = picture;
    const format = picture.format as number;
    if (!(width > 0 && height > 0)) throw new RangeError(`RgbConverter: bad picture size ${width}x${height}`);
    const out = this.outputSize(width, height);
    const key = `${width}x${height}/${format}`;
    if (key !== this.key) this.configure(width, height, format, out);
    this.converted++;
    const ret = this.sws!.scaleFrameSync(this.dst!, picture);
    if (ret < 0) throw new Error(`swscale failed (${ret})`);
    const rowBytes = out.width * 3;
    const stride = this.dst!.linesize[0]!;
    const pixels = this.pixels!;
    if (stride === rowBytes) return { data: pixels.subarray(0, rowBytes * out.height), ...out };
    const packed = this.packed!;
    for (let y = 0; y < out.height; y++) {
      packed.set(pixels.subarray(y * stride, y * stride + rowBytes), y * rowBytes);
    }
    return { data: packed, ...out };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  private configure(
    width: number,
    height: number,
    format: number,
    out: { width: number; height: number },
  ): void {
    this.release();
    this.sws = new SoftwareScaleContext();
    this.sws.getContext(
      width,
      height,
      format as never,
      out.width,
      out.height,
      AV_PIX_FMT_RGB24,
      SWS_BILINEAR,
    );
    const ret = this.sws.initContext();
    if (ret < 0) throw new Error(`swscale init failed for ${width}x${height} (${ret})`);
    this.dst = new Frame();
    this.dst.alloc();
    this.dst.width = out.width;
    this.dst.height = out.height;
    this.dst.format = AV_PIX_FMT_RGB24;
    if (this.dst.allocBuffer() < 0) throw new Error('could not allocate the RGB frame');
    const plane = this.dst.data?.[0];
    if (!plane) throw new Error('the RGB frame has no data plane');
    this.pixels = plane;
    this.packed =
      this.dst.linesize[0] === out.width * 3 ? undefined : new Uint8Array(out.width * out.height * 3);
    this.key = `${width}x${height}/${format}`;
  }

  private release(): void {
    this.sws?.freeContext();
    this.dst?.free();
    this.sws = undefined;
    this.dst = undefined;
    this.pixels = undefined;
    this.packed = undefined;
    this.key = '';
  }
}
