import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from 'node-av';
import { RgbConverter } from '../convert/rgb-converter.ts';
import { type EncodedFrame, FrameAssembler } from '../ingest/frame-assembler.ts';
import { H264PayloadReader, Vp8PayloadReader } from '../ingest/payload.ts';
import { encodeH264, packetizeH264 } from '../testing/h264.ts';
import { encodeVp8, packetizeVp8, testPicture } from '../testing/vp8.ts';
import { VideoDecoder } from './video-decoder.ts';

const W = 320;
const H = 240;

/** PSNR of the decoded luma against the source picture's luma. */
function lumaPsnr(picture: Frame, source: Buffer): number {
  const [y] = picture.data!;
  const stride = picture.linesize[0]!;
  let se = 0;
  for (let row = 0; row < H; row++) {
    for (let x = 0; x < W; x++) {
      const d = y![row * stride + x]! - source[row * W + x]!;
      se += d * d;
    }
  }
  const mse = se / (W * H);
  return 10 * Math.log10((255 * 255) / Math.max(mse, 1e-9));
}

async function encodedClip(count: number, gop = 30) {
  const pictures = Array.from({ length: count }, (_, i) => testPicture(W, H, i));
  return { pictures, frames: await encodeVp8(pictures, { width: W, height: H, gop }) };
}

/** RTP round trip: packetize real VP8, assemble it back. */
function viaRtp(frames: { data: Uint8Array }[]): EncodedFrame[] {
  const assembler = new FrameAssembler({ reader: new Vp8PayloadReader() });
  let seq = 60000;
  const out: EncodedFrame[] = [];
  frames.forEach((frame, i) => {
    const packets = packetizeVp8(frame.data, seq, i * 3000, 300);
    seq += packets.length;
    for (const p of packets) out.push(...assembler.push({ ...p, arrivalMs: performance.now() }));
  });
  return out;
}

test('real VP8 → RTP → assembler → decoder gives back the source pictures (PSNR > 30 dB)', async () => {
  const { pictures, frames } = await encodedClip(20);
  const assembled = viaRtp(frames);
  assert.equal(assembled.length, frames.length);
  const psnrs: number[] = [];
  let index = 0;
  const decoder = new VideoDecoder({
    codec: 'VP8',
    onPicture: (picture) => {
      assert.equal(picture.width, W);
      psnrs.push(lumaPsnr(picture, pictures[index++]!));
    },
  });
  for (const frame of assembled) decoder.push(frame);
  decoder.dispose();
  assert.equal(psnrs.length, 20);
  assert.ok(Math.min(...psnrs) > 30, `min PSNR ${Math.min(...psnrs).toFixed(1)} dB`);
});

test('async decoding gives the same pictures in order; a burst beyond maxQueued drops to the next keyframe', async () => {
  const { pictures, frames } = await encodedClip(10);
  const psnrs: number[] = [];
  let index = 0;
  let requests = 0;
  const decoder = new VideoDecoder({
    codec: 'VP8',
    sync: false,
    maxQueued: 4,
    onPicture: (p) => psnrs.push(lumaPsnr(p, pictures[index++]!)),
    onKeyframeNeeded: () => requests++,
  });
  const assembled = viaRtp(frames);
  const deadline = performance.now() + 10_000;
  let fed = 0;
  for (const frame of assembled) {
    decoder.push(frame);
    fed++;
    while (psnrs.length < fed && performance.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }
  assert.equal(psnrs.length, 10);
  assert.ok(Math.min(...psnrs) > 30);
  // A burst of 8 frames at once: the decoder cannot keep up and must not queue without bound.
  for (const frame of assembled.slice(1, 9)) decoder.push(frame);
  assert.ok(decoder.stats().dropped >= 4, `dropped ${decoder.stats().dropped}`);
  assert.ok(requests >= 1);
  decoder.dispose();
});

test('frames before the first keyframe are dropped with a keyframe request', async () => {
  const { frames } = await encodedClip(5);
  let requests = 0;
  let decoded = 0;
  const decoder = new VideoDecoder({
    codec: 'VP8',
    onPicture: () => decoded++,
    onKeyframeNeeded: () => requests++,
  });
  const assembled = viaRtp(frames);
  for (const frame of assembled.slice(1)) decoder.push(frame);
  assert.equal(decoded, 0);
  assert.equal(decoder.stats().dropped, 4);
  assert.ok(requests >= 1);
  decoder.push(assembled[0]!);
  assert.equal(decoded, 1, 'decoding starts at the keyframe');
  decoder.dispose();
});

test('a corrupt frame does not crash the decoder; it is counted or decoded, and decoding continues', async () => {
  const { frames } = await encodedClip(6);
  const assembled = viaRtp(frames);
  let decoded = 0;
  let requests = 0;
  const decoder = new VideoDecoder({
    codec: 'VP8',
    onPicture: () => decoded++,
    onKeyframeNeeded: () => requests++,
  });
  decoder.push(assembled[0]!);
  const garbage = { ...assembled[1]!, data: Uint8Array.from({ length: 500 }, (_, i) => (i * 7919) & 0xff) };
  decoder.push(garbage);
  decoder.push({ ...assembled[2]!, data: new Uint8Array(1) });
  decoder.push(assembled[0]!); // a keyframe again
  assert.ok(
    decoder.stats().errors + decoder.stats().refused >= 1,
    'garbage refused from its header or by FFmpeg',
  );
  assert.ok(requests >= 1, 'keyframe requested after the corrupt frame');
  assert.ok(decoded >= 2, 'decoding resumed at the keyframe');
  decoder.dispose();
});

test('decoded pictures convert to RGB at the tracker size', async () => {
  const { frames } = await encodedClip(2);
  const converter = new RgbConverter({ maxWidth: 160 });
  const images: { width: number; height: number; length: number }[] = [];
  const decoder = new VideoDecoder({
    codec: 'VP8',
    onPicture: (p) => {
      const image = converter.convert(p);
      images.push({ width: image.width, height: image.height, length: image.data.length });
    },
  });
  for (const frame of viaRtp(frames)) decoder.push(frame);
  decoder.dispose();
  converter.dispose();
  assert.deepEqual(images[0], { width: 160, height: 120, length: 160 * 120 * 3 });
});

test('real H.264 (libx264) → RTP (single NAL + FU-A) → assembler → decoder gives back the pictures', async () => {
  const pictures = Array.from({ length: 12 }, (_, i) => testPicture(W, H, i));
  const units = await encodeH264(pictures, W, H);
  const assembler = new FrameAssembler({ reader: new H264PayloadReader() });
  const assembled: EncodedFrame[] = [];
  let seq = 65500;
  units.forEach((au, i) => {
    const packets = packetizeH264(au, seq, i * 3000, 500);
    seq += packets.length;
    for (const p of packets) assembled.push(...assembler.push({ ...p, arrivalMs: 0 }));
  });
  assert.equal(assembled.length, units.length);
  assert.equal(assembled[0]!.keyframe, true, 'the first access unit (SPS/PPS/IDR) starts a keyframe');
  const psnrs: number[] = [];
  let index = 0;
  const decoder = new VideoDecoder({
    codec: 'H264',
    onPicture: (p) => psnrs.push(lumaPsnr(p, pictures[index++]!)),
  });
  for (const frame of assembled) decoder.push(frame);
  decoder.dispose();
  assert.equal(decoder.stats().errors, 0);
  assert.equal(psnrs.length, 12, 'no frame held back by the decoder');
  assert.ok(Math.min(...psnrs) > 30, `min PSNR ${Math.min(...psnrs).toFixed(1)} dB`);
});
