import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HandTracker, type TrackResult } from './hand-tracker.ts';
import { fixturesDir, MISSING_FIXTURES } from './testing/fixtures.ts';
import type { RgbImage } from './types.ts';
import { readVideoFrames } from './video-file.ts';

const dir = fixturesDir();
const CLIP = 'clips/open-hand-4-strokes.mjpeg';

let tracker: HandTracker;
before(async () => {
  tracker = await HandTracker.create({ model: 'full', maxHands: 2 });
});
after(() => tracker.dispose());

test('follows the hand through the clip: four fast down-strokes, one id throughout', async (t) => {
  if (!dir) return t.skip(MISSING_FIXTURES);
  tracker.reset();
  const wrist: { t: number; y: number }[] = [];
  const ids = new Set<number>();
  for await (const { t: time, image } of readVideoFrames(`${dir}/${CLIP}`, { fps: 30 })) {
    const result = await tracker.track(image, time);
    assert.ok(result, 'awaiting each frame never drops one');
    assert.equal(result.frame.t, time);
    assert.equal(result.frame.hands.length, 1, `frame at ${time} ms has ${result.frame.hands.length} hands`);
    const hand = result.frame.hands[0]!;
    ids.add(hand.id);
    wrist.push({ t: time, y: hand.landmarks[0]!.y });
  }
  assert.equal(wrist.length, 120);
  assert.equal(ids.size, 1, 'the same hand keeps its id');
  // Each second: rests high until 0.1 s, down ~35% of the frame by 0.25 s, rests low until 0.5 s.
  for (let k = 0; k < 4; k++) {
    const at = (from: number, to: number) =>
      wrist.filter((w) => w.t >= 1000 * k + from && w.t < 1000 * k + to).map((w) => w.y);
    const high = Math.max(...at(0, 100));
    const low = Math.min(...at(270, 500));
    assert.ok(low - high > 0.25, `stroke ${k}: wrist went from ${high.toFixed(3)} to ${low.toFixed(3)}`);
    // The stroke happens in the 0.1–0.25 s window, not later.
    const reached = wrist.find((w) => w.t >= 1000 * k && w.y >= high + 0.9 * (low - high))!;
    assert.ok(
      reached.t - 1000 * k >= 100 && reached.t - 1000 * k <= 300,
      `stroke ${k} bottomed out at ${reached.t} ms`,
    );
  }
  assert.deepEqual(tracker.stats.dropped, 0);
});

test('while a frame is in flight the frames given meanwhile wait, up to the backlog, oldest first', async () => {
  const blank: RgbImage = { data: new Uint8Array(160 * 120 * 3), width: 160, height: 120 };
  const latestWins = await HandTracker.create({ model: 'full', backlog: { maxFrames: 1 } });
  const catchingUp = await HandTracker.create({ model: 'full', backlog: { maxFrames: 3, budgetMs: 10_000 } });
  try {
    const replaced = await Promise.all(Array.from({ length: 6 }, (_, i) => latestWins.track(blank, i)));
    assert.deepEqual(
      replaced.map((r: TrackResult | undefined) => r?.frame.t),
      [0, undefined, undefined, undefined, undefined, 5],
    );
    assert.deepEqual(latestWins.stats, {
      tracked: 2,
      dropped: 4,
      failed: 0,
      searches: latestWins.stats.searches,
    });
    // With room for three, the first runs and the three newest of the next five wait their turn.
    const caughtUp = await Promise.all(Array.from({ length: 6 }, (_, i) => catchingUp.track(blank, i)));
    assert.deepEqual(
      caughtUp.map((r: TrackResult | undefined) => r?.frame.t),
      [0, undefined, undefined, 3, 4, 5],
    );
    assert.equal(catchingUp.stats.tracked, 4);
    assert.equal(catchingUp.stats.dropped, 2);
  } finally {
    await Promise.all([latestWins.dispose(), catchingUp.dispose()]);
  }
});

test('the caller may reuse its buffer at once: the tracker works on a copy', async () => {
  const data = new Uint8Array(64 * 48 * 3).fill(200);
  const pending = tracker.track({ data, width: 64, height: 48 }, 1);
  data.fill(0);
  assert.equal(data.byteLength, 64 * 48 * 3, "the caller's buffer is not detached");
  const result = await pending;
  assert.equal(result?.frame.width, 64);
});

test('a Node Buffer (whose slice() is a view) is copied too, never detached', async () => {
  const data = Buffer.alloc(64 * 48 * 3, 200);
  const pending = tracker.track({ data, width: 64, height: 48 }, 2);
  assert.equal(data.byteLength, 64 * 48 * 3, "the caller's Buffer is not detached");
  assert.equal(data[0], 200);
  assert.equal((await pending)?.frame.t, 2);
});

test('bad input rejects clearly and the tracker keeps working', async () => {
  await assert.rejects(tracker.track({ data: new Uint8Array(5), width: 2, height: 2 }, 0), /needs 12/);
  await assert.rejects(
    tracker.track({ data: new Uint8Array(12), width: 2, height: 2 }, Number.NaN),
    /finite/,
  );
  await assert.rejects(
    tracker.track({ data: new Uint8Array(12), width: 2, height: 2 }, 0, { mode: 'x' as 'video' }),
    /mode/,
  );
  const result = await tracker.track({ data: new Uint8Array(12), width: 2, height: 2 }, 7);
  assert.deepEqual(result?.frame, { t: 7, width: 2, height: 2, hands: [] });
});

test('dispose() stops the worker; frames after that reject', async () => {
  const own = await HandTracker.create({ model: 'lite' });
  const image: RgbImage = { data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 };
  const inFlight = assert.rejects(own.track(image, 0), /disposed/);
  const waiting = assert.rejects(own.track(image, 1), /disposed/);
  await own.dispose();
  await inFlight;
  await waiting;
  await assert.rejects(own.track(image, 2), /disposed/);
  await own.dispose(); // twice is fine
});

test("bad options fail create() with the pipeline's message", async () => {
  await assert.rejects(HandTracker.create({ maxHands: 99 }), /maxHands must be an integer from 1 to 8/);
});
