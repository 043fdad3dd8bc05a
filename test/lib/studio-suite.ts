/**
 * The lifecycle every studio suite shares: a real engine, `next start` of the built studio and
 * Chromium with the fake camera playing the 4-strokes clip. It skips with a reason when the
 * fixture or Chromium is missing, turns a setup failure into a clear failure of each test,
 * prints the engine's, studio's and page's output when anything failed, and disposes
 * everything it started (Chromium, studio, engine, then the suite's own cleanups).
 */
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { type ChromiumSession, chromiumPath, launchChromium } from './chromium.ts';
import { freePort, type RunningEngine, startEngine } from './engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from './fixtures.ts';
import { type RunningStudio, type StudioOptions, startStudio, studioEngineEnv } from './studio-server.ts';

/** The page size the studio suites open their pages at unless they ask for another. */
export const DEFAULT_STUDIO_VIEWPORT = { width: 1280, height: 800 } as const;

export interface OpenStudioOptions {
  /** The studio page to open, e.g. `/play?autostart=1`. */
  readonly path: string;
  /** Default {@link DEFAULT_STUDIO_VIEWPORT}. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /** Added to the engine's environment. */
  readonly engineEnv?: Record<string, string>;
  /** Where the studio reaches the engine (default the engine's own URL; a test may put a proxy between). */
  readonly engineUrl?: (engine: RunningEngine) => Promise<string>;
  /** The fake camera's clip (default the 4-strokes fixture). */
  readonly fakeVideo?: string;
  /** Runs before the page opens (permissions, init scripts). */
  readonly beforePage?: (chromium: ChromiumSession, studio: RunningStudio) => Promise<unknown>;
}

/** What {@link StudioSuite.open} started, all disposed by {@link StudioSuite.teardown}. */
export interface OpenStudio {
  readonly engine: RunningEngine;
  readonly studio: RunningStudio;
  readonly chromium: ChromiumSession;
  readonly page: Page;
}

export class StudioSuite {
  /** The fake camera's clip, when the fixtures are there. */
  readonly clip = fixturePath(FOUR_STROKES_CLIP);
  private skipReason: string | undefined;
  private setupError: Error | undefined;
  private failed = false;
  private engine: RunningEngine | undefined;
  private studio: RunningStudio | undefined;
  private chromium: ChromiumSession | undefined;
  private readonly cleanups: (() => unknown)[] = [];

  constructor() {
    if (!this.clip) this.skipReason = `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`;
    else if (!chromiumPath())
      this.skipReason = 'Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)';
  }

  /** Skips the suite with `reason` unless `condition` holds (checked before setup). */
  requires(condition: boolean, reason: string): void {
    if (!condition && !this.skipReason) this.skipReason = reason;
  }

  /** Runs the suite's setup (for `before`), unless it is skipped; a failure is kept for {@link ready}. */
  async setup(body: () => Promise<void>): Promise<void> {
    if (this.skipReason) return;
    try {
      await body();
    } catch (error) {
      this.setupError = error as Error;
    }
  }

  /** An engine that allows the studio on `studioPort` as an origin (`env` adds to its environment). */
  async startEngine(studioPort: number, env: Record<string, string> = {}): Promise<RunningEngine> {
    this.engine = await startEngine({ env: { ...studioEngineEnv(studioPort), ...env } });
    return this.engine;
  }

  async startStudio(options: StudioOptions): Promise<RunningStudio> {
    this.studio = await startStudio(options);
    return this.studio;
  }

  /** Chromium whose fake camera plays `fakeVideo` (default the suite's clip). */
  async launchChromium(fakeVideo: string | undefined = this.clip): Promise<ChromiumSession> {
    this.chromium = await launchChromium({ fakeVideo });
    return this.chromium;
  }

  /**
   * The start-up every studio suite shares: an engine, the studio on a free port, Chromium
   * with the fake camera, and a page at `options.path` (for {@link setup}).
   */
  async open(options: OpenStudioOptions): Promise<OpenStudio> {
    const studioPort = await freePort();
    const engine = await this.startEngine(studioPort, options.engineEnv);
    const engineUrl = options.engineUrl ? await options.engineUrl(engine) : engine.url;
    const studio = await this.startStudio({ engineUrl, port: studioPort });
    const chromium = await this.launchChromium(options.fakeVideo ?? this.clip);
    await options.beforePage?.(chromium, studio);
    const page = await chromium.newPage();
    await page.setViewportSize(options.viewport ?? DEFAULT_STUDIO_VIEWPORT);
    await page.goto(`${studio.url}${options.path}`, { timeout: 30_000 });
    return { engine, studio, chromium, page };
  }

  /** Runs after everything the suite started is disposed (temp dirs, proxies). */
  onTeardown(cleanup: () => unknown): void {
    this.cleanups.push(cleanup);
  }

  /** For `after`: prints the outputs if anything failed, then disposes everything. */
  async teardown(): Promise<void> {
    const engine = this.engine;
    if ((this.failed || this.setupError) && engine) {
      process.stderr.write(`\n--- engine output (tail) ---\n${engine.output().slice(-5000)}\n`);
      if (this.studio)
        process.stderr.write(`--- studio output (tail) ---\n${this.studio.output().slice(-2000)}\n`);
      if (this.chromium)
        process.stderr.write(`--- page console (tail) ---\n${this.chromium.logs.slice(-40).join('\n')}\n`);
    }
    await this.chromium?.close();
    await this.studio?.dispose();
    await engine?.dispose();
    for (const cleanup of this.cleanups.reverse()) await cleanup();
  }

  /**
   * At the start of each test: skips it when the suite is skipped, fails it when setup failed,
   * else returns `value` (the page).
   */
  ready<T>(t: TestContext, value: T): T | undefined {
    if (this.skipReason) {
      t.skip(this.skipReason);
      return undefined;
    }
    if (this.setupError) {
      this.failed = true;
      throw new Error(`setup failed: ${this.setupError.message}`);
    }
    return value;
  }

  /** Runs a test body; a failure marks the suite failed, so teardown prints the outputs. */
  async guard(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.failed = true;
      throw error;
    }
  }
}
