import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameTimeouts } from './frame-timeouts.ts';

test('a call gets 4 budgets; a timeout doubles the next up to 8 budgets; only then does CPU over budget strike', () => {
  const timeouts = new FrameTimeouts(5, 3);
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const wall = timeouts.wallTimeoutMs;
    const verdict = timeouts.timedOut(wall);
    seen.push(
      `${wall}:${verdict.kind}${verdict.kind === 'strike' ? `${verdict.strikes}${verdict.fatal ? '!' : ''}` : ''}`,
    );
  }
  assert.deepEqual(seen, ['20:forgiven', '40:strike1', '40:strike2', '40:strike3!']);
});

test('a starved call at the longest timeout (little CPU) is forgiven, and a completed call resets all', () => {
  const timeouts = new FrameTimeouts(5, 2);
  timeouts.timedOut(1);
  assert.equal(timeouts.wallTimeoutMs, 40);
  assert.equal(timeouts.timedOut(4.9).kind, 'forgiven');
  assert.equal(timeouts.timedOut(6).kind, 'strike');
  timeouts.completed();
  assert.equal(timeouts.wallTimeoutMs, 20);
  timeouts.timedOut(40);
  const verdict = timeouts.timedOut(40);
  assert.equal(verdict.kind === 'strike' && verdict.strikes, 1, 'strikes restarted after the completed call');
});

test('the first wall timeout is configurable, and never above the longest', () => {
  assert.equal(new FrameTimeouts(5, 3, { min: 1 }).wallTimeoutMs, 5);
  assert.equal(new FrameTimeouts(5, 3, { min: 16, max: 8 }).wallTimeoutMs, 40);
});
