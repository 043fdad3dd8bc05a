/**
 * Encodes a video clip (the MJPEG fixture) to VP8 once, in memory, with node-av (FFmpeg's
 * libvpx), so a load generator can replay it over WebRTC at 30 fps per session without
 * spending a browser's CPU on encoding.
 *
 * Two versions of every frame are kept: the normal stream (a keyframe every `gopFrames`) and
 * a keyframe-only one. When the engine asks for a keyframe (PLI), the replayer sends the
 * keyframe version of the current frame and continues with the normal stream: the clip's
 * timing is kept, and the small mismatch in the reference frame (both encodes are of the same
 * picture) fades at the next regular keyframe.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import nodePath from 'node:path';
import { Decoder, Demuxer, Encoder } from 'node-av/api';
import { FF_ENCODER_LIBVPX_VP8 } from 'node-av/constants';

export interface EncodedFrame {
  /** VP8 frame bytes (one RTP frame). */
  readonly data: Buffer;
  readonly keyframe: boolean;
}

export interface EncodedClip {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** The normal stream: frame 0 is a keyframe, then one every `gopFrames`. */
  readonly frames: readonly EncodedFrame[];
  /** The same pictures, each encoded as a keyframe. */
  readonly keyframes: readonly EncodedFrame[];
}

export interface EncodeOptions {
  /** Frame rate the clip is meant for. Default 30. */
  readonly fps?: number;
  /** Keyframe interval of the normal stream, frames. Default 30 (1 s): the loop point is a keyframe when the clip length is a multiple. */
  readonly gopFrames?: number;
  /** Target bitrate, bits/s. Default 1 200 000 (what Chromium reaches on loopback). */
  readonly bitrate?: number;
  /** Input format for FFmpeg. Default from the extension (`.mjpeg` → mjpeg). */
  readonly format?: string;
  /**
   * Directory for a cache of the encoded clip (keyed by the source's path, size, mtime and the
   * options), so repeated runs skip the encode. Default `<tmpdir>/bambam-e2e-cache`; null: none.
   */
  readonly cacheDir?: string | null;
}

async function encodeWith(
  path: string,
  format: string | undefined,
  fps: number,
  gopFrames: number,
  bitrate: number,
): Promise<{ frames: EncodedFrame[]; width: number; height: number }> {
  await using input = await Demuxer.open(path, format ? { format } : {});
  const stream = input.video();
  if (!stream) throw new Error(`no video stream in ${path}`);
  using decoder = await Decoder.create(stream);
  using encoder = await Encoder.create(FF_ENCODER_LIBVPX_VP8, {
    timeBase: { num: 1, den: fps },
    frameRate: { num: fps, den: 1 },
    autoFormat: true,
    context: { bitRate: bitrate, gopSize: gopFrames, maxBFrames: 0 },
    // Real-time settings, as a browser encodes: no look-ahead, no alt-ref frames.
    options: { deadline: 'realtime', 'cpu-used': '8', 'lag-in-frames': '0', 'auto-alt-ref': '0' },
  } as Parameters<typeof Encoder.create>[1]);
  const frames: EncodedFrame[] = [];
  const keep = (packets: readonly { data: Buffer | null; isKeyframe: boolean }[]) => {
    for (const p of packets) if (p.data) frames.push({ data: Buffer.from(p.data), keyframe: p.isKeyframe });
  };
  let pts = 0n;
  for await (const frame of decoder.frames(input.packets(stream.index))) {
    if (!frame) break;
    frame.pts = pts++;
    keep(await encoder.encodeAll(frame));
    frame.free();
  }
  keep(await encoder.encodeAll(null));
  return { frames, width: stream.codecpar.width, height: stream.codecpar.height };
}

/** Encodes `path` to VP8 (a few seconds for the 4 s fixture on this machine; cached on disk). */
export async function encodeClipVp8(path: string, options: EncodeOptions = {}): Promise<EncodedClip> {
  const fps = options.fps ?? 30;
  const bitrate = options.bitrate ?? 1_200_000;
  const gopFrames = options.gopFrames ?? 30;
  const format = options.format ?? (path.endsWith('.mjpeg') ? 'mjpeg' : undefined);
  const cacheDir =
    options.cacheDir === undefined ? nodePath.join(os.tmpdir(), 'bambam-e2e-cache') : options.cacheDir;
  const source = await stat(path);
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        nodePath.resolve(path),
        source.size,
        source.mtimeMs,
        fps,
        bitrate,
        gopFrames,
        format,
        1,
      ]),
    )
    .digest('hex')
    .slice(0, 24);
  const cacheFile = cacheDir ? nodePath.join(cacheDir, `vp8-${key}.json`) : undefined;
  if (cacheFile) {
    const cached = await readFile(cacheFile, 'utf8').then(parseCache, () => undefined);
    if (cached) return cached;
  }
  const normal = await encodeWith(path, format, fps, gopFrames, bitrate);
  const keys = await encodeWith(path, format, fps, 1, bitrate);
  if (normal.frames.length === 0) throw new Error(`no frames encoded from ${path}`);
  if (keys.frames.length !== normal.frames.length) {
    throw new Error(`keyframe encode has ${keys.frames.length} frames, normal has ${normal.frames.length}`);
  }
  const clip = {
    width: normal.width,
    height: normal.height,
    fps,
    frames: normal.frames,
    keyframes: keys.frames,
  };
  if (cacheFile && cacheDir) {
    await mkdir(cacheDir, { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    await writeFile(tmp, serializeCache(clip));
    await rename(tmp, cacheFile);
  }
  return clip;
}

function serializeCache(clip: EncodedClip): string {
  const frames = (list: readonly EncodedFrame[]) =>
    list.map((f) => [f.keyframe ? 1 : 0, f.data.toString('base64')]);
  return JSON.stringify({ ...clip, frames: frames(clip.frames), keyframes: frames(clip.keyframes) });
}

function parseCache(text: string): EncodedClip | undefined {
  try {
    const raw = JSON.parse(text);
    const frames = (list: [number, string][]) =>
      list.map(([k, d]) => ({ keyframe: k === 1, data: Buffer.from(d, 'base64') }));
    return {
      width: raw.width,
      height: raw.height,
      fps: raw.fps,
      frames: frames(raw.frames),
      keyframes: frames(raw.keyframes),
    };
  } catch {
    return undefined;
  }
}

/** Width and height from a VP8 keyframe's header (RFC 6386 §9.1), or undefined for an interframe. */
export function vp8KeyframeSize(frame: Buffer): { width: number; height: number } | undefined {
  if (frame.length < 10 || (frame[0] & 1) !== 0) return undefined;
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) return undefined;
  return { width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}
