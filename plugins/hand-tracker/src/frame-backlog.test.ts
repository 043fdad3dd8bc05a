import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameBacklog } from './frame-backlog.ts';

test('cheap runs: the frames of an interruption are all kept, up to maxFrames, oldest first', () => {
  const backlog = new FrameBacklog<number>({ maxFrames: 6, budgetMs: 40 });
  for (let i = 0; i < 5; i++) backlog.recordRun(4);
  const dropped = Array.from({ length: 8 }, (_, i) => backlog.push(i)).flat();
  assert.deepEqual(dropped, [0, 1], 'beyond six waiting the oldest go');
  assert.equal(backlog.size, 6);
  assert.deepEqual([backlog.shift(), backlog.shift()], [2, 3]);
});

test('slow runs: only the newest frame waits (latest wins)', () => {
  const backlog = new FrameBacklog<number>({ budgetMs: 40 });
  for (let i = 0; i < 5; i++) backlog.recordRun(45);
  assert.deepEqual(backlog.push(1), []);
  assert.deepEqual(backlog.push(2), [1]);
  assert.deepEqual(backlog.push(3), [2]);
  assert.equal(backlog.peek(), 3);
});

test('the budget sets how many wait: 40 ms of 15 ms runs keeps two', () => {
  const backlog = new FrameBacklog<number>({ budgetMs: 40 });
  for (let i = 0; i < 5; i++) backlog.recordRun(15);
  const dropped = [1, 2, 3, 4].flatMap((i) => backlog.push(i));
  assert.deepEqual(dropped, [1, 2]);
  assert.deepEqual(backlog.clear(), [3, 4]);
  assert.equal(backlog.size, 0);
});

test('the typical run is the median: one descheduled run does not shrink the backlog', () => {
  const backlog = new FrameBacklog<number>();
  for (const ms of [4, 5, 300, 4, 6]) backlog.recordRun(ms);
  assert.equal(backlog.typicalRunMs, 5);
  backlog.recordRun(Number.NaN);
  backlog.recordRun(-1);
  assert.equal(backlog.typicalRunMs, 5, 'nonsense run times are ignored');
});

test('maxFrames 1 is latest wins whatever the runs cost', () => {
  const backlog = new FrameBacklog<string>({ maxFrames: 1 });
  backlog.recordRun(1);
  assert.deepEqual(backlog.push('a'), []);
  assert.deepEqual(backlog.push('b'), ['a']);
});

test('bad options are refused with what was given', () => {
  assert.throws(() => new FrameBacklog({ maxFrames: 0 }), /maxFrames must be an integer ≥ 1, got 0/);
  assert.throws(() => new FrameBacklog({ budgetMs: -5 }), /budgetMs must be a number of ms ≥ 0, got -5/);
  assert.throws(() => new FrameBacklog({ initialRunMs: Number.NaN }), /initialRunMs/);
});
