/**
 * Decoded picture (I420 or whatever the decoder produced) → packed RGB24 at the tracker's
 * size, with FFmpeg's swscale, straight from the decoder's planes (zero-copy views) into one
 * reused output buffer: 0.12 ms for 640x480 here (plain TypeScript took 0.7 ms, notes) and no
 * 900 KB allocation per frame for the garbage collector. Pictures wider than `maxWidth` are scaled down keeping the aspect ratio: the
 * tracker resizes to 192/224 itself, so more pixels than 640 wide only cost transfer time.
 *
 * Synchronous on purpose: 0.3 ms is cheaper than a thread hop. Never falls behind on its own;
 * the tracker after it drops frames (latest wins).
 */
import { Frame, SoftwareScaleContext } from 'node-av';
import { AV_PIX_FMT_RGB24, SWS_BILINEAR } from 'node-av/constants';

export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface RgbConverterOptions {
  /** Widest output; larger pictures are scaled down. Default 640. */
  readonly maxWidth?: number;
}

export class RgbConverter {
  private readonly maxWidth: number;
  private sws: SoftwareScaleContext | undefined;
  private out: Buffer | undefined;
  private dst: Frame | undefined;
  private key = '';
  private disposed = false;
  converted = 0;

  constructor(options: RgbConverterOptions = {}) {
    this.maxWidth = options.maxWidth ?? 640;
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
    if (this.out) {
      const planes = picture.data;
      if (!planes || planes.length === 0) throw new RangeError('RgbConverter: picture has no data planes');
      const ret = this.sws!.scaleSync(
        planes,
        picture.linesize.slice(0, planes.length),
        0,
        height,
        [this.out],
        [out.width * 3],
      );
      if (ret < 0) throw new Error(`swscale failed (${ret})`);
      return { data: this.out, width: out.width, height: out.height };
    }
    // Widths swscale's SIMD rows do not cover exactly: convert into an aligned frame and copy out.
    const ret = this.sws!.scaleFrameSync(this.dst!, picture);
    if (ret < 0) throw new Error(`swscale failed (${ret})`);
    return { data: this.dst!.toBuffer(), width: out.width, height: out.height };
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
    if (out.width % 32 === 0) {
      this.out = Buffer.alloc(out.width * out.height * 3);
    } else {
      this.dst = new Frame();
      this.dst.alloc();
      this.dst.width = out.width;
      this.dst.height = out.height;
      this.dst.format = AV_PIX_FMT_RGB24;
      if (this.dst.allocBuffer() < 0) throw new Error('could not allocate the RGB frame');
    }
    this.key = `${width}x${height}/${format}`;
  }

  private release(): void {
    this.sws?.freeContext();
    this.dst?.free();
    this.sws = undefined;
    this.out = undefined;
    this.dst = undefined;
    this.key = '';
  }
}
