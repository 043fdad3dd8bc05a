// Scheduled plays: `ctx.play(sound, { at })` with bad, past, far-future and flooding `at` values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_SCHEDULE_AHEAD_MS } from '@bambam/sdk';
import { PluginError } from './errors.ts';
import { DEFAULT_SANDBOX_LIMITS } from './limits.ts';
import { loadSource, locate, pluginSource, rejection, twoHandFrame } from './testing.ts';

async function pluginError(promise: Promise<unknown>): Promise<PluginError> {
  const error = await rejection(promise);
  assert.ok(error instanceof PluginError, `expected a PluginError, got ${String(error)}`);
  return error;
}

describe('ctx.play with at', () => {
  test('the bound is exported and the per-session limit has a default', () => {
    assert.equal(MAX_SCHEDULE_AHEAD_MS, 250);
    assert.equal(DEFAULT_SANDBOX_LIMITS.maxScheduledPlays, 64);
  });

  test('at is carried on the play; without it there is no at; the past is kept as asked', async () => {
    const source = pluginSource({
      onFrame: `ctx.play('kick');\n    ctx.play('snare', { at: frame.t + 7.3, velocity: 0.5 });\n    ctx.play('kick', { at: -1e9 });`,
    });
    const { sandbox, logs } = await loadSource(source);
    try {
      assert.deepEqual(await sandbox.onFrame(twoHandFrame(1000)), [
        { t: 1000, sound: 'kick', velocity: 1, pan: 0 },
        { t: 1000, sound: 'snare', velocity: 0.5, pan: 0, at: 1007.3 },
        { t: 1000, sound: 'kick', velocity: 1, pan: 0, at: -1e9 },
      ]);
      assert.deepEqual(logs, []);
    } finally {
      sandbox.dispose();
    }
  });

  for (const [what, value, shown] of [
    ['NaN', 'NaN', 'NaN'],
    ['a string', `'12' as any`, '"12"'],
    ['Infinity', 'Infinity', 'Infinity'],
    ['-Infinity', '-Infinity', '-Infinity'],
    ['null', 'null as any', 'null'],
  ] as const) {
    test(`at = ${what}: the frame's plays are refused with an error at the call`, async () => {
      const source = pluginSource({
        onFrame: `ctx.play('kick');\n    ctx.play('snare', { at: ${value} });`,
      });
      const { sandbox } = await loadSource(source, { filename: 'bad-at.ts' });
      try {
        const error = await pluginError(sandbox.onFrame(twoHandFrame(1)));
        assert.equal(error.code, 'invalid-output');
        assert.equal(error.fatal, false);
        assert.ok(
          error.message.includes(
            `at must be a finite number of ms on the frame clock (like frame.t), got ${shown}`,
          ),
          error.message,
        );
        assert.deepEqual(error.location, { file: 'bad-at.ts', ...locate(source, `play('snare'`) });
        assert.equal(sandbox.disabled, undefined);
      } finally {
        sandbox.dispose();
      }
    });
  }

  test('far in the future: clamped to frame.t + MAX_SCHEDULE_AHEAD_MS with one warning at the call', async () => {
    const source = pluginSource({
      onFrame: `ctx.play('kick', { at: frame.t + 1e6 });\n    ctx.play('snare', { at: frame.t + 1e6 });\n    ctx.play('snare', { at: frame.t + 250 });`,
    });
    const { sandbox, logs } = await loadSource(source, { filename: 'far.ts' });
    try {
      const plays = await sandbox.onFrame(twoHandFrame(500));
      assert.deepEqual(
        plays.map((p) => p.at),
        [750, 750, 750],
      );
      assert.equal(logs.length, 1, JSON.stringify(logs));
      assert.equal(logs[0]!.level, 'warn');
      assert.match(
        logs[0]!.message,
        /1000000 ms after frame\.t; a play can be scheduled at most 250 ms ahead/,
      );
      assert.deepEqual(logs[0]!.location, { file: 'far.ts', ...locate(source, `play('kick'`) });
    } finally {
      sandbox.dispose();
    }
  });

  test('1000 scheduled plays in one frame: dropped like any flood; the next frame plays', async () => {
    const source = pluginSource({
      onFrame: `const n = frame.t === 1 ? 1000 : 2;\n    for (let i = 0; i < n; i++) ctx.play('kick', { at: frame.t + 100 });`,
    });
    const { sandbox } = await loadSource(source);
    try {
      const error = await pluginError(sandbox.onFrame(twoHandFrame(1)));
      assert.equal(error.code, 'too-many-plays');
      assert.match(error.message, /1000 times in one frame; at most 32/);
      // The dropped frame's plays do not count as waiting.
      const next = await sandbox.onFrame(twoHandFrame(2));
      assert.equal(next.length, 2);
    } finally {
      sandbox.dispose();
    }
  });

  test('scheduled plays waiting per session are bounded; they stop waiting once frames pass them', async () => {
    // 30 plays 200 ms ahead per frame, frames 10 ms apart: the bound (64) is reached on frame 3.
    const source = pluginSource({
      onFrame: `for (let i = 0; i < 30; i++) ctx.play('kick', { at: frame.t + 200 });\n    ctx.play('snare');`,
    });
    const { sandbox, logs } = await loadSource(source, { filename: 'flood.ts' });
    try {
      const counts: number[] = [];
      for (const t of [0, 10, 20, 30]) counts.push((await sandbox.onFrame(twoHandFrame(t))).length);
      // 30 + 1, 30 + 1, 4 + 1 (64 waiting), then none of the scheduled ones, the immediate one always.
      assert.deepEqual(counts, [31, 31, 5, 1]);
      const refusals = logs.filter((l) => l.level === 'error');
      assert.equal(refusals.length, 2, 'one message per frame, not per refused play');
      assert.match(refusals[0]!.message, /64 plays scheduled ahead are already waiting/);
      assert.deepEqual(refusals[0]!.location, { file: 'flood.ts', ...locate(source, `play('kick'`) });
      // 200 ms later the first frames' plays have sounded: there is room again.
      assert.equal((await sandbox.onFrame(twoHandFrame(215))).length, 31);
    } finally {
      sandbox.dispose();
    }
  });

  test('a plugin that replaces Array.prototype.push cannot break the bookkeeping', async () => {
    const source = pluginSource({
      prelude: `Array.prototype.push = function () { throw new Error('hijacked'); };`,
      onFrame: `ctx.play('kick', { at: frame.t + 10 });`,
    });
    const { sandbox } = await loadSource(source);
    try {
      assert.deepEqual(await sandbox.onFrame(twoHandFrame(5)), [
        { t: 5, sound: 'kick', velocity: 1, pan: 0, at: 15 },
      ]);
    } finally {
      sandbox.dispose();
    }
  });
});
