/**
 * Runs one motion-to-sound measurement in real Chromium: the motion clip as the fake camera,
 * the audible tap installed before the page's code, then the landing timeline and the figures.
 * {@link measureStudio} plays the studio's `/play`; {@link measureClockSelfTest} plays the
 * harness's own click page (the check that the clocks line up).
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { installAudibleTap, readAudibleTap, type TapReading } from './audible-tap.ts';
import { type ChromiumSession, launchChromium } from './chromium.ts';
import {
  type LandingTimeline,
  landingTimeline,
  type MotionFigures,
  motionFigures,
} from './motion-analysis.ts';
import { FRAME_MS, type MotionClip } from './motion-clips.ts';
import { waitForHands, waitForLive } from './studio-page.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pageClock = (page: Page) => page.evaluate(() => performance.now());

export interface Measurement {
  readonly clip: string;
  readonly timeline: LandingTimeline;
  readonly tap: TapReading;
  readonly figures: MotionFigures;
  /** Measured span on the page clock. */
  readonly span: { readonly fromMs: number; readonly toMs: number };
}

export interface StudioMeasureOptions {
  readonly studioUrl: string;
  readonly clip: MotionClip;
  /** How long to listen after the first tracked hand, ms. Default: one loop of the clip plus 0.5 s. */
  readonly listenMs?: number;
  /** Called with the page's console etc. on failure. */
  readonly onChromium?: (chromium: ChromiumSession) => void;
}

/** The studio's `/play?autostart=1` with the clip as camera; measured from the first tracked hand. */
export async function measureStudio(options: StudioMeasureOptions): Promise<Measurement> {
  const { clip } = options;
  const chromium = await launchChromium({ fakeVideo: clip.file });
  options.onChromium?.(chromium);
  try {
    const page = await chromium.newPage();
    await installAudibleTap(page);
    await page.goto(`${options.studioUrl}/play?autostart=1`, { timeout: 30_000 });
    await waitForLive(page);
    await waitForHands(page);
    const fromMs = await pageClock(page);
    await delay(options.listenMs ?? clip.spec.durationMs + 500);
    const toMs = await pageClock(page);
    const tap = await readAudibleTap(page, fromMs - 2000);
    const timeline = landingTimeline(tap.frames, clip);
    const span = { fromMs, toMs };
    return {
      clip: clip.spec.name,
      timeline,
      tap,
      figures: motionFigures(timeline.landings, tap.onsets, span),
      span,
    };
  } finally {
    await chromium.close();
  }
}

export interface SelfTestMeasurement extends Measurement {
  /**
   * Onset − the time each scheduled click was asked to leave the output, ms: the check of the
   * audio side (sample → context time → performance.now() → onset). Expected ~0.
   */
  readonly clockErrors: number[];
  /** Scheduled clicks not found within 100 ms of their time. */
  readonly clicksUnheard: number;
  /**
   * Scheduled clicks against the landings: the prediction assumes regular capture times, so
   * this also shows the fake camera's capture jitter.
   */
  readonly scheduled: MotionFigures;
  /** Clicks played as soon as the landing frame's callback ran (capture → callback → output). */
  readonly react: MotionFigures;
}

/** The harness's click page with the clip as camera (see client/clock-self-test.html). */
export async function measureClockSelfTest(
  clip: MotionClip,
  listenMs = clip.spec.durationMs + 1500,
): Promise<SelfTestMeasurement> {
  const html = await readFile(path.join(import.meta.dirname, 'client', 'clock-self-test.html'));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const chromium = await launchChromium({ fakeVideo: clip.file });
  try {
    const page = await chromium.newPage();
    await installAudibleTap(page);
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.evaluate(
      ([landings, frameMs, frames]) =>
        (window as never as { __selfTest: { start(...a: unknown[]): Promise<void> } }).__selfTest.start(
          landings,
          frameMs,
          frames,
        ),
      [clip.landings, FRAME_MS, clip.frames] as const,
    );
    await page.waitForFunction(
      () => (window as never as { __motionTap: { frames: unknown[] } }).__motionTap.frames.length > 10,
      undefined,
      {
        timeout: 20_000,
      },
    );
    // Skip the first second: Chromium's first camera frames and the audio output settle.
    await delay(1000);
    const fromMs = await pageClock(page);
    await delay(listenMs);
    const toMs = await pageClock(page);
    const tap = await readAudibleTap(page, fromMs - 2000);
    const clicks: { mode: string; at: number }[] = await page.evaluate(
      () => (window as never as { __selfTest: { clicks: { mode: string; at: number }[] } }).__selfTest.clicks,
    );
    const clockErrors: number[] = [];
    let clicksUnheard = 0;
    for (const click of clicks) {
      if (click.mode !== 'scheduled' || click.at < fromMs || click.at > toMs - 200) continue;
      const nearest = tap.onsets.reduce<number | undefined>((best, o) => {
        const error = o.audibleAt - click.at;
        return Math.abs(error) < 100 && (best === undefined || Math.abs(error) < Math.abs(best))
          ? error
          : best;
      }, undefined);
      if (nearest === undefined) clicksUnheard++;
      else clockErrors.push(nearest);
    }
    const timeline = landingTimeline(tap.frames, clip);
    const span = { fromMs, toMs };
    const even = timeline.landings.filter((l) => l.stroke % 2 === 0);
    const odd = timeline.landings.filter((l) => l.stroke % 2 === 1);
    // Each mode's clicks are matched against its own strokes; the other mode's clicks lie
    // more than a window away, so they are ignored rather than counted as extra.
    const near = (ls: typeof even) =>
      tap.onsets.filter((o) => ls.some((l) => Math.abs(o.audibleAt - l.at) < 400));
    return {
      clip: clip.spec.name,
      timeline,
      tap,
      span,
      figures: motionFigures(timeline.landings, tap.onsets, span),
      clockErrors,
      clicksUnheard,
      scheduled: motionFigures(even, near(even), span),
      react: motionFigures(odd, near(odd), span),
    };
  } finally {
    await chromium.close();
    server.close();
  }
}
