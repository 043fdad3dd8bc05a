import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sweepSocketFolders } from './host-launcher.ts';

/** The id of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

describe('sweepSocketFolders', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'bambam-sweep-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('removes the folders of launchers whose process is gone, and only those', async () => {
    const dead = `bambam-sandbox-${await deadPid()}-Ab12Cd`;
    const mine = `bambam-sandbox-${process.pid}-Ef34Gh`;
    const parent = `bambam-sandbox-${process.ppid}-Ij56Kl`;
    const unnamed = 'bambam-sandbox-Mn78Op'; // no process id: not ours to judge
    const other = 'something-else-1-x';
    for (const name of [dead, mine, parent, unnamed, other]) mkdirSync(path.join(root, name));

    assert.deepEqual(sweepSocketFolders(root), [dead]);
    assert.equal(existsSync(path.join(root, dead)), false);
    for (const name of [mine, parent, unnamed, other]) assert.ok(existsSync(path.join(root, name)), name);
  });

  it('returns nothing for a folder it cannot read', () => {
    assert.deepEqual(sweepSocketFolders(path.join(root, 'missing')), []);
  });
});
