import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CAPACITY_MODEL, estimateCapacity } from './capacity.ts';

test('2 cores with lite-int8 give 4 players, the figure the capacity bench held', () => {
  const estimate = estimateCapacity({ cores: 2, model: 'lite-int8' });
  assert.equal(estimate.capacity, 4);
  assert.equal(estimate.trackMsSource, 'typical');
  assert.match(
    estimate.explanation,
    /2 cores × 0\.5 × 1000 \/ \(30 fps × \(4\.5 ms tracking \[lite-int8, typical\]/,
  );
});

test('more cores serve more players; a dearer model fewer; never fewer than one', () => {
  const players = (cores: number, model: 'lite-int8' | 'lite' | 'full') =>
    estimateCapacity({ cores, model }).capacity;
  assert.ok(players(8, 'lite-int8') > players(2, 'lite-int8'));
  assert.ok(players(8, 'full') < players(8, 'lite-int8'));
  assert.equal(players(8, 'lite-int8'), 16);
  assert.equal(players(1, 'full'), 1);
  assert.equal(players(0, 'full'), 1);
});

test('a measured tracking cost replaces the model typical one; a bad measurement is ignored', () => {
  const slow = estimateCapacity({ cores: 2, model: 'lite-int8', measuredTrackMs: 12 });
  assert.equal(slow.trackMsSource, 'measured');
  assert.equal(slow.capacity, Math.floor(1000 / (30 * (12 + DEFAULT_CAPACITY_MODEL.otherMs))));
  const bad = estimateCapacity({ cores: 2, model: 'lite-int8', measuredTrackMs: Number.NaN });
  assert.equal(bad.trackMsSource, 'typical');
  assert.equal(bad.capacity, 4);
});
