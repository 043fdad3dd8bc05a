import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fixturesDir } from './fixtures.ts';
import {
  barcodeBits,
  CLIP_HEIGHT,
  CLIP_MARKS,
  CLIP_WIDTH,
  FRAME_MS,
  handOffset,
  landingsOf,
  MOTION_CLIPS,
  motionClip,
  requireFfmpeg,
} from './motion-clips.ts';

const run = promisify(execFile);

test('each stroke reaches its lowest point exactly at its landing time, then rebounds', () => {
  for (const spec of Object.values(MOTION_CLIPS)) {
    const landings = landingsOf(spec);
    assert.equal(
      landings.length,
      spec.hands.reduce((n, h) => n + h.strokes, 0),
    );
    for (const l of landings) {
      const hand = spec.hands[l.hand]!;
      const at = handOffset(hand, l.timeMs);
      assert.ok(Math.abs(at - hand.travel) < 1e-9, `${spec.name}: offset ${at} at landing`);
      assert.ok(handOffset(hand, l.timeMs - 5) < at && handOffset(hand, l.timeMs + 5) < at);
      assert.equal(l.frame, Math.round(l.timeMs / FRAME_MS));
      // Ease-in: faster in the second half of the stroke than in the first.
      const start = l.timeMs - hand.downMs;
      const mid = handOffset(hand, start + hand.downMs / 2);
      assert.ok(hand.travel - mid > mid, `${spec.name}: not accelerating`);
    }
    // Landings of two hands never within 300 ms of each other (every onset belongs to one).
    for (let i = 1; i < landings.length; i++) assert.ok(landings[i]!.timeMs - landings[i - 1]!.timeMs > 300);
  }
});

test('barcode bits carry the frame index with even parity', () => {
  for (const n of [0, 1, 17, 299, 4095]) {
    const bits = barcodeBits(n);
    assert.equal(bits.length, CLIP_MARKS.barcode.bits + 1);
    assert.equal(
      bits.slice(0, -1).reduce((v, b, i) => v | (b << i), 0),
      n,
    );
    assert.equal(
      bits.reduce((a, b) => a ^ b, 0),
      0,
    );
  }
});

test('bad specs are refused with the reason', () => {
  const hand = { ...MOTION_CLIPS.medium!.hands[0]!, downMs: 900, reboundMs: 400 };
  assert.throws(
    () => landingsOf({ name: 'x', durationMs: 20_000, hands: [hand] }),
    /shorter than the period/,
  );
  assert.throws(
    () => landingsOf({ ...MOTION_CLIPS.medium!, durationMs: 1000 }),
    /does not end inside the clip/,
  );
});

test('the encoded clip has the marker on exactly the landing frames and the index in the barcode', {
  timeout: 120_000,
}, async (t) => {
  const fixtures = fixturesDir();
  if (!fixtures) return t.skip('no fixtures (set BAMBAM_FIXTURES)');
  const ffmpeg = requireFfmpeg(t);
  if (!ffmpeg) return;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'motion-clip-test-'));
  try {
    const clip = await motionClip(MOTION_CLIPS['two-hands']!, { fixturesDir: fixtures, cacheDir: dir });
    const again = await motionClip(MOTION_CLIPS['two-hands']!, { fixturesDir: fixtures, cacheDir: dir });
    assert.equal(again.file, clip.file, 'cached by content hash');
    const { stdout } = await run(
      ffmpeg,
      ['-loglevel', 'error', '-f', 'mjpeg', '-i', clip.file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
      { encoding: 'buffer', maxBuffer: 1 << 30 },
    );
    const frameBytes = CLIP_WIDTH * CLIP_HEIGHT * 3;
    assert.equal(stdout.length, clip.frames * frameBytes, 'frame count');
    const pixel = (n: number, x: number, y: number) => {
      const i = n * frameBytes + (y * CLIP_WIDTH + x) * 3;
      return [stdout[i]!, stdout[i + 1]!, stdout[i + 2]!];
    };
    const { barcode } = CLIP_MARKS;
    for (let n = 0; n < clip.frames; n++) {
      CLIP_MARKS.markers.forEach((m, hand) => {
        const [r, g, b] = pixel(n, m.x + m.size / 2, m.y + m.size / 2);
        const marked = r! > 180 && b! > 180 && g! < 90;
        const truth = clip.landings.some((l) => l.hand === hand && l.frame === n);
        assert.equal(marked, truth, `frame ${n} hand ${hand}`);
      });
      let index = 0;
      for (let bit = 0; bit < barcode.bits; bit++) {
        const [r] = pixel(n, barcode.x + (bit + 0.5) * barcode.blockWidth, barcode.y + barcode.height / 2);
        if (r! > 128) index |= 1 << bit;
      }
      assert.equal(index, n, `barcode of frame ${n}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
