/** Test helpers: real H.264 (libx264 via node-av) and RFC 6184 packetization (single NAL + FU-A). */
import { Encoder, Frame } from 'node-av';
import { AV_PIX_FMT_YUV420P } from 'node-av/constants';
import type { RtpPacketFields } from './vp8.ts';

/** Encoder settings of {@link encodeYuv420}. */
export interface Yuv420EncodeOptions {
  readonly bitrate: number;
  readonly gop: number;
  /** FFmpeg private options of the codec (e.g. libx264's preset). */
  readonly options: Record<string, string>;
}

/** Encodes YUV420P pictures at 30 fps with an FFmpeg encoder (no B-frames): one packet per picture. */
export async function encodeYuv420(
  codec: 'libx264' | 'libvpx',
  pictures: Iterable<Buffer>,
  width: number,
  height: number,
  settings: Yuv420EncodeOptions,
): Promise<Uint8Array[]> {
  const encoder = await Encoder.create(
    codec as never,
    {
      width,
      height,
      pixelFormat: AV_PIX_FMT_YUV420P,
      timeBase: { num: 1, den: 30 },
      frameRate: { num: 30, den: 1 },
      bitrate: settings.bitrate,
      gopSize: settings.gop,
      maxBFrames: 0,
      options: settings.options,
    } as never,
  );
  const out: Uint8Array[] = [];
  let pts = 0n;
  const collect = (packets: { data: Buffer | null; free(): void }[]) => {
    for (const p of packets) {
      if (p.data) out.push(Uint8Array.from(p.data));
      p.free();
    }
  };
  for (const picture of pictures) {
    const frame = Frame.fromVideoBuffer(picture, {
      width,
      height,
      format: AV_PIX_FMT_YUV420P,
      timeBase: { num: 1, den: 30 },
      pts: pts++,
    });
    collect(await encoder.encodeAll(frame));
    frame.free();
  }
  collect(await encoder.encodeAll(null));
  encoder.close();
  return out;
}

/** Encodes YUV420P pictures to H.264 Annex B access units (baseline, no B-frames, zero latency). */
export function encodeH264(pictures: Iterable<Buffer>, width: number, height: number): Promise<Uint8Array[]> {
  return encodeYuv420('libx264', pictures, width, height, {
    bitrate: 1_000_000,
    gop: 30,
    options: { preset: 'ultrafast', tune: 'zerolatency', profile: 'baseline' },
  });
}

/** Splits an Annex B access unit into NAL units. */
function nalUnits(au: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < au.length; i++) {
    if (au[i] === 0 && au[i + 1] === 0 && au[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((start, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : au.length;
    while (end > start && au[end - 1] === 0) end--; // 4-byte start code's leading zero
    return au.subarray(start, end);
  });
}

/** Packetizes one access unit: NALs ≤ mtu as single-NAL packets, larger ones as FU-A. */
export function packetizeH264(
  au: Uint8Array,
  firstSeq: number,
  timestamp: number,
  mtu = 1100,
): RtpPacketFields[] {
  const payloads: Uint8Array[] = [];
  for (const nal of nalUnits(au)) {
    if (nal.length <= mtu) {
      payloads.push(nal);
      continue;
    }
    const header = nal[0]!;
    for (let offset = 1; offset < nal.length; offset += mtu) {
      const chunk = nal.subarray(offset, Math.min(nal.length, offset + mtu));
      const start = offset === 1 ? 0x80 : 0;
      const end = offset + mtu >= nal.length ? 0x40 : 0;
      payloads.push(Uint8Array.of((header & 0xe0) | 28, start | end | (header & 0x1f), ...chunk));
    }
  }
  return payloads.map((payload, i) => ({
    sequenceNumber: (firstSeq + i) & 0xffff,
    timestamp: timestamp >>> 0,
    marker: i === payloads.length - 1,
    payload,
  }));
}
