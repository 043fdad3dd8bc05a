/**
 * Decodes a video file or a still image (anything FFmpeg reads: mp4, webm, mkv, mjpeg, jpg,
 * png...) into RGB frames with node-av, for offline tracking (`bambam track`) and tests.
 */
import { access } from 'node:fs/promises';
import { Decoder, Demuxer, FilterAPI } from 'node-av/api';
import type { RgbImage } from './types.ts';

export interface VideoFrame {
  /** Time of the frame in ms from the start of the file. */
  readonly t: number;
  readonly image: RgbImage;
}

export interface VideoFileOptions {
  /**
   * Frame rate to assume, for streams without timestamps (a raw `.mjpeg` file reads as 25 fps
   * otherwise): frame `i` gets `t = i * 1000 / fps`. Default: the file's own timestamps.
   */
  readonly fps?: number;
  /** Stop after this many frames. */
  readonly maxFrames?: number;
}

/** Yields the file's video frames as tightly packed RGB, in order. */
export async function* readVideoFrames(
  path: string,
  options: VideoFileOptions = {},
): AsyncGenerator<VideoFrame> {
  const { fps, maxFrames = Number.POSITIVE_INFINITY } = options;
  if (fps !== undefined && !(fps > 0 && fps <= 1000))
    throw new RangeError(`fps must be in (0, 1000], got ${fps}`);
  try {
    await access(path);
  } catch {
    throw new Error(`cannot read ${path}: no such file`);
  }
  let input: Demuxer;
  try {
    input = await Demuxer.open(path);
  } catch (error) {
    throw new Error(`cannot open ${path} as video or image: ${(error as Error).message}`);
  }
  await using _input = input;
  const stream = input.video();
  if (!stream) throw new Error(`${path} has no video stream`);
  using decoder = await Decoder.create(stream);
  using filter = FilterAPI.create('format=rgb24');
  const { num, den } = stream.timeBase;
  let index = 0;
  let first: bigint | undefined;
  for await (using frame of filter.frames(decoder.frames(input.packets(stream.index)))) {
    if (!frame) continue;
    if (index >= maxFrames) break;
    let t: number;
    if (fps !== undefined || frame.pts === undefined || frame.pts < 0n) t = (index * 1000) / (fps ?? 30);
    else {
      first ??= frame.pts;
      t = (Number(frame.pts - first) * 1000 * num) / den;
    }
    yield { t, image: { data: new Uint8Array(frame.toBuffer()), width: frame.width, height: frame.height } };
    index++;
  }
}
