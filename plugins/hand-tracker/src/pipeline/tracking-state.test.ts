import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Palm, roiFromPalm } from './geometry.ts';
import { addPalms, INITIAL_TRACKING_STATE, LOST_HAND_KEEP_MS, type TrackingState } from './hand-pipeline.ts';

/** An upright palm of `size` pixels centred on (cx, cy): wrist below, middle finger base above. */
function palm(cx: number, cy: number, size = 120): Palm {
  const keypoints = Array.from({ length: 7 }, () => ({ x: cx, y: cy }));
  keypoints[0] = { x: cx, y: cy + size / 2 };
  keypoints[2] = { x: cx, y: cy - size / 2 };
  return { score: 0.9, xmin: cx - size / 2, ymin: cy - size / 2, width: size, height: size, keypoints };
}

/** A 640×480 stream at frame time `t` that lost hand 3 at `lostAt`, its last ROI `dy` pixels below `found`. */
function stateWithLostHand(t: number, lostAt: number, found: Palm, dy: number): TrackingState {
  const roi = roiFromPalm(found);
  return {
    ...INITIAL_TRACKING_STATE,
    width: 640,
    height: 480,
    t,
    nextId: 5,
    lost: [{ id: 3, roi: { ...roi, cy: roi.cy - dy }, t: lostAt }],
  };
}

/** The ids of the hands a state follows, in order. */
const ids = (state: TrackingState) => state.hands.map((hand) => hand.id);

test('a hand lost a moment ago and found again nearby keeps its id (a fast stroke on a starved machine)', () => {
  const found = palm(320, 380);
  // Lost 200 ms ago, 120 px higher up (the hand came down fast while frames were dropped).
  const state = addPalms(stateWithLostHand(1200, 1000, found, 120), [found], 2);
  assert.deepEqual(ids(state), [3]);
  assert.deepEqual(state.lost, [], 'the lost hand is claimed once');
  assert.equal(state.nextId, 5);
});

test('a palm far from the lost hand, or found too long after, is a new hand', () => {
  const found = palm(320, 380);
  const far = addPalms(stateWithLostHand(1200, 1000, found, 400), [found], 2);
  assert.deepEqual(ids(far), [5]);
  const late = addPalms(stateWithLostHand(1000 + LOST_HAND_KEEP_MS + 1, 1000, found, 60), [found], 2);
  assert.deepEqual(ids(late), [5]);
  assert.deepEqual(late.lost, [], 'a hand lost too long ago is forgotten');
});

test('two palms near one lost hand: the nearer takes its id, the other is new', () => {
  const near = palm(320, 380);
  const farther = palm(520, 380);
  const state = addPalms(stateWithLostHand(1100, 1000, near, 40), [farther, near], 2);
  assert.deepEqual(ids(state), [5, 3]);
});
