import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandError } from './command.ts';
import { loadHandTracker } from './hand-tracker.ts';

test('without the optional hand tracker, track fails with how to install it', async () => {
  const error = await loadHandTracker('@bambam/hand-tracker-not-installed').then(
    () => assert.fail('a package that is not installed loaded'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof CommandError);
  assert.notEqual(error.exitCode, 0);
  assert.match(error.message, /optional peer dependency of @bambam\/cli/);
  assert.match(error.message, /npm install --save-dev @bambam\/hand-tracker @bambam\/cli/);
  assert.match(
    error.message,
    /npm exec --package=@bambam\/cli --package=@bambam\/hand-tracker -- bambam track/,
  );
});

test('with the tracker installed, it loads', async () => {
  const tracker = await loadHandTracker();
  assert.equal(typeof tracker.HandTracker.create, 'function');
});
