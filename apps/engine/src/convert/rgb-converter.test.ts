import assert from 'node:assert/strict';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { test } from 'node:test';
import { Frame } from 'node-av';
import { AV_PIX_FMT_YUV420P } from 'node-av/constants';
import { VideoDecoder } from '../decode/video-decoder.ts';
import { encodeVp8, testPicture } from '../testing/vp8.ts';
import { RgbConverter } from './rgb-converter.ts';

/** BT.601 limited-range YUV → RGB, the reference the converter must match. */
function reference(y: number, u: number, v: number): [number, number, number] {
  const c = 1.164 * (y - 16);
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  return [
    clamp(c + 1.596 * (v - 128)),
    clamp(c - 0.392 * (u - 128) - 0.813 * (v - 128)),
    clamp(c + 2.017 * (u - 128)),
  ];
}

/** An I420 picture whose four quadrants have four colours. */
function quadrants(width: number, height: number, colours: [number, number, number][]): Frame {
  const buf = Buffer.alloc(width * height + 2 * (width / 2) * (height / 2));
  const cw = width / 2;
  const ch = height / 2;
  const quadrant = (x: number, y: number) => (y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) buf[y * width + x] = colours[quadrant(x, y)]![0];
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const [, u, v] = colours[quadrant(x * 2, y * 2)]!;
      buf[width * height + y * cw + x] = u;
      buf[width * height + cw * ch + y * cw + x] = v;
    }
  }
  return Frame.fromVideoBuffer(buf, { width, height, format: AV_PIX_FMT_YUV420P });
}

test('I420 → RGB matches BT.601 limited range within ±3', () => {
  const colours: [number, number, number][] = [
    [81, 90, 240], // red
    [145, 54, 34], // green
    [41, 240, 110], // blue
    [180, 128, 128], // grey
  ];
  const width = 64;
  const height = 48;
  const picture = quadrants(width, height, colours);
  const converter = new RgbConverter();
  const image = converter.convert(picture);
  assert.equal(image.width, width);
  assert.equal(image.height, height);
  assert.equal(image.data.length, width * height * 3);
  const probes: [number, number, number][] = [
    [8, 8, 0],
    [56, 8, 1],
    [8, 40, 2],
    [56, 40, 3],
  ];
  for (const [x, y, q] of probes) {
    const expected = reference(...colours[q]!);
    const at = (y * width + x) * 3;
    const actual = [image.data[at]!, image.data[at + 1]!, image.data[at + 2]!];
    for (let c = 0; c < 3; c++) {
      assert.ok(
        Math.abs(actual[c]! - expected[c]!) <= 3,
        `quadrant ${q}: got ${actual}, expected ${expected}`,
      );
    }
  }
  picture.free();
  converter.dispose();
});

test('odd widths come out tightly packed; wide pictures are scaled down keeping the aspect', () => {
  const converter = new RgbConverter({ maxWidth: 640 });
  const odd = quadrants(322, 240, [
    [100, 128, 128],
    [100, 128, 128],
    [100, 128, 128],
    [100, 128, 128],
  ]);
  const image = converter.convert(odd);
  assert.equal(image.data.length, 322 * 240 * 3);
  assert.ok(
    Math.abs(image.data[321 * 3]! - image.data[0]!) <= 1,
    'row ends where it should (no stride padding)',
  );
  const wide = quadrants(1280, 720, [
    [100, 128, 128],
    [100, 128, 128],
    [100, 128, 128],
    [100, 128, 128],
  ]);
  const scaled = converter.convert(wide);
  assert.deepEqual([scaled.width, scaled.height], [640, 360]);
  odd.free();
  wide.free();
  converter.dispose();
});

test('convert after dispose is a clear error', () => {
  const converter = new RgbConverter();
  converter.dispose();
  assert.throws(() => converter.convert(new Frame()), /after dispose/);
});

test('decoded frames convert without full garbage collections (no per-frame external buffers)', async () => {
  // Reading a decoded frame's `data` wrapped each frame's planes in new external Buffers, and
  // V8 answered with a mark-compact every ~130 frames at 640x480. Converting frame to frame
  // natively must not cause any.
  const width = 640;
  const height = 480;
  const pictures = Array.from({ length: 30 }, (_, i) => testPicture(width, height, i));
  const encoded = await encodeVp8(pictures, { width, height, gop: 30 });
  const converter = new RgbConverter();
  let sum = 0;
  const decoder = new VideoDecoder({
    codec: 'VP8',
    onPicture: (picture) => {
      const image = converter.convert(picture);
      sum += image.data[(image.width * image.height * 3) >> 1]!;
    },
  });
  const fullGcs: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs.push(entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const rounds = 20; // 600 frames: the old path made ~4 full collections here
  for (let round = 0; round < rounds; round++) {
    for (const frame of encoded) {
      decoder.push({
        data: frame.data,
        keyframe: frame.keyframe,
        rtpTimestamp: 0,
        lastPacketArrivalMs: 0,
        packets: 1,
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  decoder.dispose();
  converter.dispose();
  assert.equal(decoder.stats().decoded, rounds * encoded.length);
  assert.ok(sum > 0);
  assert.ok(
    fullGcs.length <= 1,
    `${fullGcs.length} full GCs while converting ${rounds * encoded.length} frames`,
  );
});
