import assert from 'node:assert/strict';
import { test } from 'node:test';
import { missingNodeFlags } from './node-flags.ts';

test('names the engine flags missing from the command line and NODE_OPTIONS, by name', () => {
  assert.deepEqual(missingNodeFlags([], ''), ['--no-node-snapshot', '--max-semi-space-size=8']);
  assert.deepEqual(missingNodeFlags(['--no-node-snapshot', '--max-semi-space-size=16'], ''), []);
  assert.deepEqual(missingNodeFlags(['--no-node-snapshot'], '--max-semi-space-size=8 --trace-gc'), []);
  assert.deepEqual(missingNodeFlags(['--no-node-snapshot'], ''), ['--max-semi-space-size=8']);
});
