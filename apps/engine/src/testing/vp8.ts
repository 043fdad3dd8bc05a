/**
 * Test helpers: real VP8 encoded with node-av (libvpx), and RFC 7741 packetization, so engine
 * tests feed the real decoder with a real bitstream.
 */
import { Encoder, Frame, Rational, SoftwareScaleContext } from 'node-av';
import { AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P } from 'node-av/constants';

export interface Vp8Frame {
  readonly data: Uint8Array;
  readonly keyframe: boolean;
}

/** A YUV420P test picture: a luma gradient shifted by `index`, plus a bright square at a known place. */
export function testPicture(width: number, height: number, index: number): Buffer {
  const buf = Buffer.alloc((width * height * 3) / 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) buf[y * width + x] = 16 + ((x + y + index * 4) % 200);
  }
  buf.fill(128, width * height);
  return buf;
}

/** Encodes YUV420P or RGB24 pictures into VP8 frames (realtime settings, keyframe every `gop`). */
export async function encodeVp8(
  pictures: Iterable<Buffer>,
  options: { width: number; height: number; format?: 'yuv420p' | 'rgb24'; gop?: number; bitrate?: number },
): Promise<Vp8Frame[]> {
  const { width, height } = options;
  const encoder = await Encoder.create(
    'libvpx' as never,
    {
      width,
      height,
      pixelFormat: AV_PIX_FMT_YUV420P,
      timeBase: { num: 1, den: 30 },
      frameRate: { num: 30, den: 1 },
      bitrate: options.bitrate ?? 1_000_000,
      gopSize: options.gop ?? 60,
      options: { deadline: 'realtime', 'cpu-used': 8, 'lag-in-frames': 0 },
    } as never,
  );
  const out: Vp8Frame[] = [];
  let pts = 0n;
  const collect = (packets: { data: Buffer | null; isKeyframe: boolean; free(): void }[]) => {
    for (const p of packets) {
      if (p.data) out.push({ data: Uint8Array.from(p.data), keyframe: p.isKeyframe });
      p.free();
    }
  };
  for (const picture of pictures) {
    const format = options.format === 'rgb24' ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P;
    let frame = Frame.fromVideoBuffer(picture, {
      width,
      height,
      format,
      timeBase: { num: 1, den: 30 },
      pts: pts++,
    });
    if (format !== AV_PIX_FMT_YUV420P) frame = toYuv(frame, width, height);
    collect(await encoder.encodeAll(frame));
    frame.free();
  }
  collect(await encoder.encodeAll(null));
  encoder.close();
  return out;
}

function toYuv(rgb: Frame, width: number, height: number): Frame {
  // libvpx takes YUV420P only.
  const sws = new SoftwareScaleContext();
  sws.getContext(width, height, AV_PIX_FMT_RGB24, width, height, AV_PIX_FMT_YUV420P);
  sws.initContext();
  const yuv = new Frame();
  yuv.alloc();
  yuv.width = width;
  yuv.height = height;
  yuv.format = AV_PIX_FMT_YUV420P;
  yuv.allocBuffer();
  sws.scaleFrameSync(yuv, rgb);
  yuv.pts = rgb.pts;
  yuv.timeBase = new Rational(1, 30);
  sws.freeContext();
  rgb.free();
  return yuv;
}

export interface RtpPacketFields {
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  payload: Uint8Array;
}

/** Splits one VP8 frame into RTP payloads (1-byte descriptor, S bit on the first, PID 0). */
export function packetizeVp8(
  frame: Uint8Array,
  firstSeq: number,
  timestamp: number,
  mtu = 1100,
): RtpPacketFields[] {
  const packets: RtpPacketFields[] = [];
  for (let offset = 0, seq = firstSeq; offset < frame.length; offset += mtu, seq++) {
    const chunk = frame.subarray(offset, Math.min(frame.length, offset + mtu));
    const payload = new Uint8Array(chunk.length + 1);
    payload[0] = offset === 0 ? 0x10 : 0x00;
    payload.set(chunk, 1);
    packets.push({
      sequenceNumber: seq & 0xffff,
      timestamp: timestamp >>> 0,
      marker: offset + mtu >= frame.length,
      payload,
    });
  }
  return packets;
}
