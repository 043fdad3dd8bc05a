/**
 * Launches the system's real Chromium (Debian's /usr/bin/chromium) headless through
 * playwright-core, with a fake camera and the flags WebRTC on loopback needs
 * (../shared/notes/toolchain.md). Each launch gets a fresh user-data-dir that is removed on
 * close. Reused by the studio's Playwright tests: see test/lib/README.md.
 *
 * ```ts
 * const chromium = await launchChromium({ fakeVideo: clipPath });
 * after(() => chromium.close());
 * const page = await chromium.newPage();
 * ```
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Skippable } from './fixtures.ts';
import { ffmpegPath } from './motion-clips.ts';

/** Where Chromium is looked for: `$BAMBAM_CHROMIUM`, else Debian's package path. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.BAMBAM_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** Returns Chromium's path, or skips the test saying how to install it. */
export function requireChromium(t: Skippable): string | undefined {
  const found = chromiumPath();
  if (!found) t.skip('Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)');
  return found;
}

export interface ChromiumOptions {
  /**
   * A `.mjpeg` or `.y4m` file the fake camera plays (looped); an `.mjpeg` is played as raw frames
   * ({@link rawCameraClip}). Default: Chromium's generated pattern.
   */
  readonly fakeVideo?: string;
  /** Frame rate of the generated pattern when no file is given. Default 30 (Chromium's own default is 20). */
  readonly fakeFps?: number;
  /** Default {@link chromiumPath}. */
  readonly executablePath?: string;
  /** Default true; set `BAMBAM_HEADFUL=1` to watch. */
  readonly headless?: boolean;
  /** Appended to the default flags. */
  readonly extraArgs?: readonly string[];
  /** Launch timeout, ms. Default 30 000. */
  readonly timeoutMs?: number;
}

/** The flags that make headless Chromium usable for WebRTC tests on this machine. */
export function chromiumArgs(options: Pick<ChromiumOptions, 'fakeVideo' | 'fakeFps'> = {}): string[] {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    // Without these Chromium keeps trying outside connections, all refused here.
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    // Camera and microphone without a prompt, from fake devices.
    '--use-fake-ui-for-media-stream',
    options.fakeVideo
      ? '--use-fake-device-for-media-stream'
      : `--use-fake-device-for-media-stream=fps=${options.fakeFps ?? 30}`,
    // Otherwise Chromium gathers no ICE candidate on 127.0.0.1.
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (options.fakeVideo) args.push(`--use-file-for-fake-video-capture=${options.fakeVideo}`);
  return args;
}

/** A running Chromium: one persistent context in a fresh profile. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  /** Opens a tab; console errors of the page are kept in {@link ChromiumSession.logs}. */
  newPage(): Promise<Page>;
  /** Page console lines and page errors, prefixed with their type, for failure messages. */
  readonly logs: string[];
  /** Closes the browser and removes the profile. Safe to call twice. */
  close(): Promise<void>;
}

export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  const executablePath = options.executablePath ?? chromiumPath();
  if (!executablePath)
    throw new Error('Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)');
  if (options.fakeVideo && !existsSync(options.fakeVideo)) {
    throw new Error(`fake camera file not found: ${options.fakeVideo}`);
  }
  const fakeVideo = options.fakeVideo && (await rawCameraClip(options.fakeVideo));
  const userDataDir = await mkdtemp(path.join(os.tmpdir(), 'bambam-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: options.headless ?? process.env.BAMBAM_HEADFUL !== '1',
      args: [...chromiumArgs({ ...options, fakeVideo }), ...(options.extraArgs ?? [])],
      timeout: options.timeoutMs ?? 30_000,
      viewport: { width: 800, height: 600 },
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  const logs: string[] = [];
  let closed: Promise<void> | undefined;
  return {
    context,
    logs,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (m) => logs.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      return page;
    },
    close() {
      closed ??= (async () => {
        await context.close().catch(() => {});
        await rm(userDataDir, { recursive: true, force: true });
      })();
      return closed;
    },
  };
}

/**
 * The fake camera's clip as raw frames (`.y4m`), converted once per clip into a cache under the
 * temporary folder. Chromium decodes an `.mjpeg` clip's every frame on its capture thread (≈12%
 * of a core here at 640x480, 30 fps), CPU the machine's engine and browser then lack; a `.y4m`
 * is only copied. Same pictures (full-range YUV as Chromium's own JPEG decoding gives, so the
 * engine sees the bytes it always saw), same 30 fps. Left as is when ffmpeg is missing, the file is not
 * `.mjpeg`, or `BAMBAM_TEST_CAMERA=mjpeg`.
 */
export async function rawCameraClip(clip: string): Promise<string> {
  const ffmpeg = ffmpegPath();
  if (!clip.endsWith('.mjpeg') || !ffmpeg || process.env.BAMBAM_TEST_CAMERA === 'mjpeg') return clip;
  const { size, mtimeMs } = statSync(clip);
  const key = createHash('sha256')
    .update(`${path.resolve(clip)}:${size}:${mtimeMs}:yuvj420p`)
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(os.tmpdir(), 'bambam-camera-clips');
  const file = path.join(dir, `${path.basename(clip, '.mjpeg')}-${key}.y4m`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const partial = `${file}.${process.pid}.part`;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'mjpeg', '-framerate', '30', '-i', clip];
  args.push('-pix_fmt', 'yuvj420p', '-f', 'yuv4mpegpipe', partial);
  await new Promise<void>((resolve, reject) =>
    execFile(ffmpeg, args, (error, _stdout, stderr) =>
      error
        ? reject(new Error(`ffmpeg could not convert ${clip} to raw frames: ${stderr || error.message}`))
        : resolve(),
    ),
  ).catch(async (error) => {
    await rm(partial, { force: true });
    throw error;
  });
  await rename(partial, file);
  return file;
}
