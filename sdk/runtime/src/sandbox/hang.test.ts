// A plugin stuck in work V8 cannot interrupt. In its own file (its own process): the abandoned
// work keeps an isolated-vm thread busy for a second or so, and while it runs isolated-vm's
// timeouts fire late for every isolate in the process (its timer thread waits on the stuck one),
// which would blur the other hostile tests' timings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginError } from './errors.ts';
import { loadSource, pluginSource, rejection, twoHandFrame } from './testing.ts';

const wellBehaved = pluginSource({ name: 'good-plugin', onFrame: `ctx.play('kick', { velocity: 0.5 });` });

async function pluginError(promise: Promise<unknown>): Promise<PluginError> {
  const error = await rejection(promise);
  assert.ok(error instanceof PluginError, `expected a PluginError, got ${String(error)}`);
  return error;
}

test('work V8 cannot interrupt is abandoned after the hang timeout; the event loop stays free', async () => {
  // Filling a 256 MB array in a 16 MB isolate: seconds of allocation and GC that ignore the timeout.
  const source = pluginSource({
    onFrame: `if (frame.t === 1) ctx.log(new Array(2 ** 25).fill(0.5).length);`,
  });
  const { sandbox } = await loadSource(source, {
    limits: { memoryMb: 16, frameBudgetMs: 20, hangTimeoutMs: 100 },
  });
  const good = await loadSource(wellBehaved);
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  try {
    const started = performance.now();
    const pending = sandbox.onFrame(twoHandFrame(1));
    assert.equal((await good.sandbox.onFrame(twoHandFrame(1))).length, 1, 'another plugin plays meanwhile');
    const error = await pluginError(pending);
    const elapsed = performance.now() - started;
    assert.equal(error.code, 'timeout');
    assert.equal(error.fatal, true);
    assert.match(error.message, /did not stop at its 20 ms budget \(still running after \d+ ms/);
    assert.ok(ticks >= 3, `the event loop ran ${ticks} timer ticks during the call`);
    assert.ok(elapsed < 5000, `abandoned after ${elapsed.toFixed(0)} ms`);
    assert.equal(sandbox.disabled, error);
    assert.equal((await good.sandbox.onFrame(twoHandFrame(2))).length, 1);
  } finally {
    clearInterval(interval);
    sandbox.dispose();
    good.sandbox.dispose();
  }
});

test('while one plugin is stuck, another that loops is still stopped and the host stays free', async () => {
  const stuck = await loadSource(
    pluginSource({ name: 'stuck', onFrame: `ctx.log(new Array(2 ** 25).fill(0.5).length);` }),
    { limits: { memoryMb: 16, frameBudgetMs: 20, hangTimeoutMs: 100 } },
  );
  const looper = await loadSource(pluginSource({ name: 'looper', onFrame: `while (true) {}` }), {
    limits: { frameBudgetMs: 20, hangTimeoutMs: 100 },
  });
  let ticks = 0;
  const interval = setInterval(() => ticks++, 5);
  try {
    const pending = pluginError(stuck.sandbox.onFrame(twoHandFrame(1)));
    const started = performance.now();
    const error = await pluginError(looper.sandbox.onFrame(twoHandFrame(1)));
    // Stopped by isolated-vm's timeout, or, while the stuck call delays that, by the watchdog.
    assert.equal(error.code, 'timeout');
    assert.equal(error.plugin, 'looper');
    assert.ok(performance.now() - started < 5000);
    assert.equal((await pending).code, 'timeout');
    assert.ok(ticks >= 3, `the event loop ran ${ticks} timer ticks`);
  } finally {
    clearInterval(interval);
    stuck.sandbox.dispose();
    looper.sandbox.dispose();
  }
});
