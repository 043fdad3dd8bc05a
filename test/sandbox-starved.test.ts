/**
 * The reference instrument on a starved machine: busy loops on every core (3 per core, in child
 * processes) while bam-drum plays its own recordings with the default limits. A frame stopped at
 * its wall-clock budget may be lost (counted), but the plugin must never be disabled nor get a
 * strike against it: only CPU it really spent may count.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compilePlugin, PluginError, PluginSandbox } from '@bambam/runtime';
import { downStrokes, record } from '../plugins/bam-drum/src/recordings.ts';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const hogs: ChildProcess[] = [];
after(() => {
  for (const hog of hogs) hog.kill('SIGKILL');
});

for (const isolation of ['process', 'isolate'] as const) {
  test(`bam-drum is never disabled by a starved machine (${isolation} isolation)`, async () => {
    const compiled = await compilePlugin({ entry: path.join(REPO, 'plugins', 'bam-drum') });
    const sandbox = await PluginSandbox.load(compiled, { isolation });
    const frames = record({ durationMs: 8000, hands: [{ trajectory: downStrokes({ period: 700 }) }] });
    while (hogs.length < os.availableParallelism() * 3) {
      hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    }
    const errors: string[] = [];
    try {
      for (const frame of frames) {
        try {
          await sandbox.onFrame(frame);
        } catch (error) {
          if (!(error instanceof PluginError)) throw error;
          errors.push(`t=${frame.t}: ${error.message}`);
          if (sandbox.disabled) break;
        }
      }
      const { forgivenTimeouts, frames: ran } = sandbox.stats;
      console.log(
        `${isolation}: ${ran} frames, ${forgivenTimeouts} stopped on the busy machine and forgiven`,
      );
      assert.equal(sandbox.disabled, undefined, errors.join('\n'));
      assert.deepEqual(
        errors.filter((message) => !/not held against the plugin/.test(message)),
        [],
        'every lost frame was forgiven',
      );
      assert.equal(ran, frames.length);
    } finally {
      sandbox.dispose();
    }
  });
}
