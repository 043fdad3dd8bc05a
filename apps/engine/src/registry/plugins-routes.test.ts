/**
 * `/api/plugins` over a real npm registry (Verdaccio): keyword search, package and version
 * reads after a verified load, the bundle from the cache, and publishing from source with the
 * user's npm token (a bad token is a 401 that says how to get one).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  pluginPackage,
  pluginSource,
  type RunningService,
  startNpmRegistry,
  startService,
  type TestNpmRegistry,
} from './test-support.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field
type Json = any;

describe('/api/plugins on an npm registry (real Verdaccio, real npm)', { timeout: 300_000 }, () => {
  let npm: TestNpmRegistry;
  let engine: RunningService;

  before(async () => {
    npm = await startNpmRegistry();
    engine = await startService({ npmRegistry: npm.url });
    await npm.publish(
      await pluginPackage(pluginSource({ name: 'route-drum', description: 'A kick for the routes.' })),
    );
    // Not a plugin: no bambam-plugin keyword, so the search never lists it.
    await npm.publish({
      'package.json': JSON.stringify({ name: 'route-lib', version: '1.0.0', description: 'A kick library.' }),
    });
  });
  after(async () => {
    await engine?.stop();
    await npm?.dispose();
  });

  const get = async (path: string) => {
    const response = await fetch(`${engine.url}${path}`);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };
  const post = async (body: unknown, token?: string) => {
    const response = await fetch(`${engine.url}/api/plugins`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, Json> };
  };

  test('search finds plugins by the bambam-plugin keyword and text, and names the registry', async () => {
    const all = JSON.parse((await get('/api/plugins?q=kick')).body);
    assert.equal(all.registry, npm.url);
    assert.deepEqual(
      all.plugins.map((p: { name: string }) => p.name),
      ['route-drum'],
    );
    assert.equal(all.plugins[0].description, 'A kick for the routes.');
    assert.equal(all.plugins[0].version, '0.1.0');
  });

  test('package, resolve, version, bundle and source map come from a verified load', async () => {
    const pkg = JSON.parse((await get('/api/plugins/route-drum')).body);
    assert.equal(pkg.latest.version, '0.1.0');
    assert.equal(pkg.latest.manifest.sounds.hit.instrument, 'MembraneSynth');
    assert.match(pkg.latest.integrity, /^sha512-/);
    assert.deepEqual(
      pkg.versions.map((v: { version: string }) => v.version),
      ['0.1.0'],
    );
    const resolved = JSON.parse((await get('/api/plugins/route-drum/resolve?range=%5E0.1.0')).body);
    assert.equal(resolved.version, '0.1.0');
    assert.equal((await get('/api/plugins/route-drum/resolve?range=%5E2.0.0')).status, 404);
    assert.equal((await get('/api/plugins/route-drum/resolve?range=%3E%3D%3D')).status, 400);
    const bundle = await get('/api/plugins/route-drum/0.1.0/bundle');
    assert.equal(bundle.status, 200);
    assert.equal(bundle.headers.get('x-bambam-sha256'), pkg.latest.manifest.bundle.sha256);
    assert.match(bundle.body, /route-drum/);
    assert.equal(JSON.parse((await get('/api/plugins/route-drum/0.1.0/sourcemap')).body).version, 3);
    assert.equal((await get('/api/plugins/route-drum/9.9.9')).status, 404);
    assert.equal((await get('/api/plugins/never-published')).status, 404);
  });

  test('POST { source } with an npm token builds, checks and publishes; a bad token is a 401', async () => {
    const source = pluginSource({ name: 'studio-drum', description: 'Published from the studio.' });
    const refused = await post({ source }, 'not-a-real-token');
    assert.equal(refused.status, 401, JSON.stringify(refused.json));
    assert.equal(refused.json.error.code, 'unauthorized');
    assert.match(refused.json.error.message, /npm login --registry/);
    assert.equal((await post({ source })).status, 401, 'no token at all');

    const published = await post({ source }, npm.token);
    assert.equal(published.status, 201, JSON.stringify(published.json));
    assert.equal(published.json.name, 'studio-drum');
    const packument = (await (await fetch(new URL('studio-drum', npm.url))).json()) as Record<string, Json>;
    const version = packument.versions['0.1.0'];
    assert.deepEqual(version.keywords, ['bambam-plugin']);
    assert.equal(version.peerDependencies['@bambam/sdk'], published.json.manifest.sdk);
    assert.equal(version.dist.integrity, published.json.integrity);
    // And it loads back through the npm source like any plugin.
    assert.equal(
      (await engine.service.npm.load('studio-drum', '^0.1.0'))?.manifest.description,
      'Published from the studio.',
    );

    const again = await post({ source }, npm.token);
    assert.equal(again.status, 409, JSON.stringify(again.json));
    assert.equal(again.json.error.code, 'version-exists');
  });
});
