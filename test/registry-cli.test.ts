/**
 * The plugin workflow end to end without a browser: `bambam init` → `bambam test` →
 * `bambam build` → `bambam publish` to a real engine (child process) → the registry lists it →
 * `bambam install` fetches it verified. Then the refusals as the CLI reports them (duplicate
 * version, revoked token, another owner's name) and an engine restart on the same data dir.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEngine, startEngine } from './lib/engine.ts';
import { bambam, createToken, editPlugin, pluginWorkspace, revokeToken } from './lib/registry-cli.ts';

describe('bambam init → build → publish → install against a running engine', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-registry-'));
  let root: string;
  let plugin: string;
  let engine: RunningEngine | undefined;
  let alice: { token: string; id: string };

  before(async () => {
    root = pluginWorkspace();
    plugin = path.join(root, 'e2e-drum');
    engine = await startEngine({ env: { BAMBAM_DATA_DIR: dataDir } });
    alice = await createToken(dataDir, 'alice');
  });
  after(async () => {
    await engine?.dispose();
    rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('init scaffolds a plugin whose own test passes', async () => {
    const init = await bambam(['init', 'e2e-drum'], root);
    assert.equal(init.code, 0, init.stderr);
    const test = await bambam(['test'], plugin);
    assert.equal(test.code, 0, test.stdout + test.stderr);
    assert.match(test.stdout, /pass 1/);
  });

  it('build, then publish with a token from the environment', async () => {
    const build = await bambam(['build'], plugin);
    assert.equal(build.code, 0, build.stderr);
    const publish = await bambam(['publish', '--registry', engine!.url], plugin, {
      BAMBAM_TOKEN: alice.token,
    });
    assert.equal(publish.code, 0, publish.stderr);
    assert.match(publish.stdout, /Published e2e-drum@0\.1\.0/);
    assert.ok(!(publish.stdout + publish.stderr).includes(alice.token), 'the token is never echoed');

    const listed = JSON.parse((await engine!.get('/api/plugins?q=e2e')).text);
    assert.deepEqual(
      listed.plugins.map((p: { name: string }) => p.name),
      ['e2e-drum'],
    );
    assert.equal(listed.plugins[0].owner, 'alice');
  });

  it('install fetches it and verifies the hash', async () => {
    const into = path.join(root, 'installed');
    const install = await bambam(
      ['install', 'e2e-drum@^0.1.0', '--registry', engine!.url, '--dir', into],
      root,
    );
    assert.equal(install.code, 0, install.stderr);
    const bundle = readFileSync(path.join(into, 'e2e-drum', 'plugin.js'));
    const built = readFileSync(path.join(plugin, 'dist', 'plugin.js'));
    assert.deepEqual(bundle, built);
    const manifest = JSON.parse(readFileSync(path.join(into, 'e2e-drum', 'manifest.json'), 'utf8'));
    assert.equal(manifest.bundle.sha256, createHash('sha256').update(bundle).digest('hex'));
  });

  it('publishing the same version again is refused (exit 5, 409)', async () => {
    const again = await bambam(['publish', '--registry', engine!.url, '--token', alice.token], plugin);
    assert.equal(again.code, 5);
    assert.match(again.stderr, /refused \(version exists\)/);
  });

  it("another owner cannot publish versions of alice's plugin (exit 5, 403)", async () => {
    const bob = await createToken(dataDir, 'bob');
    editPlugin(plugin, (s) => s.replace("version: '0.1.0'", "version: '0.2.0'"));
    assert.equal((await bambam(['build'], plugin)).code, 0);
    const stolen = await bambam(['publish', '--registry', engine!.url], plugin, { BAMBAM_TOKEN: bob.token });
    assert.equal(stolen.code, 5);
    assert.match(stolen.stderr, /refused \(not your plugin\): 'e2e-drum' belongs to alice/);
  });

  it('a revoked token is refused (exit 5, 401); a missing one never reaches the registry (exit 8)', async () => {
    await revokeToken(dataDir, alice.id);
    const revoked = await bambam(['publish', '--registry', engine!.url], plugin, {
      BAMBAM_TOKEN: alice.token,
    });
    assert.equal(revoked.code, 5);
    assert.match(revoked.stderr, /refused \(token\): Token [0-9a-f]+ was revoked/);
    const none = await bambam(['publish', '--registry', engine!.url], plugin, {
      HOME: root,
      BAMBAM_TOKEN: '',
    });
    assert.equal(none.code, 8);
  });

  it('the database survives an engine restart', async () => {
    const saved = await fetch(`${engine!.url}/api/sources/kept`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: '// kept across restarts\n' }),
    });
    assert.equal(saved.status, 200);
    await engine!.dispose();
    engine = await startEngine({ env: { BAMBAM_DATA_DIR: dataDir } });
    const pkg = JSON.parse((await engine.get('/api/plugins/e2e-drum')).text);
    assert.deepEqual(
      pkg.versions.map((v: { version: string }) => v.version),
      ['0.1.0'],
    );
    const bundle = await fetch(`${engine.url}/api/plugins/e2e-drum/0.1.0/bundle`);
    assert.equal(bundle.status, 200);
    assert.equal(
      JSON.parse((await engine.get('/api/sources/kept')).text).source,
      '// kept across restarts\n',
    );
    const carol = await createToken(dataDir, 'carol');
    const after = await bambam(['publish', '--registry', engine.url], plugin, { BAMBAM_TOKEN: carol.token });
    assert.equal(after.code, 5, 'ownership survived the restart too');
  });
});
