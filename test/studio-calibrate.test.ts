/**
 * Latency calibration end to end, in real headless Chromium against a real engine and the built
 * studio. The fake camera plays a generated clip (lib/motion-clips.ts) whose hand strikes every
 * 600 ms (100 BPM) with no gap at the loop seam, so the strokes keep one tempo forever, at a
 * phase nobody knows (the camera starts the loop whenever). The studio's Calibrate panel runs its
 * metronome at the strokes' tempo as the page measures it just before ({@link strokeTempo}: 100
 * BPM on an idle machine, a little slower when the fake camera falls behind).
 *
 * Since the phase is unknown, the offset itself is arbitrary; what must hold:
 * - the estimate is what the page's own records say (hit landings − clicks, checked here);
 * - a second run, made while the first run's compensation is applied, is measured at
 *   compensation 0 all the same (its plays were scheduled landing + that compensation). How far
 *   it agrees with the first once the metronomes' phase difference is accounted for is printed,
 *   not asserted: on a loaded machine Chromium's fake camera slips frames (measured: landing gaps
 *   of 575–645 ms for a 600 ms clip, drifting ~90 ms over 5 strokes), so the clip is no steady
 *   clock across runs;
 * - the compensation is stored, and every hit is scheduled exactly `compensation` after its
 *   landing and heard at max(that, the earliest it can be);
 * - a metronome at another tempo (70 BPM) is refused as too irregular, changing nothing;
 * - Reset puts it back to 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './lib/chromium.ts';
import { fixturesDir } from './lib/fixtures.ts';
import { ffmpegPath, MOTION_CLIPS, type MotionClipSpec, motionClip } from './lib/motion-clips.ts';
import { waitForLive } from './lib/studio-page.ts';
import { StudioSuite } from './lib/studio-suite.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const PERIOD_MS = 600;
const STROKES = 10;
/** The medium clip's hand, striking every 600 ms from t = 0: the loop (6 s) is a whole number of periods. */
const TEMPO_CLIP: MotionClipSpec = {
  name: 'calibrate-100bpm',
  durationMs: STROKES * PERIOD_MS,
  hands: [{ ...MOTION_CLIPS.medium!.hands[0]!, firstAtMs: 0, periodMs: PERIOD_MS, strokes: STROKES }],
};
const RUN_TIMEOUT_MS = 40_000;

/** `value` wrapped into [−period/2, period/2) (written again here: the test checks the app's math). */
const wrap = (value: number, period: number) => value - period * Math.floor(value / period + 0.5);
const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Run {
  result: Any;
  /** Largest stroke count the panel showed while running. */
  shownStrokes: number;
  wallMs: number;
}

/** Runs a calibration from the panel at `bpm` and returns the page's result. */
async function calibrate(page: Page, bpm: number): Promise<Run> {
  if ((await page.locator('[data-testid="calibrate-panel"]').count()) === 0)
    await page.locator('[data-testid="calibrate-open"]').click();
  await page.evaluate(() => delete (window as Any).__bambamCalibration);
  await page.locator('[data-testid="calibrate-bpm"]').fill(String(bpm));
  const started = Date.now();
  await page.locator('[data-testid="calibrate-start"]').click();
  let shownStrokes = 0;
  while (Date.now() - started < RUN_TIMEOUT_MS) {
    const view = await page.evaluate(() => ({
      done: (window as Any).__bambamCalibration !== undefined,
      strokes: document.querySelector('[data-testid="calibrate-progress"]')?.getAttribute('data-strokes'),
    }));
    if (view.strokes) shownStrokes = Math.max(shownStrokes, Number(view.strokes));
    if (view.done) break;
    await delay(150);
  }
  const result = await page.evaluate(() => {
    const r = (window as Any).__bambamCalibration;
    return r === undefined ? undefined : JSON.parse(JSON.stringify(r));
  });
  assert.ok(result, `no calibration result within ${RUN_TIMEOUT_MS} ms`);
  return { result, shownStrokes, wallMs: Date.now() - started };
}

/**
 * The strokes' tempo as the page sees them, BPM: the clip strikes every 600 ms, but on a loaded
 * machine Chromium's fake camera delivers its frames late and the clip plays up to ~8% slow
 * (measured: landing gaps averaging 613–630 ms). Median of the recent landing gaps, missed
 * strokes (double gaps) left out.
 */
async function strokeTempo(page: Page): Promise<number> {
  await page.waitForFunction(
    () => (window as Any).__bambamDirectMonitor.log.filter((l: Any) => l.via === 'channel').length >= 6,
    undefined,
    { timeout: 20_000 },
  );
  const landings: number[] = await page.evaluate(() =>
    (window as Any).__bambamDirectMonitor.log
      .filter((l: Any) => l.via === 'channel')
      .slice(-10)
      .map((l: Any) => l.landingAt),
  );
  const gaps = landings
    .slice(1)
    .map((l, i) => l - landings[i]!)
    .filter((g) => g > PERIOD_MS * 0.8 && g < PERIOD_MS * 1.25);
  const period = gaps.length >= 3 ? median(gaps) : PERIOD_MS;
  return Math.round((60_000 / period) * 10) / 10;
}

/**
 * Runs calibrations at the strokes' tempo until one succeeds (at most `tries`): on a loaded machine the
 * tracker misses strokes and the fake camera's frames slip, which the estimator rightly refuses.
 */
async function calibrateUntilOk(page: Page, t: TestContext, label: string, tries = 3): Promise<Run> {
  let run: Run | undefined;
  for (let i = 1; i <= tries; i++) {
    run = await calibrate(page, await strokeTempo(page));
    t.diagnostic(`${label} (try ${i}): ${describeRun(run)}`);
    if (run.result.estimate.ok) return run;
  }
  assert.fail(`no calibration succeeded in ${tries} tries: ${describeRun(run!)}`);
}

/**
 * Checks the estimate against the page's own records: its matches pair real clicks with real
 * strokes, the median of the kept ones is the estimate, and the strokes sit around it on the grid.
 */
function assertAgreesWithRecords(result: Any): void {
  const clicks = new Set<number>(result.clicks);
  const landings = new Set<number>(result.plays.map((l: Any) => l.landingAt));
  const kept: number[] = [];
  for (const m of result.estimate.matches) {
    assert.ok(clicks.has(m.click), `match with an unknown click ${m.click}`);
    assert.ok(landings.has(m.hit), `match with an unknown stroke ${m.hit}`);
    assert.ok(Math.abs(m.offsetMs - (m.hit - m.click)) < 1e-9);
    if (!m.discarded) kept.push(m.hit - m.click);
  }
  assert.ok(kept.length >= 8, `${kept.length} strokes kept`);
  assert.ok(
    Math.abs(median(kept) - result.estimate.offsetMs) < 1e-9,
    'estimate ≠ median of the kept strokes',
  );
  // Independently of the pairing: every stroke's place on the click grid, around the estimate.
  const residuals = result.plays.map((l: Any) =>
    wrap(l.landingAt - result.clicks[0] - result.estimate.offsetMs, result.periodMs),
  );
  assert.ok(
    Math.abs(median(residuals)) <= 30,
    `strokes sit ${median(residuals).toFixed(1)} ms from the estimate on the grid`,
  );
}

function describeRun(run: Run): string {
  const { result } = run;
  const e = result.estimate;
  return (
    `${result.bpm} BPM: ${result.plays.length} strokes, ${result.clicks.length} clicks, ` +
    (e.ok
      ? `offset ${e.offsetMs.toFixed(1)} ms (kept ${e.kept}, spread ${Number(e.spreadMs).toFixed(1)} ms), compensation ${result.compensationMs?.toFixed(1)} ms, ` +
        `motion→sound ${result.motionToSoundMs?.toFixed(0)} ms, unrecoverable ${result.unrecoverableMs?.toFixed(0)} ms`
      : `refused: ${e.reason} (${e.message})${result.error ? `, error ${result.error}` : ''}`) +
    `, ${(run.wallMs / 1000).toFixed(1)} s; landings − first click (mod ${result.periodMs.toFixed(0)} ms): ` +
    result.plays
      .map((l: Any) => `${wrap(l.landingAt - result.clicks[0], result.periodMs).toFixed(0)}`)
      .join(', ') +
    `; landing gaps ${result.plays
      .slice(1)
      .map((l: Any, i: number) => (l.landingAt - result.plays[i].landingAt).toFixed(0))
      .join(', ')} ms; lag ${result.plays.map((l: Any) => l.lagMs.toFixed(0)).join(', ')} ms`
  );
}

/** Checks each play's timing fields against each other: scheduled = landing + compensation, heard = max(scheduled, earliest). */
function assertScheduling(plays: readonly Any[], compensationMs: number): void {
  assert.ok(plays.length > 0, 'no plays to check');
  for (const p of plays) {
    const lead = p.at !== undefined ? p.at - p.frameT : 0;
    const landing = p.receivedAt + lead - Math.max(0, p.lagMs) - p.transitMs;
    assert.ok(Math.abs(p.landingAt - landing) < 1e-6, `landing ${p.landingAt} ≠ ${landing}`);
    assert.equal(p.compensationMs, compensationMs);
    assert.ok(
      Math.abs(p.targetAt - (p.landingAt + compensationMs)) < 1e-6,
      'scheduled ≠ landing + compensation',
    );
    assert.ok(
      Math.abs(p.heardAt - Math.max(p.targetAt, p.earliestAt)) < 0.01,
      `heard at ${p.heardAt}, scheduled ${p.targetAt}, earliest ${p.earliestAt}`,
    );
  }
}

const monitorCompensation = (page: Page) =>
  page.evaluate(() => ({
    value: (window as Any).__bambamDirectMonitor.compensationMs as number,
    stored: localStorage.getItem('bambam.directMonitoring.compensationMs'),
    status: document.querySelector('[data-testid="calibrate-status"]')?.textContent ?? '',
  }));

describe('studio latency calibration in Chromium (clip striking at 100 BPM)', { timeout: 240_000 }, () => {
  const suite = new StudioSuite();
  suite.requires(ffmpegPath() !== undefined, 'ffmpeg not found: apt-get install -y ffmpeg');
  let chromium: ChromiumSession | undefined;
  let page: Page | undefined;
  let first: Run | undefined;

  before(() =>
    suite.setup(async () => {
      const clip = await motionClip(TEMPO_CLIP, { fixturesDir: fixturesDir()! });
      ({ chromium, page } = await suite.open({ path: '/play?autostart=1', fakeVideo: clip.file }));
      await waitForLive(page);
      await page.waitForFunction(() => (window as Any).__bambamDirectMonitor?.state.active, undefined, {
        timeout: 30_000,
      });
    }),
  );

  after(async () => {
    if (chromium && page && process.exitCode)
      process.stderr.write(`${chromium.logs.slice(-30).join('\n')}\n`);
    await suite.teardown();
  });

  const ready = (t: TestContext) => suite.ready(t, page);

  it('measures the strokes against the clicks and sets the compensation (the page’s records agree)', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const run = await calibrateUntilOk(p, t, 'run 1');
      const { result } = run;
      assert.equal(result.error, undefined);
      assert.ok(run.shownStrokes >= 8, `the panel counted ${run.shownStrokes} strokes`);
      // The metronome: one click every period on the page clock.
      const gaps = result.clicks.slice(1).map((c: number, i: number) => c - result.clicks[i]);
      assert.ok(
        gaps.every((g: number) => Math.abs(g - result.periodMs) < 1),
        `click gaps ${gaps.map((g: number) => g.toFixed(2)).join(', ')}`,
      );
      assertAgreesWithRecords(result);
      const offset: number = result.estimate.offsetMs;
      assert.ok(Math.abs(result.compensationMs + offset) < 1e-9, 'compensation ≠ −offset');
      const comp = await monitorCompensation(p);
      assert.equal(comp.value, result.compensationMs);
      assert.equal(comp.stored, String(result.compensationMs));
      assert.match(comp.status, /Calibrated: [+−]?\d+ ms · hits land ≈ \d+ ms (after|before) your stroke/);
      assert.equal(await p.locator('[data-testid="calibrate-result"]').getAttribute('data-ok'), 'true');
      first = run;
    });
  });

  it('a second run is measured at compensation 0 while the first one is applied (agreement printed)', async (t) => {
    const p = ready(t);
    if (!p || !first) return;
    await suite.guard(async () => {
      const compensation: number = first!.result.compensationMs;
      const run = await calibrateUntilOk(p, t, 'run 2');
      assertAgreesWithRecords(run.result);
      // The plays of run 2 were scheduled with run 1's compensation.
      assertScheduling(run.result.plays, compensation);
      t.diagnostic(
        `offsets (phase of the strokes against each run's metronome): run 1 ${first!.result.estimate.offsetMs.toFixed(1)} ms, ` +
          `run 2 ${run.result.estimate.offsetMs.toFixed(1)} ms`,
      );
    });
  });

  it('a compensation beyond the latency holds every hit back by exactly that much', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const hold = 600;
      const since = await p.evaluate((ms) => {
        (window as Any).__bambamDirectMonitor.setCompensationMs(ms);
        return performance.now();
      }, hold);
      await p.waitForFunction(
        (s) => (window as Any).__bambamDirectMonitor.log.filter((l: Any) => l.receivedAt > s).length >= 3,
        since,
        { timeout: 20_000 },
      );
      const plays: Any[] = await p.evaluate(
        (s) =>
          (window as Any).__bambamDirectMonitor.log.filter(
            (l: Any) => l.receivedAt > s && l.via === 'channel',
          ),
        since,
      );
      assertScheduling(plays, hold);
      const delays = plays.map((l) => l.heardAt - l.landingAt);
      t.diagnostic(
        `stroke → heard with compensation ${hold}: ${delays.map((d) => d.toFixed(1)).join(', ')} ms`,
      );
      for (const d of delays) assert.ok(Math.abs(d - hold) < 0.01, `heard ${d} ms after the landing`);
      assert.equal((await monitorCompensation(p)).stored, String(hold));
    });
  });

  it('refuses strokes off the metronome’s tempo (70 BPM) as too irregular, changing nothing; Reset sets 0', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const before = await monitorCompensation(p);
      const run = await calibrate(p, 70);
      t.diagnostic(`mismatched run: ${describeRun(run)}`);
      assert.equal(run.result.estimate.ok, false, describeRun(run));
      assert.equal(run.result.estimate.reason, 'too-irregular', describeRun(run));
      const resultText = await p.locator('[data-testid="calibrate-result"]').textContent();
      assert.match(resultText ?? '', /Too irregular, try again/);
      assert.deepEqual(
        (await monitorCompensation(p)).value,
        before.value,
        'a refused run changed the compensation',
      );

      await p.locator('[data-testid="calibrate-reset"]').click();
      const reset = await monitorCompensation(p);
      assert.equal(reset.value, 0);
      assert.equal(reset.stored, '0');
      assert.match(reset.status, /Not calibrated/);
    });
  });
});
