/**
 * Hostile test input: VP8 keyframe headers and H.264 SPS units declaring any size, as an
 * attacker would send them (tests and the bench).
 */

/** A VP8 keyframe header declaring `width`x`height`, padded to `bytes` with filler. */
export function craftedVp8Keyframe(width: number, height: number, bytes = 64): Uint8Array {
  const frame = new Uint8Array(bytes);
  for (let i = 10; i < bytes; i++) frame[i] = (i * 7919) & 0xff;
  const tag = (Math.min(bytes - 10, 0x7ffff) << 5) | 0x10; // keyframe, version 0, shown
  frame.set([tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff, 0x9d, 0x01, 0x2a]);
  frame.set([width & 0xff, (width >> 8) & 0x3f, height & 0xff, (height >> 8) & 0x3f], 6);
  return frame;
}

class BitWriter {
  readonly bits: number[] = [];
  u(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
  }
  ue(value: number): void {
    const len = Math.floor(Math.log2(value + 1));
    this.u(0, len);
    this.u(value + 1, len + 1);
  }
  bytes(): Uint8Array {
    this.bits.push(1); // rbsp_stop_one_bit
    while (this.bits.length % 8) this.bits.push(0);
    const out = new Uint8Array(this.bits.length / 8);
    for (let i = 0; i < this.bits.length; i++) out[i >> 3]! |= this.bits[i]! << (7 - (i & 7));
    return out;
  }
}

/** An escaped SPS NAL unit (header byte included) declaring a `width`x`height` coded picture. */
export function craftedH264Sps(options: {
  width: number;
  height: number;
  profile?: number;
  level?: number;
  crop?: { right: number; bottom: number };
}): Uint8Array {
  const w = new BitWriter();
  const profile = options.profile ?? 66;
  w.u(profile, 8);
  w.u(0, 8);
  w.u(options.level ?? 51, 8);
  w.ue(0); // sps id
  if (profile === 100) {
    w.ue(1); // 4:2:0
    w.ue(0);
    w.ue(0);
    w.u(0, 1);
    w.u(0, 1); // no scaling matrices
  }
  w.ue(0); // log2_max_frame_num_minus4
  w.ue(2); // poc type 2
  w.ue(1); // refs
  w.u(0, 1);
  w.ue(options.width / 16 - 1);
  w.ue(options.height / 16 - 1);
  w.u(1, 1); // frame_mbs_only
  w.u(1, 1); // direct_8x8
  w.u(options.crop ? 1 : 0, 1);
  if (options.crop) {
    w.ue(0);
    w.ue(options.crop.right / 2);
    w.ue(0);
    w.ue(options.crop.bottom / 2);
  }
  w.u(0, 1); // no VUI
  // Emulation prevention: 00 00 0x (x ≤ 3) → 00 00 03 0x.
  const raw = w.bytes();
  const out: number[] = [0x67];
  let zeros = 0;
  for (const b of raw) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}
