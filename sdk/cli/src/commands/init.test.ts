import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame } from '@bambam/sdk';
import { sha256Hex } from './build.ts';
import { bambam, workspace } from './cli-test-support.ts';
import { downStrokeRecording } from './init.ts';

test('the recording has one down-stroke per second', () => {
  const frames = downStrokeRecording(3)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Frame);
  assert.equal(frames.length, 90);
  assert.equal(frames[0]!.hands[0]!.landmarks.length, 21);
  const y = (f: Frame) => f.hands[0]!.landmarks[9]!.y;
  assert.ok(y(frames[9]!) > 0.64, 'down at 0.3 s');
  assert.ok(y(frames[0]!) < 0.36, 'up at 0 s');
});

describe('bambam init, test and build', () => {
  let root: string;
  let dir: string;
  before(() => {
    root = workspace();
    dir = join(root, 'my-drum');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('init scaffolds a plugin package', async () => {
    const result = await bambam(['init', 'my-drum'], root);
    assert.equal(result.code, 0, result.err);
    for (const file of [
      'package.json',
      'README.md',
      'src/index.ts',
      'src/index.test.ts',
      'recordings/down-strokes.jsonl',
    ]) {
      assert.ok(existsSync(join(dir, file)), file);
    }
    assert.match(readFileSync(join(dir, 'src/index.ts'), 'utf8'), /name: 'my-drum'/);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    // An npm package: the contract as a peer (and for typing), the bundle and manifest shipped,
    // the CLI run through npm exec of our scoped package, never installed into the plugin.
    assert.deepEqual(pkg.keywords, ['bambam-plugin', 'bambam']);
    assert.equal(pkg.peerDependencies['@bambam/sdk'], '^0.1.0');
    assert.equal(pkg.devDependencies['@bambam/sdk'], '^0.1.0');
    assert.equal(pkg.dependencies, undefined);
    assert.equal(pkg.main, './dist/plugin.js');
    assert.equal(pkg.exports['.'], './dist/plugin.js');
    assert.deepEqual(pkg.files, ['dist/plugin.js', 'dist/plugin.js.map', 'dist/manifest.json', 'README.md']);
    assert.equal(pkg.scripts.test, 'npm exec --yes --package=@bambam/cli@^0.1.0 -- bambam test');
    assert.equal(pkg.scripts.release, 'npm exec --yes --package=@bambam/cli@^0.1.0 -- bambam publish');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    assert.match(readme, /npm exec --package=@bambam\/cli@\^0\.1\.0 -- bambam run/);
    for (const text of [readme, JSON.stringify(pkg), result.out]) assert.doesNotMatch(text, /npx/);
  });

  test('init refuses a non-empty directory and a bad name', async () => {
    assert.equal((await bambam(['init', 'my-drum'], root)).code, 1);
    const bad = await bambam(['init', 'My Drum'], root);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid plugin name/);
  });

  test("test runs the scaffold's test in the sandbox and passes", async () => {
    const result = await bambam(['test'], dir);
    assert.equal(result.code, 0, result.out + result.err);
    assert.match(result.out, /one hit per down-stroke/);
  });

  test('test fails (exit 1) when a test fails', async () => {
    const file = join(dir, 'src/index.test.ts');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('plays.length, 3', 'plays.length, 4'));
    try {
      const result = await bambam(['test', dir], root);
      assert.equal(result.code, 1);
      assert.match(result.out, /expected 3 hits, got .*\n[\s\S]*3 !== 4/);
    } finally {
      writeFileSync(file, original);
    }
  });

  test('build writes the bundle, its map and a manifest with its SHA-256', async () => {
    const result = await bambam(['build'], dir);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Built my-drum@0\.1\.0/);
    const manifest = JSON.parse(readFileSync(join(dir, 'dist/manifest.json'), 'utf8'));
    const bundle = readFileSync(join(dir, 'dist/plugin.js'));
    assert.equal(manifest.bundle.sha256, sha256Hex(bundle));
    assert.equal(manifest.bundle.size, bundle.length);
    assert.equal(manifest.sourceMap.sha256, sha256Hex(readFileSync(join(dir, 'dist/plugin.js.map'))));
    assert.equal(manifest.sdk, '^0.1.0');
    assert.deepEqual(Object.keys(manifest.sounds), ['hit']);
    assert.equal(manifest.params.speed.type, 'number');
    assert.equal(manifest.description, 'Plays a drum hit when a hand moves down fast.');
  });

  test('build reports a compile error with its position (exit 1)', async () => {
    const broken = join(root, 'broken');
    assert.equal((await bambam(['init', 'broken'], root)).code, 0);
    writeFileSync(
      join(broken, 'src/index.ts'),
      "import { definePlugin } from '@bambam/sdk';\nexport default definePlugin({ name: \n",
    );
    const result = await bambam(['build', 'broken'], root);
    assert.equal(result.code, 1);
    assert.match(result.err, /does not compile: .*index\.ts:\d+:\d+/);
    assert.ok(!existsSync(join(broken, 'dist')));
  });

  test('build reports a plugin that fails to load (exit 1)', async () => {
    const bad = join(root, 'bad-load');
    assert.equal((await bambam(['init', 'bad-load'], root)).code, 0);
    const file = join(bad, 'src/index.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("version: '0.1.0'", "version: 'one'"));
    const result = await bambam(['build', bad], root);
    assert.equal(result.code, 1);
    assert.match(result.err, /fails to load in the sandbox/);
  });
});
