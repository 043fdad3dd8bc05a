/**
 * The picture size an H.264 access unit declares, read from its SPS NAL units the way FFmpeg's
 * decoder reads them (ITU-T H.264 §7.3.2.1.1), without decoding anything: Annex B start codes
 * are scanned, each SPS is unescaped (emulation-prevention bytes removed) and parsed up to the
 * cropping window. No npm package does this small job well, so it is ~100 lines here.
 */
import { BitReader, BitstreamError, removeEmulationPrevention } from './bit-reader.ts';

export interface SpsSize {
  /** Decoded (macroblock) size: what the decoding costs. */
  readonly codedWidth: number;
  readonly codedHeight: number;
  /** Displayed size after the cropping window (FFmpeg ignores an impossible window: then coded). */
  readonly width: number;
  readonly height: number;
}

export interface AccessUnitInfo {
  /** Holds an IDR slice: decoding can (re)start here. */
  readonly idr: boolean;
  /** Sizes of the SPS units it carries, in order. */
  readonly sps: readonly SpsSize[];
}

const NAL_IDR = 5;
const NAL_SPS = 7;
/** An SPS is a few dozen bytes; the fields up to the cropping window fit well within this. */
const SPS_READ_BYTES = 1024;
/** Profiles whose SPS carries chroma format, bit depths and scaling lists (as FFmpeg lists them). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135, 144]);

/** Scans an Annex B access unit for IDR slices and SPS units. Throws BitstreamError for a bad SPS. */
export function inspectAccessUnit(au: Uint8Array): AccessUnitInfo {
  let idr = false;
  const sps: SpsSize[] = [];
  const starts: number[] = [];
  // Start code 00 00 01: check the third byte first and skip ahead (V8 keeps this ~1 ns/byte).
  for (let i = 2; i < au.length; ) {
    const b = au[i]!;
    if (b > 1) i += 3;
    else if (b === 1 && au[i - 1] === 0 && au[i - 2] === 0) {
      starts.push(i + 1);
      i += 3;
    } else i++;
  }
  for (let k = 0; k < starts.length; k++) {
    const start = starts[k]!;
    if (start >= au.length) continue;
    const type = au[start]! & 0x1f;
    if (type === NAL_IDR) idr = true;
    else if (type === NAL_SPS) {
      const end = Math.min(k + 1 < starts.length ? starts[k + 1]! - 3 : au.length, start + SPS_READ_BYTES);
      sps.push(parseSps(au.subarray(start + 1, end)));
    }
  }
  return { idr, sps };
}

/** Parses an SPS payload (after the 1-byte NAL header, still escaped). */
export function parseSps(escaped: Uint8Array): SpsSize {
  const r = new BitReader(removeEmulationPrevention(escaped));
  const profile = r.bits(8);
  r.bits(16); // constraint flags, level
  if (r.ue() > 31) throw new BitstreamError('SPS id out of range');
  let chromaFormat = 1;
  let separatePlanes = false;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat > 3) throw new BitstreamError('SPS chroma format out of range');
    if (chromaFormat === 3) separatePlanes = r.bit() === 1;
    if (r.ue() > 6 || r.ue() > 6) throw new BitstreamError('SPS bit depth out of range');
    r.bit(); // qpprime_y_zero_transform_bypass
    if (r.bit()) skipScalingLists(r, chromaFormat === 3 ? 12 : 8);
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.bit();
    r.se();
    r.se();
    const cycle = r.ue();
    if (cycle > 255) throw new BitstreamError('SPS POC cycle too long');
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) throw new BitstreamError('SPS POC type out of range');
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_allowed
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.bit();
  if (!frameMbsOnly) r.bit(); // mb_adaptive_frame_field
  r.bit(); // direct_8x8_inference
  const codedWidth = widthMbs * 16;
  const codedHeight = heightMapUnits * 16 * (2 - frameMbsOnly);
  let width = codedWidth;
  let height = codedHeight;
  if (r.bit()) {
    const [left, right, top, bottom] = [r.ue(), r.ue(), r.ue(), r.ue()];
    const arrayType = separatePlanes ? 0 : chromaFormat;
    const unitX = arrayType === 1 || arrayType === 2 ? 2 : 1;
    const unitY = (arrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const cropX = (left + right) * unitX;
    const cropY = (top + bottom) * unitY;
    if (cropX < codedWidth && cropY < codedHeight) {
      width = codedWidth - cropX;
      height = codedHeight - cropY;
    }
  }
  return { codedWidth, codedHeight, width, height };
}

function skipScalingLists(r: BitReader, lists: number): void {
  for (let i = 0; i < lists; i++) {
    if (!r.bit()) continue;
    const size = i < 6 ? 16 : 64;
    let last = 8;
    let next = 8;
    for (let j = 0; j < size; j++) {
      if (next !== 0) next = (last + r.se() + 256) % 256;
      last = next === 0 ? last : next;
    }
  }
}
