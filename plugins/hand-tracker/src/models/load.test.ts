import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cachedModelPath, ensureModels, loadOnnxModel } from './load.ts';
import { parsePackedAssetTable } from './sources.ts';

test('without a built cache the model is converted, cached, and read from the cache next time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hand-models-'));
  try {
    const converted = await loadOnnxModel('landmark', 'lite', join(dir, 'models'));
    const path = cachedModelPath('landmark', 'lite', join(dir, 'models'));
    const written = await stat(path);
    assert.equal(written.size, converted.length);
    assert.deepEqual(
      await readdir(join(dir, 'models')),
      [path.split('/').at(-1)],
      'no temporary file left behind',
    );
    const cached = await loadOnnxModel('landmark', 'lite', join(dir, 'models'));
    assert.ok(Buffer.from(cached).equals(Buffer.from(converted)), 'same bytes from the cache');
    assert.equal((await stat(path)).mtimeMs, written.mtimeMs, 'not written again');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the packed-asset table of @mediapipe/hands is read from its loader script', () => {
  const table = parsePackedAssetTable(
    'x; "files": [{"filename": "/a/palm_detection_full.tflite", "start": 11, "end": 20}], y',
  );
  assert.deepEqual(table, [{ filename: '/a/palm_detection_full.tflite', start: 11, end: 20 }]);
  assert.throws(() => parsePackedAssetTable('nothing here'), /cannot find the file table/);
});

test('ensureModels converts what is missing, reports progress, and is quiet when all is cached', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hand-models-'));
  try {
    const progress: string[] = [];
    await ensureModels({ variants: ['lite'], dir, onProgress: (m) => progress.push(m) });
    assert.equal((await readdir(dir)).length, 2, 'palm and landmark lite');
    assert.equal(progress.length, 4);
    assert.match(progress[1]!, /converted the palm lite model in \d+ ms/);
    const again: string[] = [];
    await ensureModels({ variants: ['lite'], dir, onProgress: (m) => again.push(m) });
    assert.deepEqual(again, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an int8 variant caches its own landmark model and shares the float palm detector', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hand-models-'));
  try {
    assert.equal(cachedModelPath('palm', 'lite-int8', dir), cachedModelPath('palm', 'lite', dir));
    assert.notEqual(cachedModelPath('landmark', 'lite-int8', dir), cachedModelPath('landmark', 'lite', dir));
    await ensureModels({ variants: ['lite-int8'], dir });
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [cachedModelPath('landmark', 'lite-int8', dir), cachedModelPath('palm', 'lite', dir)].map((p) =>
        p.split('/').at(-1),
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
