import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bambam } from './cli-test-support.ts';
import { parseSpec } from './install.ts';

test('specs: name, name@version, name@range', () => {
  assert.deepEqual(parseSpec('drum'), { name: 'drum', range: '*' });
  assert.deepEqual(parseSpec('drum@1.2.3'), { name: 'drum', range: '1.2.3' });
  assert.deepEqual(parseSpec('drum@^1.0.0'), { name: 'drum', range: '^1.0.0' });
  assert.throws(() => parseSpec('Drum'), /invalid plugin name/);
  assert.throws(() => parseSpec('drum@'), /empty version range/);
});

/**
 * An HTTP server that serves a registry's answers but hands out a bundle whose bytes differ
 * from its manifest's hash (a broken proxy or a tampered mirror): install must refuse it.
 */
describe('bambam install verifies what it downloads', () => {
  let server: Server;
  let url: string;
  let root: string;
  const real = Buffer.from('var real = 1;');
  const served = Buffer.from('var evil = 1;');
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'bambam-install-'));
    const manifest = {
      name: 'drum',
      version: '1.0.0',
      bundle: { sha256: createHash('sha256').update(real).digest('hex'), size: real.length },
    };
    server = createServer((req, res) => {
      if (req.url?.startsWith('/api/plugins/drum/resolve')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name: 'drum', version: '1.0.0', manifest }));
      } else if (req.url === '/api/plugins/drum/1.0.0/bundle') {
        res.writeHead(200).end(served);
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'not-found', message: 'nope' } }));
      }
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(root, { recursive: true, force: true });
  });

  test('a bundle that does not match its hash: exit 7, nothing written', async () => {
    const result = await bambam(['install', 'drum', '--registry', url, '--dir', 'plugins'], root);
    assert.equal(result.code, 7);
    assert.match(result.err, /the bundle of drum@1\.0\.0 failed verification.*nothing was installed/);
    assert.ok(!existsSync(join(root, 'plugins', 'drum')));
  });

  test('not found: exit 6', async () => {
    const result = await bambam(['install', 'other@^2', '--registry', url], root);
    assert.equal(result.code, 6);
    assert.match(result.err, /other@\^2 not found/);
  });

  test('usage errors: exit 2', async () => {
    assert.equal((await bambam(['install'], root)).code, 2);
    assert.equal((await bambam(['install', 'a', 'b'], root)).code, 2);
  });
});
