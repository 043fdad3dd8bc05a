// bam-drum on a real clip: the hand tracker (`bambam track`) turns the fixture video into a
// recording, and `bambam run` plays the plugin on it through the sandbox.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const FIXTURES = process.env.BAMBAM_FIXTURES ?? resolve(REPO, '../shared/fixtures');
const CLIP = join(FIXTURES, 'clips/open-hand-4-strokes.mjpeg');
const BAMBAM = join(dirname(fileURLToPath(import.meta.resolve('@bambam/cli/package.json'))), 'bin/bambam.js');

test('open-hand-4-strokes.mjpeg: four hits, one per down-stroke, during each stroke', {
  timeout: 180_000,
}, async (t) => {
  if (!existsSync(CLIP)) {
    t.skip(`fixture ${CLIP} not found (set BAMBAM_FIXTURES)`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bam-drum-clip-'));
  try {
    const recording = join(dir, 'clip.jsonl');
    const node = [process.execPath, '--no-node-snapshot', BAMBAM] as const;
    await run(node[0], [...node.slice(1), 'track', CLIP, '--quiet', '--out', recording], { cwd: REPO });
    const { stdout } = await run(
      node[0],
      [...node.slice(1), 'run', REPO + '/plugins/bam-drum', '--landmarks', recording],
      {
        cwd: REPO,
      },
    );
    const hits = stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { t: number; sound: string; velocity: number });
    assert.equal(hits.length, 4, `hits at ${hits.map((hit) => hit.t).join(', ')} ms`);
    hits.forEach((hit, k) => {
      // Each stroke goes down from 0.10 s to 0.25 s into its second: the hit lands during it.
      const into = hit.t - k * 1000;
      assert.ok(into >= 100 && into <= 300, `hit ${k} at ${hit.t} ms`);
      assert.equal(hit.sound, 'bam');
      assert.ok(hit.velocity > 0.3, `velocity ${hit.velocity}`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
