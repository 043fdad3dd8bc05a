import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hand, Landmark } from '../frame.ts';
import { centroid, KNUCKLES, palmCenter } from './geometry.ts';
import { LandmarkHistory, velocity } from './history.ts';
import { HandIdentity } from './identity.ts';
import { OneEuroFilter } from './one-euro.ts';
import { StrokeDetector } from './stroke.ts';

function hand(x: number, y: number, handedness: 'Left' | 'Right' = 'Right', id?: number): Hand {
  const landmarks: Landmark[] = Array.from({ length: 21 }, (_, i) => ({
    x: x + (i % 5) * 0.01,
    y: y - i * 0.005,
    z: 0,
  }));
  return { handedness, score: 0.9, landmarks, ...(id === undefined ? {} : { id }) };
}

test('centroid averages the chosen landmarks; bad landmarks give undefined', () => {
  const h = hand(0.5, 0.5);
  const c = centroid(h, [0, 5])!;
  assert.ok(Math.abs(c.x - (h.landmarks[0]!.x + h.landmarks[5]!.x) / 2) < 1e-12);
  assert.ok(palmCenter(h));
  assert.equal(centroid({ ...h, landmarks: [] }, KNUCKLES), undefined);
});

test('LandmarkHistory velocity is units per second over the span', () => {
  const history = new LandmarkHistory();
  assert.equal(history.velocity(), undefined);
  for (let i = 0; i <= 10; i++) history.push(i * 33, { x: 0.1, y: 0.2 + i * 0.033 });
  const v = history.velocity(66)!;
  assert.ok(Math.abs(v.y - 1) < 1e-9, `vy ${v.y}`);
  assert.ok(Math.abs(v.x) < 1e-9);
  assert.deepEqual(history.range('x'), { min: 0.1, max: 0.1 });
  history.push(0, { x: 0, y: 0 }); // time went backwards
  assert.equal(history.length, 1);
});

test('LandmarkHistory drops samples outside its window', () => {
  const history = new LandmarkHistory({ windowMs: 100 });
  for (let i = 0; i < 20; i++) history.push(i * 33, { x: 0, y: i });
  assert.ok(history.length <= 5);
  assert.equal(history.latest()!.y, 19);
});

test('velocity() works on plain samples', () => {
  assert.equal(velocity([{ t: 0, x: 0, y: 0, z: 0 }]), undefined);
  assert.deepEqual(
    velocity([
      { t: 0, x: 0, y: 0, z: 0 },
      { t: 500, x: 1, y: -1, z: 0.5 },
    ]),
    { x: 2, y: -2, z: 1 },
  );
});

test('HandIdentity keeps ids while hands move, even when they swap order', () => {
  const identity = new HandIdentity();
  const a = identity.assign({
    t: 0,
    width: 640,
    height: 480,
    hands: [hand(0.2, 0.5, 'Left'), hand(0.8, 0.5)],
  });
  assert.deepEqual(
    a.map((h) => h.id),
    [1, 2],
  );
  const b = identity.assign({
    t: 33,
    width: 640,
    height: 480,
    hands: [hand(0.78, 0.52), hand(0.22, 0.48, 'Left')],
  });
  assert.deepEqual(
    b.map((h) => h.id),
    [2, 1],
  );
  // A hand far away is a new hand.
  const c = identity.assign({
    t: 66,
    width: 640,
    height: 480,
    hands: [hand(0.22, 0.48, 'Left'), hand(0.5, 0.1)],
  });
  assert.deepEqual(
    c.map((h) => h.id),
    [1, 3],
  );
});

test('HandIdentity forgets hands after maxGapMs and keeps tracker ids', () => {
  const identity = new HandIdentity({ maxGapMs: 100 });
  identity.assign({ t: 0, width: 1, height: 1, hands: [hand(0.5, 0.5)] });
  identity.assign({ t: 50, width: 1, height: 1, hands: [] });
  assert.equal(identity.assign({ t: 90, width: 1, height: 1, hands: [hand(0.5, 0.5)] })[0]!.id, 1);
  assert.equal(identity.assign({ t: 400, width: 1, height: 1, hands: [hand(0.5, 0.5)] })[0]!.id, 2);
  const given = identity.assign({ t: 433, width: 1, height: 1, hands: [hand(0.5, 0.5, 'Right', 7)] });
  assert.equal(given[0]!.id, 7);
});

test('OneEuroFilter smooths jitter at rest and follows a fast move', () => {
  const filter = new OneEuroFilter({ minCutoff: 1, beta: 0.5 });
  let maxDeviation = 0;
  for (let i = 0; i < 60; i++) {
    const out = filter.filter(i * 33, 0.5 + (i % 2 ? 0.01 : -0.01));
    if (i > 10) maxDeviation = Math.max(maxDeviation, Math.abs(out - 0.5));
  }
  assert.ok(maxDeviation < 0.005, `jitter left ${maxDeviation}`);
  let out = 0;
  for (let i = 60; i < 70; i++) out = filter.filter(i * 33, 0.9);
  assert.ok(out > 0.85, `lagging at ${out}`);
});

/** Feeds `positions` at 30 fps (with optional start time) and returns the strokes' times. */
function strokes(detector: StrokeDetector, positions: number[], t0 = 0): number[] {
  const fired: number[] = [];
  positions.forEach((p, i) => {
    const stroke = detector.update(t0 + i * 33.3, p);
    if (stroke) fired.push(i);
  });
  return fired;
}

test('StrokeDetector fires once per down-stroke, early in the stroke', () => {
  const detector = new StrokeDetector();
  const rest = Array(10).fill(0.3);
  const down = [0.3, 0.38, 0.46, 0.54, 0.6, 0.64, 0.65];
  const up = Array.from({ length: 12 }, (_, i) => 0.65 - (i + 1) * (0.35 / 12));
  const fired = strokes(detector, [...rest, ...down, ...Array(5).fill(0.65), ...up, ...rest, ...down]);
  assert.equal(fired.length, 2);
  assert.ok(fired[0]! >= 11 && fired[0]! <= 13, `fired at frame ${fired[0]}`);
});

test('StrokeDetector ignores stillness, jitter and slow drift', () => {
  const detector = new StrokeDetector();
  const jitter = Array.from({ length: 90 }, (_, i) => 0.5 + Math.sin(i * 2.1) * 0.006);
  const drift = Array.from({ length: 30 }, (_, i) => 0.5 + i * 0.005); // 0.05 per 10 frames
  assert.deepEqual(strokes(detector, [...jitter, ...drift]), []);
});

test('StrokeDetector: jitter during one stroke does not double-fire', () => {
  const detector = new StrokeDetector();
  const stroke = [0.3, 0.3, 0.3, 0.3, 0.38, 0.46, 0.45, 0.55, 0.62, 0.61, 0.66, 0.66, 0.66];
  assert.equal(strokes(detector, stroke).length, 1);
});

test('StrokeDetector: a hand appearing mid-motion, a tracking jump or a gap does not fire', () => {
  const detector = new StrokeDetector();
  assert.deepEqual(strokes(detector, [0.5, 0.6]), [], 'needs warm-up');
  detector.reset();
  assert.deepEqual(
    strokes(detector, [0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8]),
    [],
    'a 0.6 jump in one frame is a glitch',
  );
  const late = new StrokeDetector();
  late.update(0, 0.2);
  late.update(33, 0.2);
  late.update(66, 0.2);
  assert.equal(late.update(1000, 0.5), undefined, 'after a gap it warms up again');
});

test('StrokeDetector: a hand back where it rested after a tracker stall strokes at once; one back elsewhere warms up', () => {
  // At rest, 280 ms unseen (a stalled tracker), seen once still, then a stroke.
  const rest = Array(15).fill(0.35);
  const down = [0.35, 0.42, 0.5, 0.58, 0.66, 0.7, 0.7, 0.7, 0.7];
  const resumed = new StrokeDetector();
  strokes(resumed, rest);
  assert.equal(strokes(resumed, down, 14 * 33.3 + 280).length, 1, 'back where it rested: the stroke counts');
  // The same gap, but the hand comes back 0.2 away (more than 0.1 hand sizes): a new warm-up,
  // so the stroke right after it does not count.
  const moved = new StrokeDetector();
  strokes(moved, rest);
  const elsewhere = down.map((y) => y + 0.2);
  assert.deepEqual(strokes(moved, elsewhere, 14 * 33.3 + 280), [], 'back elsewhere: warms up again');
});

test('StrokeDetector strength grows with speed', () => {
  const fast = new StrokeDetector();
  const slowDetector = new StrokeDetector();
  let slowStroke: number | undefined;
  let fastStroke: number | undefined;
  for (let i = 0; i < 20; i++) {
    const t = i * 33.3;
    const s = slowDetector.update(t, 0.2 + Math.max(0, i - 4) * 0.05);
    const f = fast.update(t, 0.2 + Math.max(0, i - 4) * 0.1);
    slowStroke ??= s?.strength;
    fastStroke ??= f?.strength;
  }
  assert.ok(slowStroke !== undefined && fastStroke !== undefined);
  assert.ok(fastStroke > slowStroke, `${fastStroke} > ${slowStroke}`);
});

test('StrokeDetector: fast small taps keep firing (their brief turns are not taken for jitter)', () => {
  const detector = new StrokeDetector();
  // 0.45 hand sizes deep (defaultScale 0.1), a stroke every 7 frames: down 2, up 3, top 2.
  const tap = [0.3, 0.33, 0.345, 0.325, 0.31, 0.302, 0.3];
  const positions = [...Array(10).fill(0.3), ...Array.from({ length: 30 }, () => tap).flat()];
  assert.ok(strokes(detector, positions).length >= 27, 'at least 27 of 30 taps');
});
