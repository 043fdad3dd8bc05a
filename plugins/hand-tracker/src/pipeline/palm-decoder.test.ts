import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePalms, PALM_VALUES, palmAnchors } from './palm-decoder.ts';

const anchors = palmAnchors();
const count = anchors.length / 2;

test('there are 2016 anchors: 24x24 cells x 2 then 12x12 cells x 6', () => {
  assert.equal(count, 2016);
  const f = Math.fround;
  assert.deepEqual([anchors[0], anchors[1]], [f(0.5 / 24), f(0.5 / 24)]);
  assert.deepEqual([anchors[2], anchors[3]], [f(0.5 / 24), f(0.5 / 24)]);
  assert.deepEqual([anchors[4], anchors[5]], [f(1.5 / 24), f(0.5 / 24)]);
  assert.deepEqual([anchors[2 * 1152], anchors[2 * 1152 + 1]], [f(0.5 / 12), f(0.5 / 12)]);
  assert.deepEqual([anchors.at(-2), anchors.at(-1)], [f(11.5 / 12), f(11.5 / 12)]);
});

function rawOutput(hits: { anchor: number; logit: number; dx?: number; size?: number }[]) {
  const boxes = new Float32Array(count * PALM_VALUES);
  const logits = new Float32Array(count).fill(-10);
  for (const { anchor, logit, dx = 0, size = 38.4 } of hits) {
    logits[anchor] = logit;
    const o = anchor * PALM_VALUES;
    boxes[o] = dx;
    boxes[o + 2] = size;
    boxes[o + 3] = size;
    for (let k = 0; k < 7; k++) boxes[o + 5 + 2 * k] = -k; // keypoints stacked upwards
  }
  return { boxes, logits };
}

test('decodes a box and its keypoints relative to the anchor', () => {
  const anchor = 1152 + 6 * (12 * 5 + 7); // cell (7, 5) of the 12x12 grid
  const { boxes, logits } = rawOutput([{ anchor, logit: 3, dx: 19.2 }]);
  const [palm, ...rest] = decodePalms(boxes, logits, anchors);
  assert.equal(rest.length, 0);
  assert.ok(palm);
  assert.ok(Math.abs(palm.score - 1 / (1 + Math.exp(-3))) < 1e-6);
  const cx = 7.5 / 12 + 0.1;
  assert.ok(Math.abs(palm.xmin + palm.width / 2 - cx) < 1e-6);
  assert.ok(Math.abs(palm.width - 0.2) < 1e-6);
  assert.ok(Math.abs(palm.keypoints[2]!.y - (5.5 / 12 - 2 / 192)) < 1e-6);
});

test('scores under the threshold are dropped', () => {
  const { boxes, logits } = rawOutput([{ anchor: 100, logit: -0.1 }]);
  assert.equal(decodePalms(boxes, logits, anchors).length, 0);
  assert.equal(decodePalms(boxes, logits, anchors, { minScore: 0.4 }).length, 1);
});

test('overlapping detections merge into a score-weighted mean; distant ones stay apart', () => {
  const { boxes, logits } = rawOutput([
    { anchor: 600, logit: 4, dx: 0 },
    { anchor: 601, logit: 2, dx: 3.84 }, // same cell, shifted by 0.02
    { anchor: 1152 + 6 * 140, logit: 1 }, // far away
  ]);
  const palms = decodePalms(boxes, logits, anchors);
  assert.equal(palms.length, 2);
  const [merged, far] = palms as [(typeof palms)[0], (typeof palms)[0]];
  const w1 = 1 / (1 + Math.exp(-4));
  const w2 = 1 / (1 + Math.exp(-2));
  const expectedShift = (0.02 * w2) / (w1 + w2);
  assert.ok(Math.abs(merged.xmin + merged.width / 2 - (anchors[1200]! + expectedShift)) < 1e-6);
  assert.ok(Math.abs(merged.score - w1) < 1e-6, 'a cluster keeps its best score');
  assert.ok(far.score < merged.score);
});

test('output of the wrong size is a clear error', () => {
  assert.throws(
    () => decodePalms(new Float32Array(10), new Float32Array(2016), anchors),
    /expected 2016 anchors/,
  );
});
