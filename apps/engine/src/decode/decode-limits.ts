/**
 * How large a video stream the engine decodes, and which frames it decodes on the event loop.
 *
 * Size: a frame's declared size is read from its keyframe header before FFmpeg sees it
 * (`frame-guard.ts`); larger streams are refused. The bound is orientation-free: the long side
 * against the long side of the cap and the short side against its short side, so a portrait
 * 1080x1920 camera passes a 1920x1080 cap and 1921x1080 or 1080x1921 do not.
 *
 * Event loop: decode cost grows with the pixels and with the bytes (entropy decoding). Measured
 * here (bench/decode.ts): a 640x480 frame of a normal stream decodes in ~1 ms, a 2.9 MB
 * 1920x1080 VP8 keyframe of noise in ~480 ms. Only frames small in both are decoded on the
 * calling thread; the rest go to libuv's pool so a session's video never delays audio.
 */

export interface DecodeLimits {
  /** Long side of the largest stream decoded (px). */
  readonly maxWidth: number;
  /** Short side of the largest stream decoded (px). */
  readonly maxHeight: number;
  /** Largest stream (width x height) decoded synchronously on the calling thread. */
  readonly syncMaxPixels: number;
  /** Largest encoded frame (bytes) decoded synchronously; larger ones go to the thread pool. */
  readonly syncMaxBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxWidth: 1920,
  maxHeight: 1080,
  syncMaxPixels: 640 * 480,
  syncMaxBytes: 24_000,
};

/** Environment variable with the cap, e.g. `BAMBAM_MAX_VIDEO_SIZE=1280x720`. */
export const MAX_VIDEO_SIZE_ENV = 'BAMBAM_MAX_VIDEO_SIZE';

/** Parses `WIDTHxHEIGHT`; throws a clear error otherwise. */
export function parseVideoSize(text: string, name = MAX_VIDEO_SIZE_ENV): { width: number; height: number } {
  const match = /^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$/.exec(text);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 16 || height < 16 || width > 16384 || height > 16384) {
    throw new Error(`${name} must be WIDTHxHEIGHT with sides 16..16384, e.g. 1920x1080 (got "${text}")`);
  }
  return { width, height };
}

/** The default limits with the cap from the environment, if set. */
export function decodeLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): DecodeLimits {
  const value = env[MAX_VIDEO_SIZE_ENV];
  if (value === undefined || value === '') return DEFAULT_DECODE_LIMITS;
  const { width, height } = parseVideoSize(value);
  return { ...DEFAULT_DECODE_LIMITS, maxWidth: Math.max(width, height), maxHeight: Math.min(width, height) };
}

/** Whether a stream of this size fits the cap, in either orientation. */
export function fitsLimits(
  width: number,
  height: number,
  limits: Pick<DecodeLimits, 'maxWidth' | 'maxHeight'>,
): boolean {
  const capLong = Math.max(limits.maxWidth, limits.maxHeight);
  const capShort = Math.min(limits.maxWidth, limits.maxHeight);
  return Math.max(width, height) <= capLong && Math.min(width, height) <= capShort;
}
