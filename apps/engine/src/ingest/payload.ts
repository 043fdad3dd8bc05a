/**
 * Codec payload formats of RTP video: what one packet carries of a frame. Pure functions on
 * bytes; malformed payloads throw {@link PayloadError} (the assembler counts and drops them).
 */

export class PayloadError extends Error {
  override name = 'PayloadError';
}

export interface PacketPayload {
  /** Bytes this packet adds to the frame's bitstream. */
  readonly data: Uint8Array;
  /** This packet starts a frame (VP8: S bit on partition 0) or, for H.264, a NAL unit (not an FU-A continuation). */
  readonly frameStart: boolean;
  /** This packet starts a keyframe (decoding can (re)start here). */
  readonly keyframeStart: boolean;
}

/** A codec's RTP payload reader (stateless: FU-A fragments are joined by the assembler's concatenation). */
export interface PayloadReader {
  read(payload: Uint8Array): PacketPayload;
}

/** RFC 7741 VP8 payload descriptor. */
export class Vp8PayloadReader implements PayloadReader {
  read(payload: Uint8Array): PacketPayload {
    if (payload.length < 2) throw new PayloadError('VP8 payload shorter than its descriptor');
    const b0 = payload[0]!;
    const extended = (b0 & 0x80) !== 0;
    const start = (b0 & 0x10) !== 0;
    const partition = b0 & 0x07;
    let offset = 1;
    if (extended) {
      const b1 = payload[offset++]!;
      if (b1 & 0x80) {
        // PictureID: 7 or 15 bits.
        if (offset >= payload.length) throw new PayloadError('VP8 descriptor truncated (picture id)');
        offset += payload[offset]! & 0x80 ? 2 : 1;
      }
      if (b1 & 0x40) offset += 1; // TL0PICIDX
      if (b1 & 0x30) offset += 1; // TID/KEYIDX
    }
    if (offset >= payload.length) throw new PayloadError('VP8 packet has a descriptor but no data');
    const data = payload.subarray(offset);
    const frameStart = start && partition === 0;
    // Bit 0 of the VP8 frame header is the inverse keyframe flag.
    const keyframeStart = frameStart && (data[0]! & 0x01) === 0;
    return { data, frameStart, keyframeStart };
  }
}

const START_CODE = Uint8Array.of(0, 0, 0, 1);

/** RFC 6184 H.264, packetization-mode 1 (single NAL, STAP-A, FU-A) → Annex B bytes. */
export class H264PayloadReader implements PayloadReader {
  read(payload: Uint8Array): PacketPayload {
    if (payload.length < 1) throw new PayloadError('empty H.264 payload');
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      return {
        data: concat([START_CODE, payload]),
        frameStart: true,
        keyframeStart: type === 7 || type === 5,
      };
    }
    if (type === 24) {
      const parts: Uint8Array[] = [];
      let key = false;
      let offset = 1;
      while (offset + 2 <= payload.length) {
        const size = (payload[offset]! << 8) | payload[offset + 1]!;
        offset += 2;
        if (size === 0 || offset + size > payload.length)
          throw new PayloadError('H.264 STAP-A size out of range');
        const nal = payload.subarray(offset, offset + size);
        if ((nal[0]! & 0x1f) === 7) key = true;
        parts.push(START_CODE, nal);
        offset += size;
      }
      if (parts.length === 0) throw new PayloadError('H.264 STAP-A without NAL units');
      return { data: concat(parts), frameStart: true, keyframeStart: key };
    }
    if (type === 28) {
      if (payload.length < 3) throw new PayloadError('H.264 FU-A too short');
      const fuHeader = payload[1]!;
      const start = (fuHeader & 0x80) !== 0;
      const nalType = fuHeader & 0x1f;
      const body = payload.subarray(2);
      if (start) {
        const header = (payload[0]! & 0xe0) | nalType;
        return {
          data: concat([START_CODE, Uint8Array.of(header), body]),
          frameStart: true,
          keyframeStart: nalType === 5,
        };
      }
      return { data: body, frameStart: false, keyframeStart: false };
    }
    throw new PayloadError(`unsupported H.264 NAL/packet type ${type}`);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
