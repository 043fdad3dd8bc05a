import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { encodeWav, PluginSandbox } from '@bambam/runtime';
import {
  buildUpload,
  pluginSource,
  publish,
  type RunningRegistry,
  removeDir,
  startRegistry,
} from './test-support.ts';

describe('registry HTTP API', () => {
  let registry: RunningRegistry;
  let alice: string;
  let bob: string;

  before(async () => {
    registry = await startRegistry();
    alice = (await registry.token('alice')).token;
    bob = (await registry.token('bob')).token;
  });
  after(async () => {
    await registry.stop();
    removeDir(registry.dataDir);
  });

  const get = async (path: string) => {
    const response = await fetch(`${registry.url}${path}`);
    return {
      status: response.status,
      headers: response.headers,
      bytes: Buffer.from(await response.arrayBuffer()),
    };
  };
  const getJson = async (path: string) => {
    const answer = await get(path);
    return { status: answer.status, json: JSON.parse(answer.bytes.toString()) };
  };

  test('publishes a valid plugin and serves its manifest, versions and verified bundle', async () => {
    const upload = await buildUpload(pluginSource({ name: 'test-drum', version: '1.0.0' }));
    const published = await publish(registry.url, upload.body, alice);
    assert.equal(published.status, 201, JSON.stringify(published.json));
    assert.equal(published.json.version, '1.0.0');

    const pkg = await getJson('/api/plugins/test-drum');
    assert.equal(pkg.status, 200);
    assert.equal(pkg.json.owner, 'alice');
    assert.equal(pkg.json.latest.manifest.bundle.sha256, upload.manifest.bundle.sha256);

    const version = await getJson('/api/plugins/test-drum/1.0.0');
    assert.deepEqual(version.json.manifest, upload.manifest);

    const bundle = await get('/api/plugins/test-drum/1.0.0/bundle');
    assert.equal(bundle.status, 200);
    assert.deepEqual(bundle.bytes, upload.bundle);
    assert.equal(bundle.headers.get('x-bambam-sha256'), upload.manifest.bundle.sha256);

    const map = await get('/api/plugins/test-drum/1.0.0/sourcemap');
    assert.deepEqual(map.bytes, upload.sourceMap);
    assert.ok(registry.logs.some((l) => l.includes('published test-drum@1.0.0 by alice')));
  });

  test('semver ranges resolve to the highest matching version', async () => {
    for (const version of ['1.2.0', '2.0.0', '2.1.0-beta.1']) {
      const upload = await buildUpload(pluginSource({ name: 'test-drum', version }));
      assert.equal((await publish(registry.url, upload.body, alice)).status, 201);
    }
    const resolve = async (range: string) =>
      (await getJson(`/api/plugins/test-drum/resolve?range=${encodeURIComponent(range)}`)).json.version;
    assert.equal(await resolve('^1.0.0'), '1.2.0');
    assert.equal(await resolve('1.0.0'), '1.0.0');
    assert.equal(await resolve('*'), '2.0.0');
    assert.equal(await resolve('>=2.1.0-beta.0'), '2.1.0-beta.1');
    assert.equal((await getJson('/api/plugins/test-drum/resolve?range=^3')).status, 404);
    assert.equal((await getJson('/api/plugins/test-drum/resolve?range=nonsense!')).status, 400);
    const pkg = await getJson('/api/plugins/test-drum');
    assert.equal(pkg.json.latest.version, '2.0.0', 'latest is the highest stable version');
    assert.deepEqual(
      pkg.json.versions.map((v: { version: string }) => v.version),
      ['2.1.0-beta.1', '2.0.0', '1.2.0', '1.0.0'],
    );
  });

  test('search finds by name and description', async () => {
    const upload = await buildUpload(pluginSource({ name: 'bells', description: 'Chimes that ring.' }));
    assert.equal((await publish(registry.url, upload.body, bob)).status, 201);
    const names = async (q: string) =>
      (await getJson(`/api/plugins?q=${encodeURIComponent(q)}`)).json.plugins.map(
        (p: { name: string }) => p.name,
      );
    assert.deepEqual(await names('chimes'), ['bells']);
    assert.deepEqual(await names('drum'), ['test-drum']);
    assert.deepEqual((await names('')).sort(), ['bells', 'test-drum']);
    assert.deepEqual(await names('zzz'), []);
  });

  test('a duplicate version is refused (409): versions are immutable', async () => {
    const upload = await buildUpload(pluginSource({ name: 'test-drum', version: '1.0.0', note: 'D2' }));
    const answer = await publish(registry.url, upload.body, alice);
    assert.equal(answer.status, 409);
    assert.equal(answer.json.error?.code, 'version-exists');
    assert.match(answer.json.error!.message, /test-drum@1\.0\.0 is already published/);
  });

  test('a missing, unknown or revoked token is refused (401)', async () => {
    const upload = await buildUpload(pluginSource({ name: 'tokenless', version: '1.0.0' }));
    const missing = await publish(registry.url, upload.body);
    assert.equal(missing.status, 401);
    assert.match(missing.json.error!.message, /needs a token/);
    assert.equal((await publish(registry.url, upload.body, 'bbt_made-up')).status, 401);

    const { token, id } = await registry.token('carol');
    await registry.service.store.revokeToken(id);
    const revoked = await publish(registry.url, upload.body, token);
    assert.equal(revoked.status, 401);
    assert.match(revoked.json.error!.message, /revoked/);
    assert.ok(!JSON.stringify(revoked.json).includes(token), 'the token is never echoed');
    assert.equal((await getJson('/api/plugins/tokenless')).status, 404, 'nothing was stored');
  });

  test("another owner's name is refused (403)", async () => {
    const upload = await buildUpload(pluginSource({ name: 'test-drum', version: '9.0.0' }));
    const answer = await publish(registry.url, upload.body, bob);
    assert.equal(answer.status, 403);
    assert.match(answer.json.error!.message, /'test-drum' belongs to alice/);
  });

  test('a malformed manifest is refused (400) with the field named', async () => {
    const upload = await buildUpload(pluginSource({ name: 'malformed' }));
    const answer = await publish(
      registry.url,
      { ...upload.body, manifest: { ...upload.manifest, version: 'one' } },
      alice,
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error?.code, 'bad-manifest');
    assert.match(answer.json.error!.message, /'version': must be a semantic version/);

    const notJson = await publish(registry.url, '{"manifest":', alice);
    assert.equal(notJson.status, 400);
    assert.match(notJson.json.error!.message, /not valid JSON/);
  });

  test('an oversized bundle is refused (413) with the limit stated', async () => {
    const upload = await buildUpload(pluginSource({ name: 'huge' }));
    const huge = Buffer.alloc((1 << 20) + 1, 0x20);
    const answer = await publish(registry.url, { ...upload.body, bundle: huge.toString('base64') }, alice);
    assert.equal(answer.status, 413);
    assert.match(
      answer.json.error!.message,
      /bundle is 1048577 bytes; the registry accepts at most 1048576 bytes/,
    );
  });

  test('a bundle that does not match its manifest hash is refused (400)', async () => {
    const upload = await buildUpload(pluginSource({ name: 'tampered' }));
    const tampered = Buffer.from(`${upload.bundle.toString()}\n// extra`);
    const answer = await publish(
      registry.url,
      { ...upload.body, bundle: tampered.toString('base64') },
      alice,
    );
    assert.equal(answer.status, 400);
    assert.equal(answer.json.error?.code, 'hash-mismatch');
  });

  test('a bundle that fails in the sandbox is refused (422) with its location', async () => {
    const source = pluginSource({ name: 'explodes', prelude: "throw new Error('boom at load');" });
    const upload = await buildUpload(source, { name: 'explodes', version: '1.0.0', description: 'Boom.' });
    const answer = await publish(registry.url, upload.body, alice);
    assert.equal(answer.status, 422, JSON.stringify(answer.json));
    assert.equal(answer.json.error?.code, 'plugin-load');
    assert.match(answer.json.error!.message, /fails in the sandbox: .*boom at load/);
    assert.deepEqual((answer.json.error!.location as { line: number }).line, 2);
    assert.equal((await getJson('/api/plugins/explodes')).status, 404);
  });

  test('a plugin that loops forever at load is refused (422), and the registry keeps answering', async () => {
    const source = pluginSource({ name: 'loops', prelude: 'while (true) {}' });
    const upload = await buildUpload(source, { name: 'loops', version: '1.0.0', description: 'Loops.' });
    const answer = await publish(registry.url, upload.body, alice);
    assert.equal(answer.status, 422);
    assert.equal((await getJson('/api/plugins/test-drum')).status, 200);
  });

  test('a manifest that does not match the loaded plugin is refused (422)', async () => {
    const upload = await buildUpload(pluginSource({ name: 'liar' }));
    const lying = {
      ...upload.manifest,
      sounds: { ...upload.manifest.sounds, snare: upload.manifest.sounds.hit! },
    };
    const answer = await publish(registry.url, { ...upload.body, manifest: lying }, alice);
    assert.equal(answer.status, 422);
    assert.equal(answer.json.error?.code, 'manifest-mismatch');
    assert.match(answer.json.error!.message, /Manifest sounds does not match the bundle/);
  });

  test('a sound that does not render is refused (422)', async () => {
    const upload = await buildUpload(pluginSource({ name: 'unplayable', note: 'H9' }), {
      name: 'unplayable',
      version: '1.0.0',
      description: 'A test drum.',
    });
    const answer = await publish(registry.url, upload.body, alice);
    assert.equal(answer.status, 422, JSON.stringify(answer.json));
  });

  test('a corrupted stored bundle is detected on download: 500, logged, never served', async () => {
    const upload = await buildUpload(pluginSource({ name: 'fragile' }));
    assert.equal((await publish(registry.url, upload.body, alice)).status, 201);
    const path = `${registry.dataDir}/bundles/${upload.manifest.bundle.sha256.slice(0, 2)}/${upload.manifest.bundle.sha256}`;
    writeFileSync(path, upload.bundle.toString().replace('hit', 'hat'));
    const answer = await get('/api/plugins/fragile/1.0.0/bundle');
    assert.equal(answer.status, 500);
    const error = JSON.parse(answer.bytes.toString()).error;
    assert.equal(error.code, 'corrupt-bundle');
    assert.match(error.message, /failed its integrity check and was not served/);
    assert.ok(!answer.bytes.toString().includes('hat'));
    assert.ok(registry.logs.some((l) => l.startsWith('error refusing to serve the bundle of fragile@1.0.0')));
    const [, registryCatalog] = registry.service.catalogs;
    await assert.rejects(registryCatalog!.resolve('fragile'), /integrity check/);
  });

  test('publishes TypeScript source built on the server (the studio editor path)', async () => {
    const source = pluginSource({
      name: 'from-editor',
      version: '0.2.0',
      description: 'Made in the studio.',
    });
    const answer = await publish(registry.url, { source }, alice);
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
    const manifest = (answer.json.manifest ?? {}) as { sdk?: string; sounds?: object };
    assert.equal(manifest.sdk, '^0.1.0');
    assert.deepEqual(Object.keys(manifest.sounds ?? {}), ['hit']);
    const broken = await publish(registry.url, { source: 'export default definePlugin({' }, alice);
    assert.equal(broken.status, 422);
    assert.equal(broken.json.error?.code, 'plugin-compile');
    assert.ok((broken.json.error?.location as { line?: number } | undefined)?.line);
    assert.equal((await publish(registry.url, { source }, undefined)).status, 401);
  });

  test('a plugin with a WAV sample publishes; its manifest describes the sample by size and hash', async () => {
    const wav = encodeWav(new Float32Array(2 * 4800).fill(0.25), 48000, 2);
    const source = `import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'sampler',
  version: '1.0.0',
  description: 'Plays a recorded sample.',
  sounds: { blip: { kind: 'sample', wav: new Uint8Array([${Array.from(wav).join(',')}]) } },
  onFrame(frame, ctx) { if (frame.hands.length > 0) ctx.play('blip'); },
});
`;
    const upload = await buildUpload(source);
    assert.deepEqual(upload.manifest.sounds.blip, {
      kind: 'sample',
      bytes: wav.length,
      sha256: createHash('sha256').update(wav).digest('hex'),
    });
    const lying = {
      ...upload.manifest,
      sounds: { blip: { kind: 'sample', bytes: wav.length, sha256: 'b'.repeat(64) } },
    };
    const refused = await publish(registry.url, { ...upload.body, manifest: lying }, alice);
    assert.equal(refused.status, 422, 'a sample hash that does not match the bundle is refused');
    assert.match(refused.json.error!.message, /Manifest sounds does not match/);
    const answer = await publish(registry.url, upload.body, alice);
    assert.equal(answer.status, 201, JSON.stringify(answer.json));
  });

  test('unknown routes, names and methods answer clear errors', async () => {
    assert.equal((await getJson('/api/plugins/nope')).status, 404);
    assert.equal((await getJson('/api/plugins/Bad%20Name')).status, 400);
    assert.equal((await getJson('/api/plugins/test-drum/1.0.0/elsewhere')).status, 404);
    const put = await fetch(`${registry.url}/api/plugins/test-drum`, { method: 'PUT' });
    assert.equal(put.status, 405);
    const text = await fetch(`${registry.url}/api/plugins`, { method: 'POST', body: 'x' });
    assert.equal(text.status, 415);
  });

  test('the registry catalog gives the engine a loadable plugin for a name and range', async () => {
    const [sources, published] = registry.service.catalogs;
    assert.equal(await sources!.resolve('test-drum', '^1'), undefined, 'saved sources have no versions');
    const found = await published!.resolve('test-drum', '^1.0.0');
    assert.ok(found);
    const sandbox = await PluginSandbox.load(found.compiled);
    assert.equal(sandbox.description.version, '1.2.0');
    sandbox.dispose();
    assert.equal(await published!.resolve('no-such-plugin'), undefined);
    assert.equal(await published!.resolve('test-drum', 'not a range'), undefined);
  });
});

test('the database and bundles survive a restart', async () => {
  const first = await startRegistry();
  const { token } = await first.token('alice');
  const upload = await buildUpload(pluginSource({ name: 'durable', version: '1.0.0' }));
  assert.equal((await publish(first.url, upload.body, token)).status, 201);
  await first.stop();

  const second = await startRegistry(first.dataDir);
  try {
    const pkg = await fetch(`${second.url}/api/plugins/durable`);
    assert.equal(pkg.status, 200);
    const bundle = Buffer.from(
      await (await fetch(`${second.url}/api/plugins/durable/1.0.0/bundle`)).arrayBuffer(),
    );
    assert.deepEqual(bundle, upload.bundle);
    assert.equal(
      (await publish(second.url, upload.body, token)).status,
      409,
      'the token and version are remembered',
    );
  } finally {
    await second.stop();
    removeDir(first.dataDir);
  }
});
