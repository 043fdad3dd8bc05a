import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SavedSource } from '@bambam/protocol';
import { PluginSandbox } from '@bambam/runtime';
import { postgresMissing, type RunningPostgres, startPostgres } from '../testing/postgres.ts';
import { pluginSource, type RunningService, startService } from './test-support.ts';

const BAM_DRUM = readFileSync(fileURLToPath(import.meta.resolve('@bambam/bam-drum')), 'utf8');

describe('saved sources (/api/sources) and their catalog', () => {
  let registry: RunningService;
  before(async () => {
    registry = await startService({ npmRegistry: 'http://127.0.0.1:9/' });
  });
  after(async () => {
    await registry.stop();
  });

  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const response = await fetch(`${registry.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            headers: { 'content-type': type },
            body: typeof body === 'string' ? body : JSON.stringify(body),
          }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
  };

  test('lists bam-drum as an example, read from its package', async () => {
    const list = await call('GET', '/api/sources');
    assert.equal(list.status, 200);
    const drum = (list.json as SavedSource[]).find((s) => s.name === 'bam-drum');
    assert.ok(drum?.example);
    assert.equal(drum.source, BAM_DRUM);
    assert.equal((await call('GET', '/api/sources/bam-drum')).json.source, BAM_DRUM);
  });

  test('PUT saves, GET reads, the list includes it, DELETE removes it', async () => {
    const source = pluginSource({ name: 'my-beat' });
    const saved = await call('PUT', '/api/sources/my-beat', { source });
    assert.equal(saved.status, 200);
    assert.equal(saved.json.name, 'my-beat');
    assert.ok(Date.parse(saved.json.updatedAt) > 0);
    assert.equal((await call('GET', '/api/sources/my-beat')).json.source, source);
    const text = await call('PUT', '/api/sources/my-beat', `${source}// v2\n`, 'text/plain');
    assert.equal(text.status, 415, 'JSON only: a text/plain PUT skips the CORS preflight');
    assert.equal((await call('PUT', '/api/sources/my-beat', { source: `${source}// v2\n` })).status, 200);
    assert.ok((await call('GET', '/api/sources/my-beat')).json.source.endsWith('// v2\n'));
    const names = (await call('GET', '/api/sources')).json.map((s: SavedSource) => s.name);
    assert.deepEqual(names, ['bam-drum', 'my-beat']);
    assert.equal((await call('DELETE', '/api/sources/my-beat')).status, 204);
    assert.equal((await call('GET', '/api/sources/my-beat')).status, 404);
  });

  test('saving an example stores a copy that wins; deleting it brings the example back', async () => {
    await call('PUT', '/api/sources/bam-drum', { source: `${BAM_DRUM}// mine\n` });
    const copy = await call('GET', '/api/sources/bam-drum');
    assert.ok(!copy.json.example);
    assert.ok(copy.json.source.endsWith('// mine\n'));
    assert.equal((await call('DELETE', '/api/sources/bam-drum')).status, 204);
    assert.ok((await call('GET', '/api/sources/bam-drum')).json.example);
    const again = await call('DELETE', '/api/sources/bam-drum');
    assert.equal(again.status, 404);
    assert.match(again.json.error.message, /examples cannot be deleted/);
  });

  test('bad names, bodies and methods get clear errors', async () => {
    assert.equal((await call('PUT', '/api/sources/Not%20OK', { source: 'x' })).status, 400);
    const empty = await call('PUT', '/api/sources/ok', { source: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.json.error.message, /non-empty string/);
    assert.equal((await call('PUT', '/api/sources/ok', '{oops')).status, 400);
    const big = await call('PUT', '/api/sources/ok', { source: 'x'.repeat(500_001) });
    assert.equal(big.status, 413);
    const nul = await call('PUT', '/api/sources/ok', { source: 'a\u0000b' });
    assert.equal(nul.status, 400, 'NUL cannot be stored by PostgreSQL: refused the same on every store');
    assert.match(nul.json.error.message, /NUL/);
    assert.equal((await call('POST', '/api/sources')).status, 405);
    assert.equal((await call('GET', '/api/sources/a/b')).status, 404);
  });

  test('the sources catalog compiles saved sources and the example for plugin:use', async () => {
    const [catalog] = registry.service.catalogs;
    await call('PUT', '/api/sources/my-beat', {
      source: pluginSource({ name: 'my-beat', version: '0.3.0' }),
    });
    const saved = await catalog!.resolve('my-beat');
    assert.ok(saved?.source?.includes("name: 'my-beat'"));
    const sandbox = await PluginSandbox.load(saved!.compiled);
    assert.equal(sandbox.description.version, '0.3.0');
    sandbox.dispose();

    const example = await catalog!.resolve('bam-drum');
    assert.equal(example?.source, BAM_DRUM);
    const drum = await PluginSandbox.load(example!.compiled);
    assert.equal(drum.description.name, 'bam-drum');
    drum.dispose();

    assert.equal(await catalog!.resolve('nothing-here'), undefined);
    await call('PUT', '/api/sources/broken', { source: 'export default {' });
    await assert.rejects(
      catalog!.resolve('broken'),
      (error: Error & { code?: string }) => error.code === 'compile',
    );
  });
});

describe('saved sources on PostgreSQL: the database going away and coming back', {
  skip: postgresMissing(),
}, () => {
  let postgres: RunningPostgres;
  let registry: RunningService;
  before(async () => {
    postgres = await startPostgres();
    registry = await startService({ npmRegistry: 'http://127.0.0.1:9/', databaseUrl: postgres.url });
  });
  after(async () => {
    await registry?.stop();
    await postgres?.dispose();
  });

  const put = (source: string) =>
    fetch(`${registry.url}/api/sources/mine`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source }),
    });

  test('503 store-unavailable while it is away, saying it will recover; saves work again when it is back', async () => {
    assert.equal((await put('before')).status, 200);
    await postgres.stop();
    try {
      const away = await put('during');
      assert.equal(away.status, 503);
      const body = (await away.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'store-unavailable');
      assert.match(body.error.message, /will work again when it is back/);
      assert.equal((await fetch(`${registry.url}/api/sources`)).status, 503);
    } finally {
      await postgres.start();
    }
    assert.equal((await put('after')).status, 200);
    const read = (await (await fetch(`${registry.url}/api/sources/mine`)).json()) as SavedSource;
    assert.equal(read.source, 'after');
  });

  test('many concurrent PUTs of one source: the stored text is exactly one of them', async () => {
    const texts = Array.from(
      { length: 30 },
      (_, i) => `// save ${i}\n${'ab'.charAt(i % 2).repeat(40_000 + i)}`,
    );
    const answers = await Promise.all(texts.map((text) => put(text)));
    assert.deepEqual(
      answers.map((a) => a.status),
      texts.map(() => 200),
    );
    const read = (await (await fetch(`${registry.url}/api/sources/mine`)).json()) as SavedSource;
    assert.ok(texts.includes(read.source), 'last writer wins whole');
  });
});
