import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Decoder, Demuxer, Encoder, FilterAPI, Muxer } from 'node-av/api';
import {
  FF_ENCODER_LIBVPX_VP8,
  FF_ENCODER_LIBX264,
  FF_ENCODER_MPEG4,
  FF_ENCODER_WRAPPED_AVFRAME,
} from 'node-av/constants';
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

/** Re-encodes the first `count` frames of a clip at 30 fps into `out` (format from its extension). */
async function encodeClip(
  source: string,
  out: string,
  codec: Parameters<typeof Encoder.create>[0],
  count: number,
) {
  await using input = await Demuxer.open(source, { options: { framerate: '30' } });
  const stream = input.video()!;
  using decoder = await Decoder.create(stream);
  using filter = FilterAPI.create('format=yuv420p');
  using encoder = await Encoder.create(codec, { decoder });
  await using output = await Muxer.open(out);
  const index = output.addStream(encoder);
  async function* firstPackets() {
    let n = 0;
    for await (const packet of input.packets(stream.index)) {
      if (n++ >= count) break;
      yield packet;
    }
    yield null;
  }
  for await (using packet of encoder.packets(filter.frames(decoder.frames(firstPackets())))) {
    if (packet) await output.writePacket(packet, index);
  }
}

test('webm (VP8), mp4 (H.264), mkv (MPEG-4) and y4m decode with the container timing', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  const clip = `${dir}/clips/open-hand-4-strokes.mjpeg`;
  const source = await collect(readVideoFrames(clip, { maxFrames: 10 }));
  const work = await mkdtemp(join(tmpdir(), 'hand-video-'));
  try {
    const formats = [
      ['webm', FF_ENCODER_LIBVPX_VP8],
      ['mp4', FF_ENCODER_LIBX264],
      ['mkv', FF_ENCODER_MPEG4],
      ['y4m', FF_ENCODER_WRAPPED_AVFRAME],
    ] as const;
    for (const [extension, codec] of formats) {
      const file = join(work, `clip.${extension}`);
      await encodeClip(clip, file, codec, 10);
      const frames = await collect(readVideoFrames(file));
      assert.equal(frames.length, 10, extension);
      assert.deepEqual(
        frames.slice(0, 4).map((f) => Math.round(f.t)),
        [0, 33, 67, 100],
        `${extension} timing`,
      );
      // Same picture as the source, give or take the codec's loss.
      const a = frames[5]!.image.data;
      const b = source[5]!.image.data;
      let difference = 0;
      for (let i = 0; i < a.length; i += 7) difference += Math.abs(a[i]! - b[i]!);
      const mean = difference / Math.ceil(a.length / 7);
      t.diagnostic(`${extension}: mean difference ${mean.toFixed(2)} per byte`);
      assert.ok(mean < 12, `${extension}: mean difference ${mean.toFixed(1)} per byte`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
