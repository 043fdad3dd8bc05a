/**
 * The npm plugin source against a real Verdaccio, packages published with the real npm CLI,
 * bundles built with the real compile and checked in the real sandbox (worker thread).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PluginSandbox } from '@bambam/runtime';
import sdkPackage from '@bambam/sdk/package.json' with { type: 'json' };
import {
  bamDrumSource,
  pluginPackage,
  pluginSource,
  type RunningService,
  startNpmRegistry,
  startService,
  type TestNpmRegistry,
} from '../test-support.ts';

/** Entries of the cache folder, temp folders included: what a refused load must not leave. */
async function cacheEntries(service: RunningService): Promise<string[]> {
  const root = service.service.npm.cache.root;
  return existsSync(root) ? readdir(root) : [];
}

describe('plugins from an npm registry (real Verdaccio, real npm, real sandbox)', {
  timeout: 300_000,
}, () => {
  let npm: TestNpmRegistry;
  let engine: RunningService;

  before(async () => {
    npm = await startNpmRegistry();
    engine = await startService({ npmRegistry: npm.url });
  });
  after(async () => {
    await engine?.stop();
    await npm?.dispose();
  });

  test('a published plugin loads by name@^0.1.0, plays in the sandbox, and a second load is a cache hit', async () => {
    await npm.publish(await pluginPackage(await bamDrumSource('npm-drum', '0.1.0')));
    await npm.publish(await pluginPackage(await bamDrumSource('npm-drum', '0.2.0')));
    const source = engine.service.npm;
    const first = await source.load('npm-drum', '^0.1.0');
    assert.ok(first);
    assert.equal(first.version, '0.1.0', 'the highest version satisfying ^0.1.0');
    assert.equal(first.cached, false);
    assert.match(first.integrity, /^sha512-/);
    const sandbox = await PluginSandbox.load(first.compiled);
    assert.equal(sandbox.description.name, 'npm-drum');
    sandbox.dispose();
    assert.deepEqual(await cacheEntries(engine), [source.cache.dirOf(first.integrity).split('/').pop()]);

    const second = await source.load('npm-drum', '^0.1.0');
    assert.equal(second?.cached, true);
    assert.equal(second?.compiled.code, first.compiled.code);
    assert.equal((await source.load('npm-drum'))?.version, '0.2.0', 'no range: the latest dist-tag');

    // The catalog plugin:use goes through.
    const catalog = engine.service.catalogs.at(-1)!;
    assert.equal((await catalog.resolve('npm-drum', '0.2.0'))?.compiled.filename, 'npm-drum.js');
    assert.equal(await catalog.resolve('nobody-published-this'), undefined);
  });

  test('concurrent loads of one spec share one download and one check', async () => {
    await npm.publish(await pluginPackage(pluginSource({ name: 'shared-drum' })));
    const source = engine.service.npm;
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => source.load('shared-drum', '^0.1.0')));
    assert.equal(a?.cached, false);
    assert.ok(a === b && b === c, 'one promise answered all three');
  });

  test('a tampered tarball is refused and nothing is cached', async () => {
    await npm.publish(await pluginPackage(pluginSource({ name: 'tampered-drum' })));
    const path = npm.tarballPath('tampered-drum', '0.1.0');
    // Still a valid package, one byte of the bundle changed: only the integrity can tell.
    const tar = gunzipSync(await readFile(path));
    const at = tar.indexOf('A test drum.');
    tar[at] = 'B'.charCodeAt(0);
    await writeFile(path, gzipSync(tar));
    const before = await cacheEntries(engine);
    await assert.rejects(
      engine.service.npm.load('tampered-drum', '^0.1.0'),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'integrity-mismatch');
        assert.match(error.message, /does not match the integrity the registry lists/);
        return true;
      },
    );
    assert.deepEqual(await cacheEntries(engine), before, 'nothing was cached, no temp folder left');
  });

  test('a package without dist/manifest.json is refused with the reason', async () => {
    const files = await pluginPackage(pluginSource({ name: 'bare-drum' }));
    delete files['dist/manifest.json'];
    await npm.publish(files);
    await assert.rejects(engine.service.npm.load('bare-drum'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'no-manifest');
      assert.match(error.message, /bare-drum@0\.1\.0 has no dist\/manifest\.json.*bambam build/);
      return true;
    });
  });

  test('a plugin that throws at load is refused with the sandbox reason', async () => {
    const good = await pluginPackage(pluginSource({ name: 'throwing-drum' }));
    // The manifest of a good build, the bundle of one that throws: only the sandbox can tell.
    const bad = await pluginPackage(
      pluginSource({ name: 'throwing-drum', prelude: "throw new Error('boom at load');" }),
    ).catch(() => undefined);
    assert.equal(bad, undefined, 'the build itself refuses a plugin that throws at load');
    const bundle = Buffer.from(`throw new Error('boom at load');\n${good['dist/plugin.js']}`);
    const manifest = JSON.parse(String(good['dist/manifest.json']));
    manifest.bundle = { sha256: (await import('../sha256.ts')).sha256Hex(bundle), size: bundle.length };
    await npm.publish({ ...good, 'dist/plugin.js': bundle, 'dist/manifest.json': JSON.stringify(manifest) });
    const before = await cacheEntries(engine);
    await assert.rejects(engine.service.npm.load('throwing-drum'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'plugin-load');
      assert.match(error.message, /throwing-drum@0\.1\.0 fails the sandbox check: .*boom at load/);
      return true;
    });
    assert.deepEqual(await cacheEntries(engine), before);
  });

  test('a plugin whose @bambam/sdk range the engine does not satisfy is refused naming the supported version', async () => {
    await npm.publish(await pluginPackage(pluginSource({ name: 'future-drum' }), '^9.0.0'));
    await assert.rejects(engine.service.npm.load('future-drum'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'sdk-mismatch');
      assert.ok(error.message.includes(`needs @bambam/sdk ^9.0.0`), error.message);
      assert.ok(error.message.includes(`runs @bambam/sdk ${sdkPackage.version}`), error.message);
      return true;
    });
  });

  test('an unreachable registry is a clear error naming BAMBAM_NPM_REGISTRY and the URL', async () => {
    const offline = await startService({ npmRegistry: 'http://127.0.0.1:9/' });
    try {
      await assert.rejects(
        offline.service.npm.load('npm-drum', '^0.1.0'),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'registry-unreachable');
          assert.match(error.message, /BAMBAM_NPM_REGISTRY=http:\/\/127\.0\.0\.1:9\//);
          return true;
        },
      );
      // plugin:use says the same to the player.
      await assert.rejects(offline.service.catalogs.at(-1)!.resolve('npm-drum'), /BAMBAM_NPM_REGISTRY/);
    } finally {
      await offline.stop();
    }
  });
});
