/**
 * What the studio says about its state, in real headless Chromium at 1280×800 against a real
 * engine, each state provoked for real:
 * - running: the badge says Live, no banner, the one-line latency readout is on screen;
 * - compile error: a save with a syntax error (the old instrument keeps playing);
 * - runtime error: a plugin that throws on every tenth frame (never 30 in a row: not disabled);
 * - disabled: a plugin that throws on every frame (disabled after 30 failing frames);
 * - engine full: the engine runs with BAMBAM_MAX_SESSIONS=1 and a second page opens; it is
 *   refused (`engine-full`), says so with a Try again button, and is admitted with it once the
 *   first page leaves (the last test of its group: the first page is gone after it);
 * - overloaded: an engine with one tracker worker at the lowest priority, palm search on every
 *   frame and up to 4 hands, while busy programs keep every core loaded (a real overload: the
 *   tracker gets a sliver of a core); the warning's thresholds are unit-tested in
 *   apps/web/lib/health.test.ts.
 * Each checks the text shown, that the toolbar badge and the banner show the same state, that
 * the banner stays inside its stage, and saves a screenshot (paths printed; OS temp dir).
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './lib/chromium.ts';
import { type BusyLoops, startBusyLoops } from './lib/cpu-load.ts';
import type { RunningEngine } from './lib/engine.ts';
import { waitForEditorSource, waitForLive } from './lib/studio-page.ts';
import type { RunningStudio } from './lib/studio-server.ts';
import { type ShownStatus, screenshot, shownStatus, waitForStudioState } from './lib/studio-status.ts';
import { StudioSuite } from './lib/studio-suite.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const VIEWPORT = { width: 1280, height: 800 };

/** Throws on every tenth frame, from line 12: failing, but never 30 frames in a row. */
const SOMETIMES_THROWS = `import { definePlugin } from '@bambam/sdk';

export default definePlugin({
  name: 'sometimes',
  version: '0.0.1',
  description: 'Throws on every tenth frame.',
  sounds: { click: { kind: 'tone', instrument: 'Synth', note: 'C5', duration: 0.05 } },
  state: () => ({ frames: 0 }),
  onFrame(_frame, ctx) {
    ctx.state.frames++;
    if (ctx.state.frames % 10 === 0) {
      throw new Error('every tenth frame fails');
    }
  },
});
`;
const SOMETIMES_LINE = 12;

/** Throws on every frame, from line 10: disabled after 30 frames. */
const ALWAYS_THROWS = `import { definePlugin } from '@bambam/sdk';

export default definePlugin({
  name: 'thrower',
  version: '0.0.1',
  description: 'Throws on every frame.',
  sounds: { click: { kind: 'tone', instrument: 'Synth', note: 'C5', duration: 0.05 } },
  onFrame(frame) {
    if (frame.t >= 0) {
      throw new Error('boom from onFrame');
    }
  },
});
`;
const ALWAYS_LINE = 10;

/** The badge and the banner show the same state; the banner stays inside its stage. */
function assertOneTruth(shown: ShownStatus, state: string): void {
  assert.equal(shown.state, state, `the page's status: ${JSON.stringify(shown)}`);
  assert.equal(shown.badge?.state, state, `the toolbar badge: ${JSON.stringify(shown.badge)}`);
  if (shown.banner) {
    assert.equal(shown.banner.state, state, `the banner: ${JSON.stringify(shown.banner)}`);
    assert.ok(shown.stage, 'no stage');
    assert.ok(
      shown.banner.box.bottom <= shown.stage.bottom + 1 && shown.banner.box.top >= shown.stage.top,
      `the banner (${JSON.stringify(shown.banner.box)}) spills out of its stage (${JSON.stringify(shown.stage)})`,
    );
  }
}

/** The latency line is on screen without scrolling, and says "motion→sound ≈ N ms · N fps". */
async function assertLatencyLineVisible(page: Page): Promise<string> {
  const line = page.locator('[data-testid="latency-line"]');
  await page.waitForFunction(
    () =>
      /≈ \d+ ms · \d+ fps/.test(document.querySelector('[data-testid="latency-line"]')?.textContent ?? ''),
    undefined,
    { timeout: 20_000, polling: 200 },
  );
  const box = await line.boundingBox();
  assert.ok(box, 'no latency line');
  assert.ok(
    box.y >= 0 && box.y + box.height <= VIEWPORT.height,
    `the latency line is off screen: ${JSON.stringify(box)}`,
  );
  const scrolled = await page.evaluate(() => document.querySelector('.play-side')?.scrollTop ?? 0);
  assert.equal(scrolled, 0, 'the side column was scrolled');
  const text = (await line.textContent()) ?? '';
  assert.match(text, /^motion→sound ≈ \d+ ms · \d+ fps$/);
  return text;
}

/**
 * Waits until the instrument runs again: 'live', or 'struggling' when this busy machine makes
 * the engine fall behind (a health warning, true of the machine, not of the instrument).
 */
async function waitForRunning(page: Page): Promise<ShownStatus> {
  await page.waitForFunction(
    () => ['live', 'struggling'].includes((window as Any).__bambamStatus?.status.state),
    undefined,
    { timeout: 30_000, polling: 100 },
  );
  const shown = await shownStatus(page);
  assert.ok(shown.state === 'live' || shown.state === 'struggling', JSON.stringify(shown));
  assertOneTruth(shown, shown.state);
  return shown;
}

async function setSourceAndSave(page: Page, source: string): Promise<boolean> {
  return page.evaluate(async (s) => {
    const editor = (window as Any).__bambamEditor;
    editor.editor.setValue(s);
    return editor.save();
  }, source);
}

describe('studio states in Chromium at 1280×800 (one engine, at most 1 session)', {
  timeout: 300_000,
}, () => {
  const suite = new StudioSuite();
  let studio: RunningStudio | undefined;
  let engine: RunningEngine | undefined;
  let chromium: ChromiumSession | undefined;
  let page: Page | undefined;
  let drumSource = '';

  before(() =>
    suite.setup(async () => {
      ({ engine, studio, chromium, page } = await suite.open({
        path: '/edit?autostart=1',
        viewport: VIEWPORT,
        engineEnv: { BAMBAM_MAX_SESSIONS: '1' },
      }));
      await waitForLive(page);
      await waitForEditorSource(page);
      drumSource = await page.evaluate(() => (window as Any).__bambamEditor.editor.getValue());
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);

  it('running: the badge says Live, no banner, and the latency line is on screen', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForRunning(p);
      const shown = await shownStatus(p);
      assert.match(shown.badge!.text, /^Live/);
      if (shown.state === 'live') assert.equal(shown.banner, null);
      else t.diagnostic(`this machine is busy: the studio says ${shown.banner?.text}`);
      const latency = await assertLatencyLineVisible(p);
      t.diagnostic(`latency line: ${latency}`);
      t.diagnostic(`screenshot: ${await screenshot(p, 'edit-running')}`);
    });
  });

  it('compile error: says the save did not compile, at its line, and that the old instrument plays on', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const lines = drumSource.split('\n');
      const at = lines.findIndex((l) => l.startsWith('export default definePlugin'));
      assert.ok(at > 0, 'no `export default definePlugin` line in bam-drum');
      lines.splice(at, 0, 'const broken = ;');
      assert.equal(await setSourceAndSave(p, lines.join('\n')), false, 'a syntax error loaded');
      const shown = await waitForStudioState(p, 'compile-error');
      assertOneTruth(shown, 'compile-error');
      assert.equal(shown.badge!.text, `Not loaded · error at line ${at + 1}`);
      assert.equal(shown.banner?.kind, 'plugin-compile');
      assert.match(shown.banner!.text, new RegExp(`did not compile \\(line ${at + 1}\\)`));
      assert.match(shown.banner!.text, /bam-drum v1\.0\.0 keeps playing/);
      assert.equal(await p.evaluate(() => (window as Any).__bambamStudio.snapshot.media), 'live');
      t.diagnostic(`screenshot: ${await screenshot(p, 'edit-compile-error')}`);
      assert.equal(await setSourceAndSave(p, drumSource), true, 'bam-drum did not load again');
      await waitForRunning(p);
    });
  });

  it('runtime error: says the instrument fails, at which line, while it keeps running', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      assert.equal(await setSourceAndSave(p, SOMETIMES_THROWS), true, 'the plugin did not load');
      const shown = await waitForStudioState(p, 'runtime-error');
      assertOneTruth(shown, 'runtime-error');
      assert.equal(shown.badge!.text, `Failing at line ${SOMETIMES_LINE}`);
      assert.equal(shown.banner?.kind, 'plugin-runtime');
      assert.match(shown.banner!.text, new RegExp(`fails at line ${SOMETIMES_LINE}`));
      assert.match(shown.banner!.text, /every tenth frame fails/);
      assert.match(shown.banner!.text, /after 30 failing frames in a row it is disabled/);
      t.diagnostic(`screenshot: ${await screenshot(p, 'edit-runtime-error')}`);
    });
  });

  it('disabled: says so, why and where, everywhere (no green "Running"), with a Reload button', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      assert.equal(await setSourceAndSave(p, ALWAYS_THROWS), true, 'the plugin did not load');
      const shown = await waitForStudioState(p, 'disabled');
      assertOneTruth(shown, 'disabled');
      assert.equal(shown.badge!.text, `Disabled · after 30 failures · line ${ALWAYS_LINE}`);
      assert.equal(shown.badge!.tone, 'bad');
      assert.equal(shown.banner?.kind, 'plugin-disabled');
      assert.match(shown.banner!.text, /thrower was disabled after 30 failing frames/);
      assert.match(shown.banner!.text, /boom from onFrame/);
      assert.doesNotMatch(shown.saveStatus ?? '', /Running/, 'the editor toolbar still says Running');
      assert.equal(
        await p.locator('[data-testid="problem"] button', { hasText: 'Reload instrument' }).count(),
        1,
      );
      t.diagnostic(`screenshot: ${await screenshot(p, 'edit-disabled')}`);
      assert.equal(await setSourceAndSave(p, drumSource), true, 'bam-drum did not load again');
      await waitForRunning(p);
    });
  });

  it('engine full: a second page says so plainly with Try again; the first plays on; once it leaves, Try again admits the second', async (t) => {
    const p = ready(t);
    if (!p || !chromium || !studio) return;
    await suite.guard(async () => {
      const other = await chromium!.newPage();
      try {
        await other.setViewportSize(VIEWPORT);
        await other.goto(`${studio!.url}/play?autostart=1`, { timeout: 30_000 });
        const shown = await waitForStudioState(other, 'engine-full');
        assertOneTruth(shown, 'engine-full');
        assert.equal(shown.badge!.text, 'Engine full');
        assert.equal(shown.banner?.kind, 'engine-full');
        assert.equal(
          shown.banner!.text,
          'The engine is fullThis engine is full (1 of 1 player). Try again in a minute or use another engine.Try again',
        );
        const tryAgain = other.locator('[data-testid="problem"] button', { hasText: 'Try again' });
        assert.equal(await tryAgain.count(), 1);
        t.diagnostic(`screenshot: ${await screenshot(other, 'play-engine-full')}`);

        const first = await p.evaluate(() => (window as Any).__bambamStudio.snapshot);
        assert.equal(first.link, 'connected', 'the first page lost its engine');
        assert.equal(first.media, 'live', 'the first page stopped playing');
        assert.notEqual((await shownStatus(p)).state, 'engine-full');

        // Still full: trying again is refused again, and says so again.
        await tryAgain.click();
        await waitForStudioState(other, 'engine-full');

        // The first player leaves; the seat is free and the second gets it with a click.
        await p.goto('about:blank');
        const deadline = Date.now() + 10_000;
        while ((await engine!.get('/api/health')).status !== 200) {
          assert.ok(Date.now() < deadline, 'the engine still says full after the first page left');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await tryAgain.click();
        await waitForLive(other);
        await waitForRunning(other);
        t.diagnostic(`screenshot: ${await screenshot(other, 'play-engine-full-admitted')}`);
      } finally {
        await other.close();
      }
    });
  });
});

describe('studio overloaded in Chromium at 1280×800 (a deliberately slow engine)', {
  timeout: 240_000,
}, () => {
  const suite = new StudioSuite();
  let page: Page | undefined;
  let load: BusyLoops | undefined;

  before(() =>
    suite.setup(async () => {
      ({ page } = await suite.open({
        path: '/play?autostart=1',
        viewport: VIEWPORT,
        engineEnv: {
          BAMBAM_TRACKER_WORKERS: '1',
          BAMBAM_TRACKER_NICE: '19',
          BAMBAM_PALM_SEARCH_INTERVAL: '1',
          BAMBAM_MAX_HANDS: '4',
        },
      }));
      await waitForLive(page);
      // Every core busy at the default priority: the nice-19 tracker worker falls far behind.
      load = startBusyLoops(availableParallelism());
      // The page's own record of the telemetry, to check the warning against.
      await page.evaluate(() => {
        const w = window as Any;
        w.__frames = [];
        w.__bambamStudio.on('telemetry', (t: Any) =>
          w.__frames.push({ at: performance.now(), dropped: t.dropped, total: t.timings.total }),
        );
      });
    }),
  );

  after(async () => {
    load?.stop();
    await suite.teardown();
  });

  /** Drop share and median engine time over the page's last 5 s of telemetry. */
  function measured(p: Page): Promise<{ dropShare: number; medianMs: number; fps: number }> {
    return p.evaluate(() => {
      const frames = (window as Any).__frames as { at: number; dropped: number; total: number }[];
      const now = performance.now();
      const recent = frames.filter((f) => f.at >= now - 5000);
      const before = frames.filter((f) => f.at < now - 5000).at(-1) ?? recent[0];
      const dropped = recent.length > 0 && before ? recent.at(-1)!.dropped - before.dropped : 0;
      const totals = recent.map((f) => f.total).sort((a, b) => a - b);
      return {
        dropShare: dropped / Math.max(1, dropped + recent.length),
        medianMs: totals[totals.length >> 1] ?? 0,
        fps: recent.length / 5,
      };
    });
  }

  it('/play: the latency line is on screen without scrolling', async (t) => {
    const p = suite.ready(t, page);
    if (!p) return;
    await suite.guard(async () => {
      t.diagnostic(`latency line: ${await assertLatencyLineVisible(p)}`);
    });
  });

  it('overloaded: says the engine is overloaded, with the figure and what to do, as a warning', async (t) => {
    const p = suite.ready(t, page);
    if (!p) return;
    await suite.guard(async () => {
      let shown: ShownStatus;
      try {
        shown = await waitForStudioState(p, 'struggling', 45_000);
      } catch (error) {
        const m = await measured(p);
        throw new Error(
          `no overload warning within 45 s with every core busy: the page measured ${(m.dropShare * 100).toFixed(0)}% dropped, median ${m.medianMs.toFixed(0)} ms, ${m.fps.toFixed(0)} fps; the studio shows ${JSON.stringify(await shownStatus(p))} (${(error as Error).message})`,
        );
      }
      const m = await measured(p);
      t.diagnostic(
        `measured by the page: ${(m.dropShare * 100).toFixed(0)}% dropped, median ${m.medianMs.toFixed(0)} ms, ${m.fps.toFixed(0)} fps`,
      );
      assertOneTruth(shown, 'struggling');
      assert.equal(shown.badge!.tone, 'warn');
      assert.equal(shown.banner?.tone, 'warn');
      t.diagnostic(`banner: ${shown.banner?.text}`);
      if (shown.banner?.kind === 'engine-overloaded') {
        assert.equal(shown.badge!.text, 'Live · engine overloaded');
        assert.match(shown.banner.text, /The engine is overloaded/);
        assert.match(
          shown.banner.text,
          /dropped \d+% of the camera frames in the last \d s|each frame takes it \d+ ms/,
        );
        assert.match(shown.banner.text, /Close other sessions/);
      } else {
        // The other honest reading of a slow machine: frames or sound arriving late.
        assert.ok(
          ['video-starved', 'audio-buffer'].includes(shown.banner?.kind ?? ''),
          `unexpected banner ${shown.banner?.kind}`,
        );
      }
      // The latency figure agrees: never green while the engine is overloaded.
      await p.waitForFunction(
        () => {
          const grade = document.querySelector('[data-testid="motion-to-sound"]')?.getAttribute('data-grade');
          return grade === 'fair' || grade === 'poor';
        },
        undefined,
        { timeout: 15_000, polling: 200 },
      );
      t.diagnostic(`latency line: ${await p.locator('[data-testid="latency-line"]').textContent()}`);
      t.diagnostic(`screenshot: ${await screenshot(p, 'play-overloaded')}`);
    });
  });
});
