import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  normalizeRadians,
  type Palm,
  roiFromLandmarks,
  roiFromPalm,
  roiOverlap,
  roiToImage,
  uprightRotation,
} from './geometry.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

test('normalizeRadians wraps into [-π, π)', () => {
  close(normalizeRadians(3 * Math.PI), -Math.PI);
  close(normalizeRadians(-Math.PI / 2), -Math.PI / 2);
  close(normalizeRadians(2 * Math.PI + 0.5), 0.5);
});

test('uprightRotation is 0 for fingers pointing up and ±π/2 for fingers pointing sideways', () => {
  close(uprightRotation({ x: 100, y: 200 }, { x: 100, y: 100 }), 0);
  // Fingers to the right: the crop must turn clockwise (+90°) for them to point up.
  close(uprightRotation({ x: 100, y: 100 }, { x: 200, y: 100 }), Math.PI / 2);
  close(uprightRotation({ x: 100, y: 100 }, { x: 0, y: 100 }), -Math.PI / 2);
});

test('roiFromPalm scales the box 2.6x, squares it and moves it towards the fingers', () => {
  const upright: Palm = {
    score: 0.9,
    xmin: 100,
    ymin: 200,
    width: 40,
    height: 50,
    keypoints: [{ x: 120, y: 250 }, { x: 0, y: 0 }, { x: 120, y: 200 }, ...Array(4).fill({ x: 0, y: 0 })],
  };
  const roi = roiFromPalm(upright);
  close(roi.rotation, 0);
  close(roi.size, 50 * 2.6);
  close(roi.cx, 120);
  close(roi.cy, 225 - 25); // half the box height up, towards the fingers
  // Fingers pointing right: the shift goes right instead of up.
  const sideways = roiFromPalm({
    ...upright,
    keypoints: [{ x: 100, y: 225 }, { x: 0, y: 0 }, { x: 140, y: 225 }, ...upright.keypoints.slice(3)],
  });
  close(sideways.rotation, Math.PI / 2);
  close(sideways.cx, 120 + 25);
  close(sideways.cy, 225);
});

test('roiToImage maps crop corners onto the rotated square', () => {
  const roi = { cx: 50, cy: 60, size: 20, rotation: Math.PI / 2 };
  const centre = roiToImage(roi, 0.5, 0.5);
  close(centre.x, 50);
  close(centre.y, 60);
  // The crop's top-left corner: (-10, -10) turned 90° clockwise is (10, -10).
  const corner = roiToImage(roi, 0, 0);
  close(corner.x, 60, 1e-9);
  close(corner.y, 50, 1e-9);
});

test('roiFromLandmarks follows the hand it was computed from, rotated or not', () => {
  // A stylised upright hand: wrist at the bottom, finger bases above it.
  const upright = Array.from({ length: 21 }, (_, i) => ({
    x: 100 + (i % 5) * 10,
    y: 300 - Math.floor(i / 4) * 15,
  }));
  upright[0] = { x: 120, y: 320 };
  upright[5] = { x: 100, y: 260 };
  upright[9] = { x: 120, y: 255 };
  upright[13] = { x: 140, y: 260 };
  const roi = roiFromLandmarks(upright);
  close(roi.rotation, 0, 1e-9);
  // Turn the same hand by 90° clockwise about (200, 200): the ROI turns with it.
  const turn = (p: { x: number; y: number }) => ({ x: 200 - (p.y - 200), y: 200 + (p.x - 200) });
  const turned = roiFromLandmarks(upright.map(turn));
  close(turned.rotation, Math.PI / 2, 1e-9);
  close(turned.size, roi.size, 1e-6);
  const expectedCentre = turn({ x: roi.cx, y: roi.cy });
  close(turned.cx, expectedCentre.x, 1e-6);
  close(turned.cy, expectedCentre.y, 1e-6);
});

test('roiOverlap is 1 for the same square and 0 for disjoint ones', () => {
  const a = { cx: 10, cy: 10, size: 10, rotation: 0 };
  close(roiOverlap(a, a), 1);
  close(roiOverlap(a, { ...a, cx: 30 }), 0);
  close(roiOverlap(a, { ...a, cx: 15 }), 50 / 150);
});
