/**
 * The engine's HTTP API attacked as a web page of another site would: a real engine with the
 * real registry routes, requests with forged Origin, Host and Content-Type headers (node:http,
 * which sends them as given). Every request carries the victim's workspace cookie (as if the
 * browser attached it, which SameSite=Lax already prevents on cross-site writes): refused
 * requests must change nothing in that workspace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createEngine, type Engine } from '../engine.ts';
import { createRegistryService, type RegistryService, WORKSPACE_COOKIE } from '../registry/index.ts';
import { workspaceKey } from '../registry/workspace/cookies.ts';
import { isJsonContentType } from './content-type.ts';
import { hostNameOf, OriginPolicy } from './origin-policy.ts';

/** Origins a browser could send that are not the studio's (the default allows localhost:3000 and 127.0.0.1:3000). */
const FOREIGN_ORIGINS = [
  'http://evil.example',
  'null',
  'http://localhost:3000.evil.example',
  'http://localhost:3001',
  'https://localhost:3000',
  'http://127.0.0.1:3000.nip.io',
  '',
];
/** Names an attacker's DNS can point at 127.0.0.1 (DNS rebinding). */
const FOREIGN_HOSTS = [
  'evil.example',
  'localhost.evil.example',
  '127.0.0.1.nip.io',
  'evil.example:3001',
  'localhost:3001@evil.example',
];
const STUDIO = 'http://localhost:3000';
const ORIGINAL = '// the saved source, untouched\n';

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

let engine: Engine;
let registry: RegistryService;
let dataDir: string;
/** `bambam_workspace=…` of the victim's browser, sent with every request. */
let victimCookie = '';

/** One HTTP request with exactly these headers (`noHost` sends no Host). */
function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; noHost?: boolean } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: engine.port,
        method,
        path,
        headers: { ...(victimCookie ? { cookie: victimCookie } : {}), ...options.headers },
        setHost: !options.noHost,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };
const putBody = JSON.stringify({ source: '// written by an attacker\n' });

async function savedSource(name = 'mine'): Promise<string | undefined> {
  const id = victimCookie.slice(WORKSPACE_COOKIE.length + 1);
  return (await registry.sources.get(workspaceKey('cookie', id), name))?.source;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'bambam-origin-'));
  registry = await createRegistryService({
    dataDir,
    // No npm registry in this test: plugin reads answer 502 registry-unreachable.
    npmRegistry: 'http://127.0.0.1:9/',
    logger: { info: () => {}, warn: () => {}, error: (m) => console.error(m) },
  });
  engine = await createEngine({ port: 0 }, { processMetrics: false, routes: registry.routes });
  registry.metrics.registerOn(engine.metrics.registry); // as main.ts does
  const saved = await send('PUT', '/api/sources/mine', {
    headers: json,
    body: JSON.stringify({ source: ORIGINAL }),
  });
  assert.equal(saved.status, 200, saved.text);
  victimCookie = String(saved.headers['set-cookie']?.[0]).split(';')[0]!;
  assert.match(victimCookie, new RegExp(`^${WORKSPACE_COOKIE}=[A-Za-z0-9_-]{43}$`));
});

after(async () => {
  await engine.close();
  await registry.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a page of another origin', () => {
  const attempts: [string, string, Record<string, string>, string?][] = [
    ['GET', '/api/health', {}],
    ['GET', '/metrics', {}],
    ['GET', '/api/sources', {}],
    ['GET', '/api/sources/mine', {}],
    ['PUT', '/api/sources/mine', json, putBody],
    ['DELETE', '/api/sources/mine', {}],
    ['POST', '/api/plugins', { ...json, authorization: 'Bearer bbt_x' }, '{}'],
    ['GET', '/api/plugins?q=', {}],
    ['OPTIONS', '/api/sources/mine', { 'access-control-request-method': 'PUT' }],
  ];

  test('is refused with 403 on every route and method, and changes nothing', async () => {
    for (const origin of FOREIGN_ORIGINS) {
      for (const [method, path, headers, body] of attempts) {
        const answer = await send(method, path, { headers: { ...headers, origin }, body });
        const what = `${method} ${path} from Origin '${origin}'`;
        assert.equal(answer.status, 403, `${what}: ${answer.text}`);
        assert.equal(JSON.parse(answer.text).error.code, 'origin-not-allowed', what);
        assert.equal(answer.headers['access-control-allow-origin'], undefined, what);
      }
    }
    assert.equal(await savedSource(), ORIGINAL);
  });

  test('with a text/plain "simple" request (no preflight in a browser) is refused too', async () => {
    const answer = await send('PUT', '/api/sources/mine', {
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain' },
      body: putBody,
    });
    assert.equal(answer.status, 403);
    assert.equal(await savedSource(), ORIGINAL);
  });
});

describe('a request for a host name the engine does not serve (DNS rebinding)', () => {
  test('is refused with 421 on every route and method, even without an Origin, and changes nothing', async () => {
    for (const host of FOREIGN_HOSTS) {
      for (const [method, path, headers, body] of [
        ['GET', '/api/health', {}],
        ['GET', '/metrics', {}],
        ['GET', '/api/sources/mine', {}],
        ['PUT', '/api/sources/mine', json, putBody],
        ['DELETE', '/api/sources/mine', {}],
      ] as [string, string, Record<string, string>, string?][]) {
        const answer = await send(method, path, { headers: { ...headers, host }, body });
        assert.equal(answer.status, 421, `${method} ${path} for Host '${host}': ${answer.text}`);
        assert.equal(JSON.parse(answer.text).error.code, 'host-not-allowed');
      }
      // Same-origin for the rebound page: its Origin is its own name.
      const withOrigin = await send('PUT', '/api/sources/mine', {
        headers: { ...json, host, origin: `http://${host}` },
        body: putBody,
      });
      assert.equal(withOrigin.status, 421);
    }
    // Node itself answers 400 to an HTTP/1.1 request without Host; the policy would say 421.
    const noHost = await send('PUT', '/api/sources/mine', { headers: json, body: putBody, noHost: true });
    assert.ok([400, 421].includes(noHost.status), `a request without Host is refused, got ${noHost.status}`);
    assert.equal(await savedSource(), ORIGINAL);
  });

  test('localhost, 127.0.0.1 and [::1] on any port are served', async () => {
    for (const host of ['localhost', 'localhost:3001', '127.0.0.1:9', '[::1]:3001', 'LOCALHOST:3001']) {
      const answer = await send('GET', '/api/health', { headers: { host } });
      assert.equal(answer.status, 200, host);
    }
  });
});

describe('writes under /api/ are JSON only (parsed media type)', () => {
  const refused = [
    'text/plain',
    'text/plain; x=application/json',
    'text/plain; charset=utf-8; application/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=----x',
    'application/jsonx',
    'application/json-patch+json',
    'xapplication/json',
    'application/json; charset=latin1',
  ];

  test('other content types get 415, from the studio too, and change nothing', async () => {
    for (const type of refused) {
      for (const origin of [undefined, STUDIO]) {
        const headers = { 'content-type': type, ...(origin ? { origin } : {}) };
        const put = await send('PUT', '/api/sources/mine', { headers, body: putBody });
        assert.equal(put.status, 415, `PUT as '${type}' from ${origin}: ${put.text}`);
        const post = await send('POST', '/api/plugins', {
          headers: { ...headers, authorization: 'Bearer bbt_x' },
          body: '{}',
        });
        assert.equal(post.status, 415, `POST as '${type}' from ${origin}`);
        const del = await send('DELETE', '/api/sources/mine', { headers });
        assert.equal(del.status, 415, `DELETE as '${type}' from ${origin}`);
      }
    }
    const none = await send('PUT', '/api/sources/mine', { body: putBody });
    assert.equal(none.status, 415, 'a PUT without Content-Type');
    assert.equal(await savedSource(), ORIGINAL);
  });

  test('application/json (with a UTF-8 charset, any case) from the studio is accepted, with CORS headers', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      const answer = await send('PUT', '/api/sources/theirs', {
        headers: { 'content-type': type, origin: STUDIO },
        body: JSON.stringify({ source: `// ${type}\n` }),
      });
      assert.equal(answer.status, 200, `${type}: ${answer.text}`);
      assert.equal(answer.headers['access-control-allow-origin'], STUDIO);
      assert.equal(await savedSource('theirs'), `// ${type}\n`);
    }
    const preflight = await send('OPTIONS', '/api/sources/theirs', {
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'PUT' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'http://127.0.0.1:3000');
    // The studio deletes without a body or Content-Type (DELETE is preflighted cross-site anyway).
    const del = await send('DELETE', '/api/sources/theirs', { headers: { origin: STUDIO } });
    assert.equal(del.status, 204, del.text);
    assert.equal(await savedSource('theirs'), undefined);
  });

  test('curl, the CLI and Node clients (no Origin) are served', async () => {
    const put = await send('PUT', '/api/sources/cli', {
      headers: json,
      body: JSON.stringify({ source: '// cli\n' }),
    });
    assert.equal(put.status, 200);
    const get = await send('GET', '/api/sources/cli');
    assert.equal(JSON.parse(get.text).source, '// cli\n');
    assert.equal((await send('GET', '/metrics')).status, 200);
  });

  test("a save over the workspace's size limit is 413 and counted on the engine's /metrics", async () => {
    const big = await send('PUT', '/api/sources/big', {
      headers: json,
      body: JSON.stringify({ source: 'x'.repeat(500_001) }),
    });
    assert.equal(big.status, 413, big.text);
    const metrics = (await send('GET', '/metrics')).text;
    assert.match(metrics, /^bambam_source_refusals_total\{reason="too_large"\} 1$/m);
    assert.match(metrics, /^bambam_source_refusals_total\{reason="too_many_sources"\} 0$/m);
  });
});

describe('GET /api/plugins?limit=', () => {
  test('a limit that is not a whole number from 1 is a 400, larger ones pass to the npm registry', async () => {
    for (const limit of ['1.5', '-1', 'abc', '1e9', '0', '', '0x10', ' 5', 'Infinity']) {
      const answer = await send('GET', `/api/plugins?limit=${encodeURIComponent(limit)}`);
      assert.equal(answer.status, 400, `limit '${limit}': ${answer.text}`);
      assert.match(JSON.parse(answer.text).error.message, /limit must be a whole number/);
    }
    for (const limit of ['1', '50', '1000000000', '9'.repeat(400)]) {
      const answer = await send('GET', `/api/plugins?limit=${limit}`);
      // Accepted: the search goes on to the (absent) npm registry.
      assert.equal(answer.status, 502, `limit '${limit.slice(0, 12)}': ${answer.text}`);
      assert.equal(JSON.parse(answer.text).error.code, 'registry-unreachable');
    }
  });
});

describe('the policy pieces', () => {
  test('Host parsing: name without port, lowercase; malformed is undefined', () => {
    assert.equal(hostNameOf('LocalHost:3001'), 'localhost');
    assert.equal(hostNameOf('[::1]:3001'), '[::1]');
    assert.equal(hostNameOf('127.0.0.1'), '127.0.0.1');
    for (const bad of [undefined, '', 'a:b:c', 'localhost:', 'localhost:x', '[::1', 'user@localhost:1:2']) {
      assert.equal(hostNameOf(bad), undefined, String(bad));
    }
  });

  test('the listen address is served when it names one host, not when it is a wildcard', () => {
    const lan = new OriginPolicy({ allowedOrigins: [], allowedHosts: [], bindHost: '192.168.1.5' });
    assert.equal(lan.hostAllowed('192.168.1.5:3001'), true);
    const any = new OriginPolicy({ allowedOrigins: [], allowedHosts: [], bindHost: '0.0.0.0' });
    assert.equal(any.hostAllowed('0.0.0.0:3001'), false);
    assert.equal(any.hostAllowed('localhost:3001'), true);
    const v6 = new OriginPolicy({
      allowedOrigins: [],
      allowedHosts: ['studio.example.org'],
      bindHost: 'fd00::5',
    });
    assert.equal(v6.hostAllowed('[fd00::5]:3001'), true);
    assert.equal(v6.hostAllowed('studio.example.org'), true);
    assert.equal(v6.hostAllowed('studio.example.org.evil.example'), false);
    assert.equal(any.check({})?.status, 421, 'no Host header');
    const unchecked = new OriginPolicy({ allowedOrigins: '*', allowedHosts: '*' });
    assert.equal(unchecked.hostAllowed('evil.example'), true);
    assert.equal(unchecked.originAllowed('null'), true);
  });

  test('JSON content type: the essence must be application/json', () => {
    assert.equal(isJsonContentType('application/json'), true);
    assert.equal(isJsonContentType('application/json; charset=utf-8'), true);
    for (const type of [
      undefined,
      '',
      'text/plain; x=application/json',
      'application/json, text/plain',
      'application/jsonx',
    ])
      assert.equal(isJsonContentType(type), false, String(type));
  });
});
