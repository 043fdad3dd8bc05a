/**
 * What the proxy forwards: it answers for the engine's paths only, refuses foreign Origins
 * before anything reaches the engine, and forwards the rest with the engine's Host and without
 * Origin. The upstream here is a plain HTTP server that records the requests it receives (the
 * end-to-end test, test/studio-same-origin.test.ts, runs the real engine behind it).
 */
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EngineProxy, isEnginePath } from './engine-proxy.ts';

describe('isEnginePath', () => {
  it('matches the engine paths and their sub-paths only', () => {
    for (const url of [
      '/socket.io/?EIO=4',
      '/api/sources',
      '/api/sources/bam-drum',
      '/api/plugins?q=x',
      '/api/health',
      '/metrics',
      '/api/me',
      '/auth/login?returnTo=/edit',
      '/auth/callback?code=x&state=y',
    ])
      assert.equal(isEnginePath(url), true, url);
    for (const url of ['/api/config', '/api/sourcesx', '/play', '/', '/socket.iox', '/authx', undefined])
      assert.equal(isEnginePath(url), false, String(url));
  });
});

describe('EngineProxy', () => {
  const received: { url: string; headers: IncomingHttpHeaders }[] = [];
  let upstream: http.Server;
  let front: http.Server;
  let proxy: EngineProxy;
  let frontUrl = '';
  let upstreamPort = 0;

  before(async () => {
    upstream = http.createServer((req, res) => {
      received.push({ url: req.url ?? '', headers: req.headers });
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': ['bambam_workspace=abc; Path=/; HttpOnly; SameSite=Lax', 'other=1; Path=/auth'],
        })
        .end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
    proxy = new EngineProxy({ target: `http://127.0.0.1:${upstreamPort}`, scheme: 'http', log: () => {} });
    front = http.createServer((req, res) => proxy.web(req, res));
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `http://localhost:${(front.address() as AddressInfo).port}`;
  });

  after(async () => {
    proxy.close();
    front.closeAllConnections();
    upstream.closeAllConnections();
    await Promise.all([front, upstream].map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const get = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(`${frontUrl}/api/sources?x=1`, { headers, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });

  it('forwards a same-origin request with the engine’s Host, no Origin, and the player’s address', async () => {
    received.length = 0;
    assert.equal(await get({ origin: frontUrl }), 200);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.url, '/api/sources?x=1');
    assert.equal(received[0]!.headers.host, `127.0.0.1:${upstreamPort}`);
    assert.equal(received[0]!.headers.origin, undefined);
    // The player's address, for the engine's per-client limits.
    assert.equal(received[0]!.headers['x-forwarded-for'], '127.0.0.1');
  });

  it('passes cookies both ways: Cookie to the engine, every Set-Cookie back unchanged', async () => {
    received.length = 0;
    const setCookies = await new Promise<string[]>((resolve, reject) => {
      http
        .get(
          `${frontUrl}/api/sources`,
          { headers: { cookie: 'bambam_workspace=xyz; a=b' }, agent: false },
          (res) => {
            res.resume();
            resolve(res.headers['set-cookie'] ?? []);
          },
        )
        .on('error', reject);
    });
    assert.equal(received[0]!.headers.cookie, 'bambam_workspace=xyz; a=b');
    assert.equal(received[0]!.headers['x-forwarded-proto'], 'http', 'the engine learns the scheme');
    assert.deepEqual(setCookies, [
      'bambam_workspace=abc; Path=/; HttpOnly; SameSite=Lax',
      'other=1; Path=/auth',
    ]);
  });

  it('refuses a foreign Origin without reaching the engine', async () => {
    received.length = 0;
    assert.equal(await get({ origin: 'http://evil.example' }), 403);
    assert.equal(await get({ origin: 'null' }), 403);
    assert.equal(received.length, 0);
  });

  it('answers 502 with the engine’s address when the engine is down', async () => {
    const down = new EngineProxy({ target: 'http://127.0.0.1:1', scheme: 'http', log: () => {} });
    const server = http.createServer((req, res) => down.web(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      http
        .get(
          `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/health`,
          { agent: false },
          (res) => {
            let text = '';
            res.on('data', (c) => {
              text += c;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        )
        .on('error', reject);
    });
    down.close();
    server.close();
    assert.equal(body.status, 502);
    assert.equal(JSON.parse(body.text).error.code, 'engine-unreachable');
    assert.match(body.text, /127\.0\.0\.1:1/);
  });
});
