import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toCanvas, videoContentRect } from './hand-drawing.ts';

describe('videoContentRect', () => {
  it('letterboxes a 4:3 video in a wide box (contain)', () => {
    assert.deepEqual(videoContentRect({ width: 1000, height: 600 }, { width: 640, height: 480 }), {
      x: 100,
      y: 0,
      width: 800,
      height: 600,
    });
  });

  it('pillarboxes a 4:3 video in a tall box (contain)', () => {
    const r = videoContentRect({ width: 400, height: 600 }, { width: 640, height: 480 });
    assert.equal(r.width, 400);
    assert.equal(r.height, 300);
    assert.equal(r.y, 150);
  });

  it('overflows the box with cover', () => {
    const r = videoContentRect({ width: 1000, height: 600 }, { width: 640, height: 480 }, 'cover');
    assert.equal(r.width, 1000);
    assert.equal(r.height, 750);
    assert.equal(r.y, -75);
  });

  it('falls back to the box while the video has no size yet', () => {
    assert.deepEqual(videoContentRect({ width: 300, height: 200 }, { width: 0, height: 0 }), {
      x: 0,
      y: 0,
      width: 300,
      height: 200,
    });
  });
});

describe('toCanvas', () => {
  const rect = { x: 100, y: 0, width: 800, height: 600 };
  it('maps normalised coordinates into the picture', () => {
    assert.deepEqual(toCanvas({ x: 0.25, y: 0.5 }, rect, false), [300, 300]);
  });
  it('mirrors x for a selfie view', () => {
    assert.deepEqual(toCanvas({ x: 0.25, y: 0.5 }, rect, true), [700, 300]);
  });
});
