import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bambam } from './cli-test-support.ts';
import { DEFAULT_REGISTRY, publishToken, registryUrl } from './publish.ts';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

test('registry URL and token come from the option, then the env, then the config file', () => {
  assert.equal(registryUrl(undefined, {}, {}).href, `${DEFAULT_REGISTRY}/`);
  assert.equal(registryUrl(undefined, {}, { registry: 'http://c:1' }).host, 'c:1');
  assert.equal(
    registryUrl(undefined, { BAMBAM_REGISTRY: 'http://e:2' }, { registry: 'http://c:1' }).host,
    'e:2',
  );
  assert.equal(registryUrl('http://o:3', { BAMBAM_REGISTRY: 'http://e:2' }, {}).host, 'o:3');
  assert.throws(() => registryUrl('ftp://x', {}, {}), /must be http/);
  assert.equal(publishToken(undefined, {}, { token: 'c' }), 'c');
  assert.equal(publishToken(undefined, { BAMBAM_TOKEN: 'e' }, { token: 'c' }), 'e');
  assert.equal(publishToken('o', { BAMBAM_TOKEN: 'e' }, {}), 'o');
  assert.throws(
    () => publishToken(undefined, {}, {}),
    (e: Error & { exitCode?: number }) => e.exitCode === 8,
  );
});

describe('bambam publish failures', () => {
  let root: string;
  let built: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'bambam-publish-'));
    built = join(root, 'built');
    mkdirSync(join(built, 'dist'), { recursive: true });
    // A dist/ as bambam build leaves it (publish only reads and re-checks it).
    writeFileSync(join(built, 'dist/plugin.js'), 'var x = 1;');
    writeFileSync(
      join(built, 'dist/manifest.json'),
      JSON.stringify({
        name: 'built',
        version: '1.0.0',
        bundle: { sha256: '8b4ecc2d8e8b2d35f0ad3d8d5bbbb6b4e1e0d1f2c5c4f6b3e1a2b3c4d5e6f7a8', size: 10 },
      }),
    );
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('not built: exit 3', async () => {
    const result = await bambam(['publish', '--token', 't'], root);
    assert.equal(result.code, 3);
    assert.match(result.err, /not built: .*manifest\.json is missing; run `bambam build` first/);
  });

  test('a dist/ modified after the build: exit 3', async () => {
    const result = await bambam(['publish', 'built', '--token', 't'], root);
    assert.equal(result.code, 3);
    assert.match(result.err, /does not match its manifest's SHA-256/);
  });

  test('no token: exit 8, and the config file is named', async () => {
    writeFileSync(
      join(built, 'dist/manifest.json'),
      JSON.stringify({
        name: 'built',
        version: '1.0.0',
        bundle: { sha256: await sha('var x = 1;'), size: 10 },
      }),
    );
    const result = await bambam(['publish', 'built'], root, { HOME: root });
    assert.equal(result.code, 8, result.err);
    assert.match(result.err, /no token: .*\.config\/bambam\/config\.json/);
  });

  test('registry unreachable: exit 4, the token never printed', async () => {
    const port = await closedPort();
    const secret = 'bbt_this-must-not-be-printed';
    const result = await bambam(['publish', 'built', '--registry', `http://127.0.0.1:${port}`], root, {
      BAMBAM_TOKEN: secret,
    });
    assert.equal(result.code, 4);
    assert.match(
      result.err,
      new RegExp(
        `registry unreachable at http://127.0.0.1:${port} \\(ECONNREFUSED\\)\\. Start it with \`npm start\``,
      ),
    );
    assert.ok(!(result.out + result.err).includes(secret));
  });

  test('a token that cannot be one: exit 8, says why and what to do, not "unreachable"', async () => {
    // A registry that answers: the CLI must not even get there with a malformed token.
    const server = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cases: [Record<string, string>, string[], RegExp][] = [
        [{ BAMBAM_TOKEN: 'bbt_…' }, [], /token from BAMBAM_TOKEN .*placeholder `bbt_…`/],
        [{}, ['--token', 'bbt_...'], /token from --token .*placeholder/],
        [{ BAMBAM_TOKEN: 'bbt_abc def' }, [], /contains a space/],
        [{ BAMBAM_TOKEN: 'bbt_abcé' }, [], /contains U\+00E9, and tokens are plain ASCII/],
      ];
      for (const [env, args, why] of cases) {
        const result = await bambam(['publish', 'built', '--registry', registry, ...args], root, env);
        assert.equal(result.code, 8, result.err);
        assert.match(result.err, /is not a valid token: /);
        assert.match(result.err, why);
        assert.match(
          result.err,
          /starts with bbt_; the registry operator creates tokens with `node apps\/engine/,
        );
        assert.doesNotMatch(result.err, /unreachable|ByteString|engine running/);
        if (env.BAMBAM_TOKEN && env.BAMBAM_TOKEN.length > 6)
          assert.ok(!result.err.includes(env.BAMBAM_TOKEN));
      }
    } finally {
      server.close();
    }
  });

  test('the config file gives registry and token', async () => {
    const port = await closedPort();
    const config = join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ registry: `http://127.0.0.1:${port}`, token: 'bbt_from-config' }));
    const result = await bambam(['publish', 'built'], root, { BAMBAM_CONFIG: config });
    assert.equal(result.code, 4, result.err);
    assert.match(result.err, new RegExp(`127.0.0.1:${port}`));
    writeFileSync(config, '{ not json');
    const broken = await bambam(['publish', 'built'], root, { BAMBAM_CONFIG: config });
    assert.equal(broken.code, 1);
    assert.match(broken.err, /config file .* is not valid JSON/);
  });
});

async function sha(text: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}
