import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeParams, encodeParams, isRunning, parseShareQuery, shareLink } from './share-link.ts';

describe('share links', () => {
  it('round-trips a plugin, its version and its params (unicode included) through the query', () => {
    const params = { sound: 'snare', sensitivity: 0.7, stereo: true, label: 'é✓' };
    const link = shareLink({ name: 'bam-drum', version: '1.2.0' }, params, 'https://studio.example');
    const url = new URL(link);
    assert.equal(url.pathname, '/play');
    assert.equal(url.searchParams.get('plugin'), 'bam-drum@1.2.0');
    assert.match(url.searchParams.get('params') ?? '', /^[A-Za-z0-9_-]+$/);
    const parsed = parseShareQuery({
      plugin: url.searchParams.get('plugin'),
      params: url.searchParams.get('params'),
    });
    assert.deepEqual(parsed, { ok: true, shared: { name: 'bam-drum', range: '1.2.0', params } });
  });

  it('reads ranges, scoped names and no version; no plugin means no link', () => {
    assert.deepEqual(parseShareQuery({ plugin: 'bam-drum@^0' }), {
      ok: true,
      shared: { name: 'bam-drum', range: '^0', params: {} },
    });
    assert.deepEqual(parseShareQuery({ plugin: '@someone/shaker@~2.1' }), {
      ok: true,
      shared: { name: '@someone/shaker', range: '~2.1', params: {} },
    });
    assert.deepEqual(parseShareQuery({ plugin: 'bam-drum' }), {
      ok: true,
      shared: { name: 'bam-drum', params: {} },
    });
    assert.equal(parseShareQuery({}), null);
  });

  it('refuses bad links with a sentence saying what is wrong', () => {
    const error = (query: { plugin?: string; params?: string }) => {
      const parsed = parseShareQuery(query);
      assert.ok(parsed && !parsed.ok, `accepted ${JSON.stringify(query)}`);
      return parsed.error;
    };
    assert.match(error({ plugin: 'Bad Name!' }), /no valid plugin/);
    assert.match(error({ plugin: 'bam-drum@not a range' }), /not a version or range/);
    assert.match(error({ plugin: 'bam-drum', params: '***' }), /not base64url/);
    assert.match(error({ plugin: 'bam-drum', params: encodeParams({}).concat('AAAA') }), /params/);
    assert.match(error({ plugin: 'bam-drum', params: btoaUrl('[1,2]') }), /JSON object/);
    assert.match(error({ plugin: 'bam-drum', params: btoaUrl('{"a":{"b":1}}') }), /'a'/);
    assert.throws(() => decodeParams('A'.repeat(9000)), /too long/);
  });

  it('knows when the running plugin already is the shared one', () => {
    const running = { name: 'bam-drum', version: '1.0.0' };
    assert.equal(isRunning({ name: 'bam-drum', range: '^1', params: {} }, running), true);
    assert.equal(isRunning({ name: 'bam-drum', params: {} }, running), true);
    assert.equal(isRunning({ name: 'bam-drum', range: '^0', params: {} }, running), false);
    assert.equal(isRunning({ name: 'other', params: {} }, running), false);
    assert.equal(isRunning({ name: 'bam-drum', params: {} }, null), false);
  });
});

function btoaUrl(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
