/**
 * Reads what a studio page shows about its state: the toolbar badge, the banner, where they sit
 * (to check the banner stays inside its stage and the latency line is on screen), and the
 * page's own status object (`window.__bambamStatus`). Screenshots go to the OS temp dir.
 */
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

export interface Box {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export interface ShownStatus {
  /** The page's status object: what both the badge and the banner render. */
  readonly state: string | null;
  readonly badge: {
    readonly state: string | null;
    readonly tone: string | null;
    readonly text: string;
  } | null;
  readonly banner: {
    readonly state: string | null;
    readonly kind: string | null;
    readonly tone: string | null;
    readonly text: string;
    readonly box: Box;
    /** The banner's content is taller than the banner (it scrolls inside). */
    readonly scrolls: boolean;
  } | null;
  /** The stage the banner floats over. */
  readonly stage: Box | null;
  readonly saveStatus: string | null;
}

/** What the page shows now, read in one go (so the badge and the banner are from the same moment). */
export function shownStatus(page: Page): Promise<ShownStatus> {
  return page.evaluate(() => {
    const box = (el: Element | null) => {
      if (!el) return null;
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    };
    const badge = document.querySelector('[data-testid="connection-state"]');
    const banner = document.querySelector('[data-testid="problem"]') as HTMLElement | null;
    return {
      state: (window as Any).__bambamStatus?.status.state ?? null,
      badge: badge
        ? {
            state: badge.getAttribute('data-state'),
            tone: badge.getAttribute('data-tone'),
            text: badge.textContent ?? '',
          }
        : null,
      banner: banner
        ? {
            state: banner.getAttribute('data-state'),
            kind: banner.getAttribute('data-kind'),
            tone: banner.getAttribute('data-tone'),
            text: banner.textContent ?? '',
            box: box(banner)!,
            scrolls: banner.scrollHeight > banner.clientHeight + 1,
          }
        : null,
      stage: box(document.querySelector('.stage-wrap')),
      saveStatus: document.querySelector('[data-testid="save-status"]')?.textContent ?? null,
    };
  });
}

/** Waits until the page's status is `state`; the error says what it showed instead. */
export async function waitForStudioState(
  page: Page,
  state: string,
  timeoutMs = 30_000,
): Promise<ShownStatus> {
  try {
    await page.waitForFunction((want) => (window as Any).__bambamStatus?.status.state === want, state, {
      timeout: timeoutMs,
      polling: 100,
    });
  } catch {
    throw new Error(
      `the studio did not reach '${state}' within ${timeoutMs} ms; it shows ${JSON.stringify(await shownStatus(page))}`,
    );
  }
  // Let React render the change.
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="connection-state"]')?.getAttribute('data-state') === want,
    state,
    { timeout: 5000, polling: 50 },
  );
  return shownStatus(page);
}

/** Where screenshots go: `$TMPDIR/bambam-studio-states/`. */
export const SCREENSHOT_DIR = path.join(os.tmpdir(), 'bambam-studio-states');

/** Takes a screenshot of the page's viewport; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
