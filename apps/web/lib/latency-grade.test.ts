import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyGrade } from './latency-grade.ts';

test('a tight figure at a full frame rate is good', () => {
  assert.equal(latencyGrade(95, 24), 'good');
  assert.equal(latencyGrade(150, 20), 'good');
  assert.equal(latencyGrade(120, null), 'good', 'no frame rate yet: the delay alone');
});

test('the worse of delay and frame rate decides', () => {
  assert.equal(latencyGrade(234, 30), 'fair');
  assert.equal(latencyGrade(95, 12), 'fair');
  // As the studio showed an overloaded engine: a plausible delay at 1 fps is not green.
  assert.equal(latencyGrade(599, 1), 'poor');
  assert.equal(latencyGrade(120, 1), 'poor');
  assert.equal(latencyGrade(1200, 30), 'poor');
});

test('no figure yet is no grade', () => {
  assert.equal(latencyGrade(null, 30), 'none');
  assert.equal(latencyGrade(Number.NaN, 30), 'none');
});
