/**
 * Decode cost at the video size cap and what the event loop sees of it (part of
 * `npm run bench -w @bambam/engine`; alone: `node --no-node-snapshot bench/decode.ts`).
 *
 * Prints, for VP8 (libvpx) and H.264 (libx264) keyframes made by node-av: the encoded size,
 * FFmpeg's decode time on the calling thread (median/max), and with the engine's decoder
 * ('auto': large frames on libuv's pool) the longest event-loop stall while it decodes them;
 * plus the time to refuse a crafted 16000x8000 keyframe from its header.
 * Worst cases are pictures of noise at the lowest quantizer (the most bits a frame can carry).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { craftedVp8Keyframe } from '../src/decode/crafted-frames.ts';
import { DEFAULT_DECODE_LIMITS } from '../src/decode/decode-limits.ts';
import { VideoDecoder } from '../src/decode/video-decoder.ts';
import type { EncodedFrame } from '../src/ingest/frame-assembler.ts';
import { encodeYuv420 } from '../src/testing/h264.ts';
import { testPicture } from '../src/testing/vp8.ts';

type Codec = 'VP8' | 'H264';

function noisePicture(width: number, height: number, seed: number): Buffer {
  const buf = Buffer.alloc((width * height * 3) / 2);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

function encode(
  codec: Codec,
  pictures: Buffer[],
  width: number,
  height: number,
  options: { bitrate: number; gop: number; extra?: Record<string, string> },
): Promise<Uint8Array[]> {
  const base: Record<string, string> =
    codec === 'VP8'
      ? { deadline: 'realtime', 'cpu-used': '8', 'lag-in-frames': '0' }
      : { preset: 'ultrafast', tune: 'zerolatency' };
  return encodeYuv420(codec === 'VP8' ? 'libvpx' : 'libx264', pictures, width, height, {
    bitrate: options.bitrate,
    gop: options.gop,
    options: { ...base, ...options.extra },
  });
}

const asFrame = (data: Uint8Array): EncodedFrame => ({
  data,
  keyframe: true,
  rtpTimestamp: 0,
  lastPacketArrivalMs: 0,
  packets: 1,
});
const ms = (v: number) => v.toFixed(1).padStart(6);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** FFmpeg on the calling thread: each frame decoded by a fresh decoder (keyframe first), `rounds` times. */
function syncTimes(codec: Codec, frames: Uint8Array[], rounds: number): number[] {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const decoder = new VideoDecoder({ codec, sync: true, onPicture: () => {} });
    for (const data of frames) {
      const t0 = performance.now();
      decoder.push({ ...asFrame(data), keyframe: false });
      times.push(performance.now() - t0);
    }
    decoder.dispose();
  }
  return times;
}

/** The engine's decoder ('auto'): longest event-loop stall (1 ms timer) while it decodes the frames. */
async function loopStall(
  codec: Codec,
  frames: Uint8Array[],
  rounds: number,
): Promise<{ stallMs: number; offloaded: number }> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let decoded = 0;
  let offloaded = 0;
  const settle = () => new Promise((r) => setTimeout(r, 20));
  loop.enable();
  await settle();
  for (let r = 0; r < rounds; r++) {
    const decoder = new VideoDecoder({ codec, maxQueued: 1000, onPicture: () => decoded++ });
    const target = decoded + frames.length;
    for (const data of frames) decoder.push(asFrame(data));
    while (decoded < target && decoder.stats().errors === 0) await new Promise((r) => setTimeout(r, 1));
    offloaded += decoder.stats().offloaded;
    decoder.dispose();
  }
  await settle();
  loop.disable();
  return { stallMs: loop.max / 1e6, offloaded };
}

async function row(label: string, codec: Codec, frames: Uint8Array[], rounds = 3): Promise<void> {
  const sizes = frames.map((f) => f.length);
  const times = syncTimes(codec, frames, rounds);
  const { stallMs, offloaded } = await loopStall(codec, frames, rounds);
  console.log(
    `  ${label.padEnd(44)} ${String(Math.max(...sizes)).padStart(8)} B   on-thread median ${ms(median(times))} max ${ms(Math.max(...times))} ms   engine decoder: loop stall max ${ms(stallMs)} ms (${offloaded}/${frames.length * rounds} offloaded)`,
  );
}

export async function decodeBench(): Promise<void> {
  const { maxWidth: W, maxHeight: H, syncMaxBytes } = DEFAULT_DECODE_LIMITS;
  console.log(
    `\n3. Decode at the size cap (${W}x${H}; on the event loop only streams ≤640x480 and frames ≤${syncMaxBytes} B)`,
  );
  const gradient = Array.from({ length: 3 }, (_, i) => testPicture(W, H, i));
  const noise = Array.from({ length: 2 }, (_, i) => noisePicture(W, H, i + 1));
  const small = Array.from({ length: 3 }, (_, i) => noisePicture(640, 480, i + 1));
  const smallGradient = Array.from({ length: 30 }, (_, i) => testPicture(640, 480, i));
  await row(
    'VP8 640x480 stream, 1.2 Mbps (30 frames)',
    'VP8',
    await encode('VP8', smallGradient, 640, 480, { bitrate: 1_200_000, gop: 30 }),
  );
  // The densest frames still decoded on the loop: a band of noise at quantizer 0, as tall as fits syncMaxBytes.
  for (const rows of [240, 160, 120, 80, 60, 40, 30, 20]) {
    const banded = small.map((p) => {
      const b = Buffer.from(testPicture(640, 480, 0));
      p.copy(b, 0, 0, rows * 640);
      return b;
    });
    const frames = await encode('VP8', banded, 640, 480, {
      bitrate: 20_000_000,
      gop: 1,
      extra: { qmin: '0', qmax: '0' },
    });
    if (Math.max(...frames.map((f) => f.length)) > syncMaxBytes) continue;
    await row(`VP8 640x480 keyframes, ${rows} rows of noise at q0`, 'VP8', frames);
    break;
  }
  await row(
    'VP8 1080p keyframes, 2.5 Mbps',
    'VP8',
    await encode('VP8', gradient, W, H, { bitrate: 2_500_000, gop: 1 }),
  );
  await row(
    'VP8 1080p noise keyframes, q0 (worst case)',
    'VP8',
    await encode('VP8', noise, W, H, { bitrate: 50_000_000, gop: 1, extra: { qmin: '0', qmax: '0' } }),
    2,
  );
  await row(
    'H.264 1080p IDR, 2.5 Mbps',
    'H264',
    await encode('H264', gradient, W, H, { bitrate: 2_500_000, gop: 1 }),
  );
  await row(
    'H.264 1080p noise IDR, qp 1 (worst case)',
    'H264',
    await encode('H264', noise, W, H, { bitrate: 50_000_000, gop: 1, extra: { qp: '1' } }),
    2,
  );

  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  for (let i = 0; i < 200; i++) await new Promise((r) => setTimeout(r, 1));
  idle.disable();
  console.log(
    `  (baseline: loop stall max ${ms(idle.max / 1e6)} ms over 200 idle 1 ms timers — the machine's own noise)`,
  );

  const crafted = craftedVp8Keyframe(16000, 8000, 214_000);
  const decoder = new VideoDecoder({ codec: 'VP8', onPicture: () => {} });
  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    decoder.push(asFrame(crafted));
    times.push(performance.now() - t0);
  }
  console.log(
    `  crafted 16000x8000 VP8 keyframe (214 KB): refused in median ${(median(times) * 1000).toFixed(1)} µs, max ${(Math.max(...times) * 1000).toFixed(0)} µs (${decoder.stats().refused}/200 refused, ${decoder.stats().decoded} decoded)`,
  );
  decoder.dispose();
}

if (import.meta.main) await decodeBench();
