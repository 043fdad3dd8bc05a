import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SavedSource } from '@bambam/protocol';
import { PluginSandbox } from '@bambam/runtime';
import { Registry } from 'prom-client';
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

  /** Browsers by name: each keeps the workspace cookie the engine gives it. */
  const jars = new Map<string, string>();
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
    browser = 'alice',
  ) => {
    const cookie = jars.get(browser);
    const response = await fetch(`${registry.url}${path}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': type }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const set = response.headers.getSetCookie()[0];
    if (set) jars.set(browser, set.split(';')[0]!);
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  const as = (browser: string) => ({
    get: (path: string) => call('GET', path, undefined, undefined, browser),
    put: (path: string, body: unknown) => call('PUT', path, body, 'application/json', browser),
    delete: (path: string) => call('DELETE', path, undefined, undefined, browser),
  });

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

  test("the examples catalog compiles the example for plugin:use, never a workspace's source", async () => {
    const [catalog] = registry.service.catalogs;
    await call('PUT', '/api/sources/my-beat', {
      source: pluginSource({ name: 'my-beat', version: '0.3.0' }),
    });
    assert.equal(await catalog!.resolve('my-beat'), undefined, 'plugin:use carries no workspace');
    // A workspace's copy of the example is not what another player's plugin:use gets.
    await call('PUT', '/api/sources/bam-drum', { source: pluginSource({ name: 'bam-drum' }) });

    const example = await catalog!.resolve('bam-drum');
    assert.equal(example?.source, BAM_DRUM);
    const drum = await PluginSandbox.load(example!.compiled);
    assert.equal(drum.description.name, 'bam-drum');
    drum.dispose();

    assert.equal(await catalog!.resolve('nothing-here'), undefined);
    assert.equal((await call('DELETE', '/api/sources/bam-drum')).status, 204);
  });

  test('another workspace gets 404 on your source, does not list it, and its PUT makes its own copy', async () => {
    const mine = pluginSource({ name: 'my-drum', note: 'C2' });
    assert.equal((await as('alice').put('/api/sources/my-drum', { source: mine })).status, 200);
    const bob = as('bob');
    const read = await bob.get('/api/sources/my-drum');
    assert.equal(read.status, 404);
    assert.doesNotMatch(JSON.stringify(read.json), /MembraneSynth/, 'nothing of the text leaks');
    assert.deepEqual(
      (await bob.get('/api/sources')).json.map((s: SavedSource) => s.name),
      ['bam-drum'],
      "bob's list has the example only",
    );
    assert.equal((await bob.delete('/api/sources/my-drum')).status, 404, "bob cannot delete alice's");
    const theirs = pluginSource({ name: 'my-drum', note: 'G3' });
    assert.equal((await bob.put('/api/sources/my-drum', { source: theirs })).status, 200);
    assert.equal((await bob.get('/api/sources/my-drum')).json.source, theirs);
    assert.equal((await as('alice').get('/api/sources/my-drum')).json.source, mine, "alice's is unchanged");
    // Neither a missing nor a forged cookie reaches alice's workspace.
    for (const cookie of [undefined, 'bambam_workspace=../../etc', `bambam_workspace=${'A'.repeat(43)}`]) {
      const stranger = await fetch(`${registry.url}/api/sources/my-drum`, {
        headers: cookie ? { cookie } : {},
      });
      assert.equal(stranger.status, 404, String(cookie));
    }
    await as('alice').delete('/api/sources/my-drum');
    await bob.delete('/api/sources/my-drum');
  });

  test("examples are read-only defaults: each workspace's copy is its own, deleting it reverts to the example", async () => {
    const copy = `${BAM_DRUM}// alice's copy\n`;
    assert.equal((await as('alice').put('/api/sources/bam-drum', { source: copy })).status, 200);
    const bob = await as('bob').get('/api/sources/bam-drum');
    assert.equal(bob.json.source, BAM_DRUM, 'another workspace gets the example, never the copy');
    assert.equal(bob.json.example, true);
    const listed = (await as('bob').get('/api/sources')).json.find((s: SavedSource) => s.name === 'bam-drum');
    assert.equal(listed.source, BAM_DRUM);
    assert.equal((await as('bob').delete('/api/sources/bam-drum')).status, 404, 'examples cannot be deleted');
    assert.equal((await as('alice').get('/api/sources/bam-drum')).json.source, copy);
    assert.equal((await as('alice').delete('/api/sources/bam-drum')).status, 204);
    assert.equal((await as('alice').get('/api/sources/bam-drum')).json.example, true);
  });

  test('the workspace cookie: random, HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS; set once', async () => {
    const first = await fetch(`${registry.url}/api/sources`);
    const cookie = first.headers.getSetCookie()[0] ?? '';
    assert.match(cookie, /^bambam_workspace=[A-Za-z0-9_-]{43}; /);
    const attributes = cookie.split('; ').slice(1);
    for (const expected of ['Path=/', 'HttpOnly', 'SameSite=Lax'])
      assert.ok(attributes.includes(expected), cookie);
    assert.ok(!attributes.includes('Secure'), 'not Secure over plain HTTP (the browser would drop it)');
    const again = await fetch(`${registry.url}/api/sources`, { headers: { cookie: cookie.split(';')[0]! } });
    assert.deepEqual(again.headers.getSetCookie(), [], 'a browser that has one keeps it');
    const other = await fetch(`${registry.url}/api/sources`);
    assert.notEqual(
      other.headers.getSetCookie()[0]?.split(';')[0],
      cookie.split(';')[0],
      'random per browser',
    );
    const bad = await fetch(`${registry.url}/api/sources`, { headers: { cookie: 'bambam_workspace=short' } });
    assert.match(
      bad.headers.getSetCookie()[0] ?? '',
      /^bambam_workspace=[A-Za-z0-9_-]{43}; /,
      'malformed: replaced',
    );
    const proxied = await fetch(`${registry.url}/api/sources`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.ok(
      proxied.headers.getSetCookie()[0]?.split('; ').includes('Secure'),
      'Secure behind an HTTPS proxy',
    );
  });

  test('cross-site writes (CSRF): a form or text/plain body is refused and nothing is stored', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const answer = await call('PUT', '/api/sources/csrf', JSON.stringify({ source: '// forged' }), type);
      assert.equal(answer.status, 415, type);
    }
    assert.equal((await call('GET', '/api/sources/csrf')).status, 404);
  });
});

describe('limits per workspace', () => {
  let registry: RunningService;
  const metrics = new Registry();
  before(async () => {
    registry = await startService({
      npmRegistry: 'http://127.0.0.1:9/',
      sourceLimits: { maxSourcesPerWorkspace: 3, maxSourceChars: 1000 },
    });
    registry.service.metrics.registerOn(metrics);
  });
  after(() => registry.stop());

  const put = (name: string, source: string, cookie?: string) =>
    fetch(`${registry.url}/api/sources/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ source }),
    });
  const refusals = async (reason: string) =>
    (await metrics.getSingleMetric('bambam_source_refusals_total')!.get()).values.find(
      (v) => v.labels.reason === reason,
    )?.value;

  test('too many sources: 429 with a clear message, counted; replacing and other workspaces still work', async () => {
    const first = await put('a', '// a');
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.equal((await put('b', '// b', cookie)).status, 200);
    assert.equal((await put('c', '// c', cookie)).status, 200);
    const over = await put('d', '// d', cookie);
    assert.equal(over.status, 429);
    const body = (await over.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'too-many-sources');
    assert.match(body.error.message, /already holds 3 saved sources.*BAMBAM_MAX_SOURCES_PER_WORKSPACE/);
    assert.equal(await refusals('too_many_sources'), 1);
    assert.equal((await put('a', '// a again', cookie)).status, 200, 'replacing is not creating');
    assert.equal((await put('d', '// d')).status, 200, 'another workspace has its own count');
    const listed = (await (
      await fetch(`${registry.url}/api/sources`, { headers: { cookie } })
    ).json()) as SavedSource[];
    assert.deepEqual(
      listed.map((s) => s.name),
      ['a', 'b', 'bam-drum', 'c'],
    );
  });

  test('too large: 413 naming the limit, counted, nothing stored', async () => {
    const big = await put('big', 'x'.repeat(1001));
    assert.equal(big.status, 413);
    assert.match(
      ((await big.json()) as { error: { message: string } }).error.message,
      /limit is 1000.*BAMBAM_MAX_SOURCE_CHARS/,
    );
    assert.equal(await refusals('too_large'), 1);
    const cookie = big.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.equal((await fetch(`${registry.url}/api/sources/big`, { headers: { cookie } })).status, 404);
    assert.equal((await put('big', 'x'.repeat(1000), cookie)).status, 200, 'at the limit is fine');
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

  /** One browser's workspace: every request here carries its cookie. */
  const cookie = `bambam_workspace=${'p'.repeat(43)}`;
  const put = (source: string) =>
    fetch(`${registry.url}/api/sources/mine`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', cookie },
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
      assert.equal((await fetch(`${registry.url}/api/sources`, { headers: { cookie } })).status, 503);
    } finally {
      await postgres.start();
    }
    assert.equal((await put('after')).status, 200);
    const read = (await (
      await fetch(`${registry.url}/api/sources/mine`, { headers: { cookie } })
    ).json()) as SavedSource;
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
    const read = (await (
      await fetch(`${registry.url}/api/sources/mine`, { headers: { cookie } })
    ).json()) as SavedSource;
    assert.ok(texts.includes(read.source), 'last writer wins whole');
  });
});
