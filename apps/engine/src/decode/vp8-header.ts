/**
 * The frame type and, for keyframes, the declared size of a VP8 frame (RFC 6386 §9.1): a
 * 3-byte frame tag (bit 0: 0 = keyframe; bits 5–23: first partition size), then for keyframes
 * the start code 9d 01 2a and two 16-bit little-endian fields, 14 bits of size and 2 of scale.
 * The scale is only a display hint: the decoder works at the 14-bit size.
 */
import { BitstreamError } from './bit-reader.ts';

export type Vp8Header =
  | { readonly keyframe: false }
  | { readonly keyframe: true; readonly width: number; readonly height: number };

export function readVp8Header(frame: Uint8Array): Vp8Header {
  if (frame.length < 3) throw new BitstreamError('VP8 frame tag truncated');
  const tag = frame[0]! | (frame[1]! << 8) | (frame[2]! << 16);
  if ((tag & 1) === 1) return { keyframe: false };
  if (frame.length < 10) throw new BitstreamError('VP8 keyframe header truncated');
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a)
    throw new BitstreamError('VP8 keyframe without its start code');
  const firstPartition = tag >>> 5;
  if (firstPartition > frame.length - 10) throw new BitstreamError('VP8 first partition beyond the frame');
  const width = (frame[6]! | (frame[7]! << 8)) & 0x3fff;
  const height = (frame[8]! | (frame[9]! << 8)) & 0x3fff;
  return { keyframe: true, width, height };
}
