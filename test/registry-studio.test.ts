/**
 * Issue 6's end-to-end check, in real headless Chromium: `bambam init` → build → publish to a
 * running engine → the plugin appears on the studio's plugins page → "Use in this session"
 * switches the page's session to it (`plugin:use`) while the fake camera plays the fixture
 * clip → its sound (a bright noise burst, unlike bam-drum's kick) is heard in the received audio.
 * Then a plugin saved in the workspace is published from the page with a token.
 * Screenshot: test/test-results/registry-plugins.png.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort, type RunningEngine } from './lib/engine.ts';
import { bambam, createToken, editPlugin, pluginWorkspace } from './lib/registry-cli.ts';
import { median } from './lib/studio-audio.ts';
import { listenToStudio, startStudioRecorder, waitForHands, waitForLive } from './lib/studio-page.ts';
import { studioBuilt } from './lib/studio-server.ts';
import { StudioSuite } from './lib/studio-suite.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

const RESULTS = path.join(import.meta.dirname, 'test-results');

/** The scaffold's drum, made a bright white-noise burst so it cannot be mistaken for bam-drum. */
const BRIGHT_HIT = `hit: {
      kind: 'tone',
      instrument: 'NoiseSynth',
      duration: 0.15,
      length: 0.4,
      options: { noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.15, sustain: 0, release: 0.05 } },
    },
  },`;

describe('registry in the studio: publish with the CLI, use it from the plugins page, hear it', {
  timeout: 300_000,
}, () => {
  const suite = new StudioSuite();
  suite.requires(studioBuilt(), 'the studio is not built: npm run build -w @bambam/web');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-registry-studio-'));
  let engine: RunningEngine | undefined;
  let page: Page | undefined;
  let root: string | undefined;
  let token = '';
  suite.onTeardown(() => {
    if (root) rmSync(root, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  before(() =>
    suite.setup(async () => {
      const studioPort = await freePort();
      engine = await suite.startEngine(studioPort, { BAMBAM_DATA_DIR: dataDir });
      const studio = await suite.startStudio({ engineUrl: engine.url, port: studioPort });
      token = (await createToken(dataDir, 'alice')).token;
      root = pluginWorkspace();
      const plugin = path.join(root, 'e2e-noise');
      const steps: [string, string[], string][] = [
        ['init', ['init', 'e2e-noise'], root],
        ['build', ['build'], plugin],
        ['publish', ['publish', '--registry', engine.url], plugin],
      ];
      for (const [what, args, cwd] of steps) {
        if (what === 'build') {
          editPlugin(plugin, (s) => s.replace(/hit: \{[\s\S]*?\n {4}\},\n {2}\},/, BRIGHT_HIT));
        }
        const result = await bambam(args, cwd, { BAMBAM_TOKEN: token });
        if (result.code !== 0) throw new Error(`bambam ${what} failed (${result.code}): ${result.stderr}`);
      }
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
      await detail.getByText('Plays a drum hit when a hand moves down fast.').waitFor({ timeout: 5000 });
      const text = await detail.textContent();
      assert.match(text ?? '', /e2e-noise/);
      assert.match(text ?? '', /NoiseSynth/, 'the sound is listed for audition');
      assert.match(text ?? '', /Speed to hit/, 'the params are listed');
      assert.equal(await p.locator('[aria-label="Play hit"]').count(), 1, 'the sound has an audition button');
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
        noise.reported.includes('hit'),
        `the engine reported no 'hit' from e2e-noise: ${noise.reported.join(',')}`,
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

  it('publishes a saved plugin from the page with a token', async (t) => {
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
      const saved = await fetch(`${engine!.url}/api/sources/web-clap`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source }),
      });
      assert.equal(saved.status, 200);
      await p.reload();
      await p.locator('[data-testid="publish-source"]').selectOption('web-clap');
      await p.locator('[data-testid="publish-token"]').fill('bbt_wrong');
      await p.locator('[data-testid="publish-submit"]').click();
      await p
        .locator('[data-testid="publish-result"]')
        .getByText(/Unknown token/)
        .waitFor({ timeout: 15_000 });
      await p.locator('[data-testid="publish-token"]').fill(token);
      await p.locator('[data-testid="publish-submit"]').click();
      await p
        .locator('[data-testid="publish-result"]')
        .getByText('Published web-clap@1.0.0.')
        .waitFor({ timeout: 30_000 });
      await p.locator('[data-testid="plugins-search"]').fill('');
      await p.locator('[data-testid="plugin-item-web-clap"]').waitFor({ timeout: 10_000 });
      const pkg = JSON.parse((await engine!.get('/api/plugins/web-clap')).text);
      assert.equal(pkg.owner, 'alice');
      assert.ok(!(await p.content()).includes(token), 'the token is not rendered into the page');
      await p.screenshot({ path: path.join(RESULTS, 'registry-publish.png') });
    });
  });
});
