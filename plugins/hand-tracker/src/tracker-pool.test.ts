import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fixturesDir, MISSING_FIXTURES } from './testing/fixtures.ts';
import { HandTrackerPool } from './tracker-pool.ts';
import type { RgbImage } from './types.ts';
import { readVideoFrames } from './video-file.ts';

const dir = fixturesDir();
const blank: RgbImage = { data: new Uint8Array(160 * 120 * 3), width: 160, height: 120 };

let pool: HandTrackerPool;
before(async () => {
  pool = await HandTrackerPool.create({ model: 'lite', maxHands: 2, workers: 2 });
});
after(() => pool.dispose());

test('streams share the workers but not their state: each follows its own hands', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  const withHand = pool.tracker();
  const empty = pool.tracker();
  const ids = new Set<number>();
  let frames = 0;
  for await (const { t: time, image } of readVideoFrames(`${dir}/clips/open-hand-4-strokes.mjpeg`, {
    fps: 30,
  })) {
    if (frames++ >= 30) break;
    const [a, b] = await Promise.all([withHand.track(image, time), empty.track(blank, time)]);
    assert.equal(a?.frame.hands.length, 1, `frame ${time}: the hand is followed`);
    assert.equal(b?.frame.hands.length, 0, `frame ${time}: the other stream sees no hand`);
    ids.add(a.frame.hands[0]!.id);
  }
  assert.equal(ids.size, 1, 'one id for the hand throughout');
  assert.ok(withHand.stats.searches > 0, 'searches for a second hand ran between frames');
  assert.equal(pool.stats.streams, 2);
  await withHand.dispose();
  await empty.dispose();
  assert.equal(pool.stats.streams, 0);
});

test('per stream, frames wait their turn in order; every stream gets its newest frame tracked', async () => {
  const streams = [pool.tracker(), pool.tracker(), pool.tracker()];
  const results = await Promise.all(
    streams.flatMap((stream, s) => Array.from({ length: 4 }, (_, i) => stream.track(blank, 10 * s + i))),
  );
  for (const [s, stream] of streams.entries()) {
    const mine = results.slice(4 * s, 4 * s + 4).map((r) => r?.frame.t);
    // The first frame went to a worker (or waited), the newest always runs; the ones between
    // waited in the stream's backlog (or were dropped, were its runs slow), in order.
    assert.equal(mine.at(-1), 10 * s + 3, `stream ${s}: its newest frame was tracked`);
    assert.equal(stream.stats.tracked + stream.stats.dropped, 4);
    const tracked = mine.filter((t) => t !== undefined);
    assert.deepEqual(
      tracked,
      [...tracked].sort((a, b) => a - b),
      `stream ${s}: tracked in order`,
    );
  }
  await Promise.all(streams.map((s) => s.dispose()));
});

test('a crashed worker is replaced; its frame completes or fails, and the streams go on', async () => {
  const stream = pool.tracker();
  const other = pool.tracker();
  // The crash may land before or after the frame's inference: either way the frame settles.
  const large: RgbImage = { data: new Uint8Array(1920 * 1080 * 3), width: 1920, height: 1080 };
  const running = stream.track(large, 0).then(
    (result) => result?.frame.t,
    (error: Error) => error.message,
  );
  pool._crashWorkers();
  const outcome = await running;
  assert.ok(outcome === 0 || /worker exited/.test(String(outcome)), `frame outcome: ${outcome}`);
  const back = () => pool.stats.workers === 2 && pool.stats.restarts === 2;
  for (let i = 0; i < 100 && !back(); i++) await delay(100);
  assert.deepEqual(pool.stats, { workers: 2, busyWorkers: 0, streams: 2, restarts: 2 });
  assert.deepEqual((await stream.track(blank, 1))?.frame.hands, []);
  assert.deepEqual((await other.track(blank, 2))?.frame.hands, []);
  await stream.dispose();
  await other.dispose();
});

test('a stream disposed with frames in flight rejects them; other streams keep working', async () => {
  const leaving = pool.tracker();
  const staying = pool.tracker();
  const inFlight = assert.rejects(leaving.track(blank, 0), /disposed/);
  await leaving.dispose();
  await inFlight;
  await assert.rejects(leaving.track(blank, 1), /disposed/);
  assert.equal((await staying.track(blank, 2))?.frame.t, 2);
  await staying.dispose();
});

test('bad pool options are clear errors', async () => {
  await assert.rejects(HandTrackerPool.create({ workers: 0 }), /workers must be an integer from 1 to 64/);
  await assert.rejects(HandTrackerPool.create({ niceness: 40 }), /niceness must be an integer from 0 to 19/);
  await assert.rejects(HandTrackerPool.create({ maxHands: 0, workers: 1 }), /maxHands/);
  await assert.rejects(
    HandTrackerPool.create({ backlog: { maxFrames: 0 } }),
    /maxFrames must be an integer ≥ 1/,
  );
});
