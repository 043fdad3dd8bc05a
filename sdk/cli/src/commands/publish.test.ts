import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bambam, workspace } from './cli-test-support.ts';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('bambam publish: a check in the sandbox, then npm publish', () => {
  let root: string;
  let dir: string;
  let registry: string;
  let npmHome: string;
  /** npm with its own empty user config and cache: no login, nothing of this machine's. */
  const npmEnv = () => ({
    npm_config_userconfig: join(npmHome, 'npmrc'),
    npm_config_cache: join(npmHome, 'cache'),
    npm_config_update_notifier: 'false',
    npm_config_fetch_retries: '0',
    npm_config_fetch_timeout: '5000',
  });

  before(async () => {
    root = workspace();
    dir = join(root, 'my-drum');
    npmHome = mkdtempSync(join(tmpdir(), 'bambam-npm-'));
    writeFileSync(join(npmHome, 'npmrc'), '');
    registry = `http://127.0.0.1:${await closedPort()}/`;
    assert.equal((await bambam(['init', 'my-drum'], root)).code, 0);
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(npmHome, { recursive: true, force: true });
  });

  test('--dry-run builds when needed, checks the plugin, and lists only dist/ and the README', async () => {
    const result = await bambam(['publish', '--dry-run', '--registry', registry], dir, npmEnv());
    assert.equal(result.code, 0, result.err);
    assert.match(result.err, /not built; building/);
    assert.match(result.err, /my-drum@0\.1\.0 loads, its sounds render/);
    assert.match(result.err, /dist\/plugin\.js\b/);
    assert.match(result.err, /dist\/manifest\.json/);
    assert.doesNotMatch(result.err, /src\/index\.ts|recordings\//);
    assert.match(result.out, /Checked \(dry run, nothing uploaded\) my-drum@0\.1\.0/);
  });

  test('without an npm login for the registry: exit 8, with npm login to run', async () => {
    const result = await bambam(['publish', '--registry', registry], dir, npmEnv());
    assert.equal(result.code, 8, result.err);
    assert.match(result.err, new RegExp(`npm login --registry=${registry.replace(/[/.]/g, '\\$&')}`));
  });

  test('a registry nobody answers at: exit 4, the token never printed', async () => {
    const host = registry.replace(/^http:/, '');
    const token = 'secret-token-123';
    writeFileSync(join(npmHome, 'npmrc'), `${host}:_authToken=${token}\n`);
    try {
      const result = await bambam(['publish', '--registry', registry], dir, npmEnv());
      assert.equal(result.code, 4, result.err);
      assert.match(result.err, /could not reach the registry/);
      assert.doesNotMatch(result.out + result.err, new RegExp(token));
    } finally {
      writeFileSync(join(npmHome, 'npmrc'), '');
    }
  });

  test('a manifest that no longer matches its bundle: exit 3, nothing published', async () => {
    const path = join(dir, 'dist/manifest.json');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace('"description": "', '"description": "Edited. '));
    try {
      const result = await bambam(['publish', '--dry-run', '--registry', registry], dir, npmEnv());
      assert.equal(result.code, 3, result.err);
      assert.match(result.err, /does not match the bundle \(description differs\)/);
    } finally {
      writeFileSync(path, original);
    }
  });

  test('package.json and the plugin disagree on the version: exit 1, says what to change', async () => {
    const path = join(dir, 'package.json');
    const original = readFileSync(path, 'utf8');
    writeFileSync(path, original.replace('"version": "0.1.0"', '"version": "0.2.0"'));
    try {
      const result = await bambam(['publish', '--dry-run', '--registry', registry], dir, npmEnv());
      assert.equal(result.code, 1);
      assert.match(result.err, /package\.json says version 0\.2\.0 but the plugin says 0\.1\.0/);
    } finally {
      writeFileSync(path, original);
    }
  });

  test('a folder that is not a package: exit 1, names init', async () => {
    const result = await bambam(['publish', root], root, npmEnv());
    assert.equal(result.code, 1);
    assert.match(result.err, /npm exec --package=@bambam\/cli -- bambam init/);
  });
});
