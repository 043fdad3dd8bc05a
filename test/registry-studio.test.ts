/**
 * Plugins from an npm registry, in real headless Chromium: a real Verdaccio (the registry in the
 * box), an npm account signed in through npm's login API, a plugin (bam-drum's source made a
 * bright noise) published through the engine with that npm token → the studio's plugins page
 * finds it by keyword → "Use in this session" switches the page's session to it (`plugin:use`,
 * loaded from npm, integrity-verified, sandbox-checked) while the fake camera plays the fixture
 * clip → its sound (a bright noise burst, unlike bam-drum's kick) is heard in the received audio.
 * Then a plugin saved in the workspace is published from the page with the npm token.
 * Screenshot: test/test-results/registry-plugins.png.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loginToRegistry, NpmRegistry } from '@bambam/npm-registry';
import type { Page } from 'playwright-core';
import { freePort, type RunningEngine } from './lib/engine.ts';
import { REPO_ROOT } from './lib/fixtures.ts';
import { median } from './lib/studio-audio.ts';
import { listenToStudio, startStudioRecorder, waitForHands, waitForLive } from './lib/studio-page.ts';
import { studioBuilt } from './lib/studio-server.ts';
import { StudioSuite } from './lib/studio-suite.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

const RESULTS = path.join(import.meta.dirname, 'test-results');

/** bam-drum's source, renamed, every drum made a bright white-noise burst so it cannot be mistaken for bam-drum. */
function noiseDrumSource(): string {
  const source = readFileSync(path.join(REPO_ROOT, 'plugins', 'bam-drum', 'src', 'index.ts'), 'utf8');
  const bright = `{ kind: 'tone', instrument: 'NoiseSynth', duration: 0.15, length: 0.4, options: { noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.15, sustain: 0, release: 0.05 } } }`;
  return source
    .replace(/name: 'bam-drum'/, "name: 'e2e-noise'")
    .replace(/version: '[^']+'/, "version: '0.1.0'")
    .replace(/description:\s*'[^']*'/, "description: 'A bright noise when a hand moves down.'")
    .replace(
      /\n {2}sounds,\n/,
      `\n  sounds: Object.fromEntries(DRUMS.map((drum) => [drum, ${bright}])) as typeof sounds,\n`,
    );
}

describe('npm plugins in the studio: publish with an npm token, use it from the plugins page, hear it', {
  timeout: 300_000,
}, () => {
  const suite = new StudioSuite();
  suite.requires(studioBuilt(), 'the studio is not built: npm run build -w @bambam/web');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-registry-studio-'));
  let engine: RunningEngine | undefined;
  let page: Page | undefined;
  let npm: NpmRegistry | undefined;
  let token = '';
  suite.onTeardown(async () => {
    await npm?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  before(() =>
    suite.setup(async () => {
      npm = await NpmRegistry.start({ dataDir, port: 0, uplink: null, logLevel: 'fatal' });
      token = await loginToRegistry(npm.url, { name: 'alice', password: 'alice-secret-1' });
      const studioPort = await freePort();
      engine = await suite.startEngine(studioPort, {
        BAMBAM_DATA_DIR: dataDir,
        BAMBAM_NPM_REGISTRY: npm.url,
      });
      const studio = await suite.startStudio({ engineUrl: engine.url, port: studioPort });
      const published = await fetch(`${engine.url}/api/plugins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ source: noiseDrumSource() }),
        signal: AbortSignal.timeout(120_000),
      });
      if (published.status !== 201) throw new Error(`publishing e2e-noise failed: ${await published.text()}`);
      const chromium = await suite.launchChromium();
      page = await chromium.newPage();
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(`${studio.url}/plugins?autostart=1`, { timeout: 30_000 });
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);
  const guard = (run: () => Promise<void>) => suite.guard(run);

  it('lists the published plugin with its description, sounds and params', async (t) => {
    const p = ready(t);
    if (!p) return;
    await guard(async () => {
      await p.locator('[data-testid="plugins-search"]').fill('noise');
      const item = p.locator('[data-testid="plugin-item-e2e-noise"]');
      await item.waitFor({ timeout: 15_000 });
      await item.click();
      const detail = p.locator('[data-testid="plugin-detail"]');
      // The engine downloads, verifies and sandbox-checks it before the page shows the manifest.
      await detail.getByText('A bright noise when a hand moves down.').waitFor({ timeout: 60_000 });
      await detail.locator('[data-testid="plugin-use"]').waitFor({ timeout: 60_000 });
      const text = await detail.textContent();
      assert.match(text ?? '', /e2e-noise/);
      assert.match(text ?? '', /NoiseSynth/, 'the sounds are listed for audition');
      assert.match(text ?? '', /Sensitivity/, 'the params are listed');
      assert.match(text ?? '', /npm install --registry=http:\/\/127\.0\.0\.1:\d+\/ e2e-noise@0\.1\.0/);
      assert.equal(
        await detail.locator('[aria-label="Play bam"]').count(),
        1,
        'the sound has an audition button',
      );
      const commands = await p.locator('.plugins-cli-block').textContent();
      assert.match(
        commands ?? '',
        /npm exec --registry=http:\/\/127\.0\.0\.1:\d+\/ --package=@bambam\/cli -- bambam init my-drum/,
      );
      assert.doesNotMatch(commands ?? '', /npx bambam/, 'no command resolves to a stranger’s package');
    });
  });

  it('uses it in the session: the new sound is heard, the connection unchanged', async (t) => {
    const p = ready(t);
    if (!p) return;
    await guard(async () => {
      await waitForLive(p);
      await waitForHands(p);
      await startStudioRecorder(p);
      const socketBefore = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.socketId);
      // bam-drum's hits as a reference, when it plays any (its detection is not what is tested here).
      const drum = await listenToStudio(p, 4500);

      await p.locator('[data-testid="plugin-use"]').click();
      await p
        .locator('[data-testid="plugin-use-status"]')
        .getByText('Now playing e2e-noise@0.1.0')
        .waitFor({ timeout: 15_000 });
      assert.equal(await p.evaluate(() => (window as Any).__bambamStudio.snapshot.plugin?.name), 'e2e-noise');
      await delay(500); // let the last kick's tail pass
      const noise = await listenToStudio(p, 8000);
      assert.ok(
        noise.reported.includes('bam'),
        `the engine reported no 'bam' from e2e-noise: ${noise.reported.join(',')}`,
      );
      assert.ok(
        noise.features.length >= 2,
        `only ${noise.features.length} e2e-noise hits heard in 8 s (the engine reported ${noise.reported.length})`,
      );
      const c0 = median(drum.features.map((f) => f.centroidHz));
      const c1 = median(noise.features.map((f) => f.centroidHz));
      // White noise through Opus is centred far above any drum: its centroid says it is this plugin.
      assert.ok(c1 > 3000, `e2e-noise's hits should be bright noise: centroid ${c1.toFixed(0)} Hz`);
      if (drum.features.length > 0) {
        assert.ok(
          c1 > c0 * 2,
          `e2e-noise should sound brighter than bam-drum: ${c0.toFixed(0)} → ${c1.toFixed(0)} Hz`,
        );
      }
      assert.equal(await p.evaluate(() => (window as Any).__bambamStudio.snapshot.socketId), socketBefore);
      t.diagnostic(
        `hits: bam-drum ${drum.features.length} (centroid ${c0.toFixed(0)} Hz), e2e-noise ${noise.features.length} (centroid ${c1.toFixed(0)} Hz)`,
      );
      await mkdir(RESULTS, { recursive: true });
      await p.screenshot({ path: path.join(RESULTS, 'registry-plugins.png') });
    });
  });

  it('publishes a saved plugin from the page with an npm token', async (t) => {
    const p = ready(t);
    if (!p) return;
    await guard(async () => {
      const source = `import { definePlugin } from '@bambam/sdk';

export default definePlugin({
  name: 'web-clap',
  version: '1.0.0',
  description: 'Published from the studio.',
  sounds: { clap: { kind: 'tone', instrument: 'NoiseSynth', duration: 0.05 } },
  onFrame(frame, ctx) {
    if (frame.hands.length > 1) ctx.play('clap');
  },
});
`;
      // Saved from the page, so in this browser's workspace (its cookie, through the studio).
      const saved = await p.evaluate(
        async (text) =>
          (
            await fetch('/api/sources/web-clap', {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ source: text }),
            })
          ).status,
        source,
      );
      assert.equal(saved, 200);
      await p.reload();
      await p.locator('[data-testid="publish-source"]').selectOption('web-clap');
      await p.locator('[data-testid="publish-token"]').fill('npm_wrong');
      await p.locator('[data-testid="publish-submit"]').click();
      await p
        .locator('[data-testid="publish-result"]')
        .getByText(/refused the token \(401\)/)
        .waitFor({ timeout: 60_000 });
      await p.locator('[data-testid="publish-token"]').fill(token);
      await p.locator('[data-testid="publish-submit"]').click();
      await p
        .locator('[data-testid="publish-result"]')
        .getByText('Published web-clap@1.0.0.')
        .waitFor({ timeout: 60_000 });
      await p.locator('[data-testid="plugins-search"]').fill('');
      await p.locator('[data-testid="plugin-item-web-clap"]').waitFor({ timeout: 10_000 });
      const packument = (await (await fetch(new URL('web-clap', npm!.url))).json()) as {
        versions: Record<string, { keywords: string[]; _npmUser?: { name: string } }>;
      };
      assert.deepEqual(
        packument.versions['1.0.0']?.keywords,
        ['bambam-plugin'],
        'published to npm as a plugin package',
      );
      assert.ok(!(await p.content()).includes(token), 'the token is not rendered into the page');
      await p.screenshot({ path: path.join(RESULTS, 'registry-publish.png') });
    });
  });
});
