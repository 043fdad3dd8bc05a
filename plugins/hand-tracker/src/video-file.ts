/**
 * Decodes a video file or a still image (anything FFmpeg reads: mp4, webm, mkv, mjpeg, jpg,
 * png...) into RGB frames with node-av, for offline tracking (`bambam track`) and tests.
 */
import { access } from 'node:fs/promises';
import { Decoder, Demuxer, FilterAPI } from 'node-av/api';
import { AV_LOG_ERROR } from 'node-av/constants';
import { Log } from 'node-av/lib';
import type { RgbImage } from './types.ts';

export interface VideoFrame {
  /** Time of the frame in ms from the start of the file. */
  readonly t: number;
  readonly image: RgbImage;
}

export interface VideoFileOptions {
  /**
   * Frame rate to assume: frame `i` gets `t = i * 1000 / fps`. Default: the file's own
   * timestamps, except for a raw MJPEG stream, which has none: it is taken as
   * {@link RAW_MJPEG_FPS} (what Chromium's fake camera plays it at; FFmpeg would assume 25).
   */
  readonly fps?: number;
  /** Stop after this many frames. */
  readonly maxFrames?: number;
}

/** Frame rate assumed for raw MJPEG streams and image sequences, which carry no timestamps. */
export const RAW_MJPEG_FPS = 30;

/** FFmpeg's image demuxers (`jpeg_pipe` reads a raw .mjpeg, `image2` a still or a sequence) invent 25 fps. */
const TIMESTAMPLESS_FORMAT = /^(image2|image2pipe|mjpeg|\w+_pipe)$/;

/** Stops FFmpeg's warnings (e.g. "deprecated pixel format used" for every JPEG). Process-wide. */
export function silenceFfmpegWarnings(): void {
  Log.setLevel(AV_LOG_ERROR);
}

/** Yields the file's video frames as tightly packed RGB, in order. */
export async function* readVideoFrames(
  path: string,
  options: VideoFileOptions = {},
): AsyncGenerator<VideoFrame> {
  const { maxFrames = Number.POSITIVE_INFINITY } = options;
  let fps = options.fps;
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
  if (fps === undefined && TIMESTAMPLESS_FORMAT.test(input.formatName)) fps = RAW_MJPEG_FPS;
  using decoder = await Decoder.create(stream);
  using filter = FilterAPI.create('format=rgb24');
  const { num, den } = stream.timeBase;
  let index = 0;
  let first: bigint | undefined;
  for await (using frame of filter.frames(decoder.frames(input.packets(stream.index)))) {
    if (!frame) continue;
    if (index >= maxFrames) break;
    let t: number;
    if (fps !== undefined || frame.pts === undefined || frame.pts < 0n)
      t = (index * 1000) / (fps ?? RAW_MJPEG_FPS);
    else {
      first ??= frame.pts;
      t = (Number(frame.pts - first) * 1000 * num) / den;
    }
    yield { t, image: { data: new Uint8Array(frame.toBuffer()), width: frame.width, height: frame.height } };
    index++;
  }
}
