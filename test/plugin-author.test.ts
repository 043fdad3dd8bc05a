/**
 * A plugin author outside this repository, with npm only (issue 16): `npm start`'s registry in
 * the box and an engine pointed at it; in a temporary folder outside the repo (a clean npm
 * cache, no workspace links, `npm_config_registry` = the box) the README's author commands:
 * init → npm install → npm test (bambam test) → npm run build (bambam build) → a token through
 * npm's login API (what `npm adduser` calls) → npm run release (bambam publish) → in a second folder `npm install my-drum@^0.1.0` → `bambam run` on a landmark
 * recording plays hits → an engine session loads `my-drum@^0.1.0`. Prints each step's time and
 * the scaffold's install size.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loginToRegistry, npmrcAuthLine } from '@bambam/npm-registry';
import { ClientEvent, type PluginInfo } from '@bambam/protocol';
import { TestClient } from '../apps/engine/src/testing/werift-client.ts';
import { type BoxRegistry, startBoxRegistry } from './lib/box-registry.ts';
import { type RunningEngine, startEngine } from './lib/engine.ts';

/** The CLI as the README names it: our scope, the version this checkout builds. */
const CLI = '@bambam/cli@0.1.0';

interface Step {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const timings: Array<[string, number]> = [];

describe('a plugin author outside the repository, with npm and the registry in the box', {
  timeout: 900_000,
}, () => {
  let registry: BoxRegistry;
  let engine: RunningEngine;
  let home: string;
  let env: NodeJS.ProcessEnv;

  /** Runs npm in `cwd` as the author's shell would, timing it under `label`. */
  function npm(label: string, args: string[], cwd: string): Promise<Step> {
    const started = performance.now();
    return new Promise((resolve) => {
      execFile(
        'npm',
        args,
        { cwd, env, maxBuffer: 32 * 1024 * 1024, timeout: 300_000 },
        (error, stdout, stderr) => {
          const ms = performance.now() - started;
          timings.push([label, ms]);
          console.log(`author: ${label}: ${(ms / 1000).toFixed(1)} s`);
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms });
        },
      );
    });
  }
  const bambam = (label: string, args: string[], cwd: string) =>
    npm(label, ['exec', '--yes', `--package=${CLI}`, '--', 'bambam', ...args], cwd);

  before(async () => {
    registry = await startBoxRegistry();
    engine = await startEngine({ env: { BAMBAM_NPM_REGISTRY: registry.url } });
    home = await mkdtemp(path.join(os.tmpdir(), 'bambam-author-'));
    await writeFile(path.join(home, '.npmrc'), `registry=${registry.url}\n`);
    // Nothing of this machine's npm setup or of the repository: a fresh user's npm, pointed at the box.
    env = {
      PATH: process.env.PATH,
      HOME: home,
      npm_config_userconfig: path.join(home, '.npmrc'),
      npm_config_cache: path.join(home, '.npm-cache'),
      npm_config_registry: registry.url,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    };
  });
  after(async () => {
    console.log(
      `author: steps ${timings.map(([label, ms]) => `${label} ${(ms / 1000).toFixed(1)}s`).join(', ')}`,
    );
    await engine?.dispose();
    await registry?.dispose();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const plugin = () => path.join(home, 'my-drum');

  it('init scaffolds an npm package outside the repository', async () => {
    const init = await bambam('init', ['init', 'my-drum'], home);
    assert.equal(init.code, 0, init.stdout + init.stderr);
    const manifest = JSON.parse(readFileSync(path.join(plugin(), 'package.json'), 'utf8'));
    assert.ok(manifest.keywords?.includes('bambam-plugin'));
    assert.ok(manifest.peerDependencies?.['@bambam/sdk'], 'the SDK is a peer dependency');
    assert.ok(!JSON.stringify(manifest).includes('file:'), 'no machine-specific file: paths');
  });

  it('npm install of the scaffold installs no native module and stays under 5 MB', async () => {
    const install = await npm('npm install', ['install'], plugin());
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const modules = path.join(plugin(), 'node_modules');
    const { bytes, native } = scan(modules);
    console.log(`author: scaffold install ${(bytes / 1e6).toFixed(2)} MB, native files: ${native.length}`);
    assert.deepEqual(native, [], 'no native code');
    assert.ok(bytes < 5e6, `${bytes} bytes installed`);
    assert.ok(existsSync(path.join(modules, '@bambam', 'sdk', 'package.json')));
  });

  it("the scaffold's own test passes and it builds", async () => {
    // The scaffold's scripts, as its README says: each runs `npm exec --package=@bambam/cli -- bambam …`.
    const test = await npm('npm test (bambam test)', ['test'], plugin());
    assert.equal(test.code, 0, test.stdout + test.stderr);
    const build = await npm('npm run build (bambam build)', ['run', 'build'], plugin());
    assert.equal(build.code, 0, build.stdout + build.stderr);
    for (const file of ['plugin.js', 'plugin.js.map', 'manifest.json']) {
      assert.ok(existsSync(path.join(plugin(), 'dist', file)), `dist/${file}`);
    }
  });

  it('publishes with a token from npm’s login API, and the registry has it', async () => {
    const token = await loginToRegistry(registry.url, { name: 'ada', password: 'ada-drums-1815' });
    await writeFile(
      path.join(home, '.npmrc'),
      `registry=${registry.url}\n${npmrcAuthLine(registry.url, token)}\n`,
    );
    const publish = await npm('npm run release (bambam publish)', ['run', 'release'], plugin());
    assert.equal(publish.code, 0, publish.stdout + publish.stderr);
    assert.ok(!(publish.stdout + publish.stderr).includes(token), 'the token is never printed');
    const packument = await (await fetch(new URL('my-drum', registry.url))).json();
    assert.ok(packument.versions?.['0.1.0'], 'my-drum@0.1.0 is on the registry');
  });

  it('elsewhere, npm install my-drum@^0.1.0 and bambam run play it on a landmark recording', async () => {
    const elsewhere = path.join(home, 'elsewhere');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(path.join(elsewhere, 'package.json'), '{ "name": "elsewhere", "private": true }\n');
    const install = await npm('npm install my-drum', ['install', 'my-drum@^0.1.0'], elsewhere);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const recording = path.join(plugin(), 'recordings', 'down-strokes.jsonl');
    const run = await bambam(
      'bambam run',
      ['run', 'node_modules/my-drum', '--landmarks', recording],
      elsewhere,
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const hits = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { sound: string });
    assert.ok(hits.length >= 2, `hits: ${run.stdout}`);
  });

  it('an engine session loads my-drum@^0.1.0 from the registry', async () => {
    const client = new TestClient({ url: engine.url });
    try {
      await client.whenReady();
      const started = performance.now();
      const ack = await client.request<{ plugin: PluginInfo }>(
        ClientEvent.UsePlugin,
        { name: 'my-drum', version: '^0.1.0' },
        60_000,
      );
      timings.push(['session loads my-drum', performance.now() - started]);
      assert.equal(ack.ok, true, JSON.stringify(ack));
      if (ack.ok) {
        assert.equal(ack.plugin.name, 'my-drum');
        assert.ok(Object.keys(ack.plugin.sounds).length > 0);
      }
    } finally {
      await client.close();
    }
  });
});

/** Bytes under `dir` and the native code in it (`.node` addons, `binding.gyp`). */
function scan(dir: string): { bytes: number; native: string[] } {
  let bytes = 0;
  const native: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        bytes += statSync(full).size;
        if (entry.name.endsWith('.node') || entry.name === 'binding.gyp')
          native.push(path.relative(dir, full));
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return { bytes, native };
}
