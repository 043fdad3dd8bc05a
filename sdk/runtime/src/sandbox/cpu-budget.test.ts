import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuBudget } from './cpu-budget.ts';

test('sums CPU over the sliding window and forgets what left it', () => {
  const budget = new CpuBudget(1000, 100);
  assert.equal(budget.add(0, 40), 40);
  assert.equal(budget.add(500, 40), 80);
  assert.equal(budget.exceeded, false);
  assert.equal(budget.add(900, 30), 110);
  assert.equal(budget.exceeded, true);
  // At t = 1000 the call that ended at t = 0 is out of the window.
  assert.equal(budget.add(1000, 0), 70);
  assert.equal(budget.exceeded, false);
  assert.equal(budget.add(5000, 1), 1);
  assert.equal(budget.usedMs, 1);
});

test('stays exact over many calls (compaction keeps the sum)', () => {
  const budget = new CpuBudget(100, 1e9);
  let now = 0;
  for (let i = 0; i < 10_000; i++) {
    now += 1;
    budget.add(now, 0.5);
  }
  // 100 ms window, one call per ms: the last 100 calls.
  assert.ok(Math.abs(budget.usedMs - 50) < 1e-6, String(budget.usedMs));
});
