import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TapOnset } from './audible-tap.ts';
import { type LandingInstance, motionFigures } from './motion-analysis.ts';

const landing = (stroke: number, at: number): LandingInstance => ({
  hand: 0,
  stroke,
  loop: 0,
  frame: stroke * 30,
  at,
  presented: true,
});
const onset = (audibleAt: number): TapOnset => ({
  audibleAt,
  renderedAt: audibleAt - 35,
  levelDb: -10,
  kind: 'web-audio',
  source: 0,
});
const landings = [1000, 2000, 3000, 4000, 5000].map((at, i) => landing(i, at));
const span = { fromMs: 900, toMs: 5600 };

test('every landing heard once within its window: no extra, offsets in order', () => {
  const f = motionFigures(landings, [1040, 2030, 3020, 4025, 5010].map(onset), span);
  assert.equal(f.matched, 5);
  assert.equal(f.extra, 0);
  assert.deepEqual(f.offsets, [40, 30, 20, 25, 10]);
});

test("a session's first strokes heard late (up to 600 ms) are theirs, reported apart, not extra", () => {
  const f = motionFigures(landings, [1450, 2380, 3020, 4025, 5010].map(onset), span);
  assert.equal(f.extra, 0);
  assert.deepEqual(f.firstOffsets, [450, 380]);
  assert.equal(f.matched, 5);
});

test('a later stroke heard more than 300 ms late is missed, and its sound is extra', () => {
  const f = motionFigures(landings, [1040, 2030, 3400, 4025, 5010].map(onset), span);
  assert.equal(f.matched, 4);
  assert.deepEqual(f.missed, ['0/2@0']);
  assert.deepEqual(f.extraAt, [2500]);
});

test('a second onset of one landing is extra', () => {
  const f = motionFigures(landings, [1040, 2030, 3020, 3100, 4025, 5010].map(onset), span);
  assert.equal(f.matched, 5);
  assert.equal(f.extra, 1);
});
