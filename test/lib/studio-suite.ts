/**
 * The lifecycle every studio suite shares: a real engine, `next start` of the built studio and
 * Chromium with the fake camera playing the 4-strokes clip. It skips with a reason when the
 * fixture or Chromium is missing, turns a setup failure into a clear failure of each test,
 * prints the engine's, studio's and page's output when anything failed, and disposes
 * everything it started (Chromium, studio, engine, then the suite's own cleanups).
 */
import type { TestContext } from 'node:test';
import { type ChromiumSession, chromiumPath, launchChromium } from './chromium.ts';
import { type RunningEngine, startEngine } from './engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from './fixtures.ts';
import { type RunningStudio, type StudioOptions, startStudio, studioEngineEnv } from './studio-server.ts';

export class StudioSuite {
  /** The fake camera's clip, when the fixtures are there. */
  readonly clip = fixturePath(FOUR_STROKES_CLIP);
  #skipReason: string | undefined;
  #setupError: Error | undefined;
  #failed = false;
  #engine: RunningEngine | undefined;
  #studio: RunningStudio | undefined;
  #chromium: ChromiumSession | undefined;
  readonly #cleanups: (() => unknown)[] = [];

  constructor() {
    if (!this.clip) this.#skipReason = `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`;
    else if (!chromiumPath())
      this.#skipReason = 'Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)';
  }

  /** Skips the suite with `reason` unless `condition` holds (checked before setup). */
  requires(condition: boolean, reason: string): void {
    if (!condition && !this.#skipReason) this.#skipReason = reason;
  }

  /** Runs the suite's setup (for `before`), unless it is skipped; a failure is kept for {@link ready}. */
  async setup(body: () => Promise<void>): Promise<void> {
    if (this.#skipReason) return;
    try {
      await body();
    } catch (error) {
      this.#setupError = error as Error;
    }
  }

  /** An engine that allows the studio on `studioPort` as an origin (`env` adds to its environment). */
  async startEngine(studioPort: number, env: Record<string, string> = {}): Promise<RunningEngine> {
    this.#engine = await startEngine({ env: { ...studioEngineEnv(studioPort), ...env } });
    return this.#engine;
  }

  async startStudio(options: StudioOptions): Promise<RunningStudio> {
    this.#studio = await startStudio(options);
    return this.#studio;
  }

  /** Chromium whose fake camera plays the clip. */
  async launchChromium(): Promise<ChromiumSession> {
    this.#chromium = await launchChromium({ fakeVideo: this.clip });
    return this.#chromium;
  }

  /** Runs after everything the suite started is disposed (temp dirs, proxies). */
  onTeardown(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  /** For `after`: prints the outputs if anything failed, then disposes everything. */
  async teardown(): Promise<void> {
    const engine = this.#engine;
    if ((this.#failed || this.#setupError) && engine) {
      process.stderr.write(`\n--- engine output (tail) ---\n${engine.output().slice(-5000)}\n`);
      if (this.#studio)
        process.stderr.write(`--- studio output (tail) ---\n${this.#studio.output().slice(-2000)}\n`);
      if (this.#chromium)
        process.stderr.write(`--- page console (tail) ---\n${this.#chromium.logs.slice(-40).join('\n')}\n`);
    }
    await this.#chromium?.close();
    await this.#studio?.dispose();
    await engine?.dispose();
    for (const cleanup of this.#cleanups.reverse()) await cleanup();
  }

  /**
   * At the start of each test: skips it when the suite is skipped, fails it when setup failed,
   * else returns `value` (the page).
   */
  ready<T>(t: TestContext, value: T): T | undefined {
    if (this.#skipReason) {
      t.skip(this.#skipReason);
      return undefined;
    }
    if (this.#setupError) {
      this.#failed = true;
      throw new Error(`setup failed: ${this.#setupError.message}`);
    }
    return value;
  }

  /** Runs a test body; a failure marks the suite failed, so teardown prints the outputs. */
  async guard(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }
}
