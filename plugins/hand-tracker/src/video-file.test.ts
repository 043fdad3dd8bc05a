import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fixturesDir, MISSING_FIXTURES } from './testing/fixtures.ts';
import { readVideoFrames, type VideoFrame } from './video-file.ts';

const dir = fixturesDir();

async function collect(frames: AsyncIterable<VideoFrame>) {
  const out: VideoFrame[] = [];
  for await (const frame of frames) out.push(frame);
  return out;
}

test('decodes every frame of the clip as packed RGB with times from the given fps', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  const frames = await collect(readVideoFrames(`${dir}/clips/open-hand-4-strokes.mjpeg`, { fps: 30 }));
  assert.equal(frames.length, 120);
  for (const { image } of frames) {
    assert.equal(image.width, 640);
    assert.equal(image.height, 480);
    assert.equal(image.data.length, 640 * 480 * 3);
  }
  assert.ok(Math.abs(frames[3]!.t - 100) < 1e-9);
  // Real content, not a blank buffer: the photo has many distinct byte values.
  assert.ok(new Set(frames[0]!.image.data.subarray(0, 30000)).size > 50);
});

test('a raw mjpeg has no timestamps: 30 fps unless told otherwise; maxFrames stops early', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  const clip = `${dir}/clips/open-hand-4-strokes.mjpeg`;
  const byDefault = await collect(readVideoFrames(clip, { maxFrames: 3 }));
  assert.deepEqual(
    byDefault.map((f) => Math.round(f.t * 10) / 10),
    [0, 33.3, 66.7],
  );
  const told = await collect(readVideoFrames(clip, { maxFrames: 3, fps: 10 }));
  assert.deepEqual(
    told.map((f) => f.t),
    [0, 100, 200],
  );
});

test('a still image is one frame at its own size', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  const frames = await collect(readVideoFrames(`${dir}/hands/images/pic00074.jpg`));
  assert.equal(frames.length, 1);
  assert.deepEqual([frames[0]!.t, frames[0]!.image.width, frames[0]!.image.height], [0, 800, 600]);
});

test('missing files, non-media files and bad fps are clear errors', async () => {
  await assert.rejects(
    collect(readVideoFrames('/nonexistent/clip.mp4')),
    /cannot read \/nonexistent\/clip.mp4: no such file/,
  );
  const notVideo = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
  await assert.rejects(
    collect(readVideoFrames(notVideo)),
    /cannot open .* as video or image|has no video stream/,
  );
  await assert.rejects(collect(readVideoFrames('/x.mp4', { fps: 0 })), /fps must be/);
});
