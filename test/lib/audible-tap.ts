/**
 * Hears what a page makes audible and sees what its camera shows, on one clock (the page's
 * `performance.now()`), for motion-to-sound measurements. {@link installAudibleTap} adds
 * `client/audible-tap.js` as an init script (before the page's own code); {@link readAudibleTap}
 * pulls what it recorded: the camera frames presented (with the clip's barcode index, markers
 * and `captureTime`) and the onsets of every tapped audio path, each mapped to the time it
 * leaves the audio output.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { CLIP_HEIGHT, CLIP_MARKS, CLIP_WIDTH } from './motion-clips.ts';
import { detectOnsets } from './onsets.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

const CLIENT_DIR = path.join(import.meta.dirname, 'client');

/** One presented camera frame, as the page's requestVideoFrameCallback saw it. */
export interface ProbedFrame {
  /** The clip's frame index from the barcode; null when it did not read (parity error). */
  readonly index: number | null;
  /** Landing marker per hand. */
  readonly marked: readonly boolean[];
  /** Camera capture time, page `performance.now()` clock; null when Chromium gives none. */
  readonly captureTime: number | null;
  readonly expectedDisplayTime: number;
  readonly presentationTime: number;
  readonly mediaTime: number;
  readonly presentedFrames: number;
  /** When the callback ran, `performance.now()`. */
  readonly callbackAt: number;
}

/** An onset heard on one tapped path. */
export interface TapOnset {
  /** When it leaves the audio output (getOutputTimestamp mapping), page `performance.now()`. */
  readonly audibleAt: number;
  /** When the recorder processed its block (Date.now() stamp mapped to `performance.now()`): before output latency. */
  readonly renderedAt: number;
  readonly levelDb: number;
  /** Which tapped path: `web-audio` (a page context's destination) or `media-element` (a stream in an element). */
  readonly kind: string;
  readonly source: number;
}

export interface TappedSource {
  readonly id: number;
  readonly kind: string;
  readonly sampleRate: number;
  readonly seconds: number;
  /** Render quanta the audio thread skipped (recorded as silence). */
  readonly skippedBlocks: number;
  readonly onsets: TapOnset[];
  /** Sounds cut by a dropout and resumed (not onsets; see `detectOnsets`). */
  readonly dropouts: number;
  /** Median (output time − render time) of the context, ms: its output latency as Chromium reports it. */
  readonly outputLagMs: number;
  readonly baseLatencyMs: number;
  readonly outputLatencyMs: number;
}

export interface TapReading {
  readonly frames: ProbedFrame[];
  readonly sources: TappedSource[];
  /** All onsets, in time order, after merging one hit heard on two paths (within 30 ms). */
  readonly onsets: TapOnset[];
  readonly errors: string[];
}

/** Installs the tap in `page` before any of its scripts run (call before `goto`). */
export async function installAudibleTap(page: Page): Promise<void> {
  const [tap, worklet] = await Promise.all([
    readFile(path.join(CLIENT_DIR, 'audible-tap.js'), 'utf8'),
    readFile(path.join(CLIENT_DIR, 'tap-worklet.js'), 'utf8'),
  ]);
  const config = {
    width: CLIP_WIDTH,
    height: CLIP_HEIGHT,
    barcode: CLIP_MARKS.barcode,
    markers: CLIP_MARKS.markers,
  };
  await page.addInitScript({
    content:
      `window.__motionTapConfig = ${JSON.stringify(config)};\n` +
      `window.__motionTapWorklet = ${JSON.stringify(worklet)};\n${tap}`,
  });
}

interface RawSource {
  id: number;
  kind: string;
  sampleRate: number;
  pcm: string;
  /** Context frame of each 128-sample block. */
  blockFrames: number[];
  blockTimes: number[];
  stamps: {
    contextTime: number;
    performanceTime: number;
    now: number;
    dateNow: number;
    baseLatency: number;
    outputLatency: number;
  }[];
}

/** Reads everything the tap recorded (audio since page `performance.now()` `sinceMs`). */
export async function readAudibleTap(page: Page, sinceMs = 0): Promise<TapReading> {
  const raw = await page.evaluate((since: number) => {
    const tap = (window as Any).__motionTap;
    if (!tap) throw new Error('the audible tap is not installed in this page');
    const dateOffset = Date.now() - performance.now();
    const sources = tap.contexts
      .filter((c: Any) => c.chunks.length > 0)
      .map((c: Any) => {
        const chunks = c.chunks.filter((k: Any) => k.times[k.times.length - 1] - dateOffset >= since);
        const total = chunks.reduce((n: number, k: Any) => n + k.samples.length, 0);
        const pcm = new Int16Array(total);
        const blockFrames: number[] = [];
        const blockTimes: number[] = [];
        let offset = 0;
        for (const k of chunks) {
          for (let i = 0; i < k.samples.length; i++)
            pcm[offset + i] = Math.max(-32767, Math.min(32767, Math.round(k.samples[i] * 32767)));
          offset += k.samples.length;
          blockFrames.push(...k.frames);
          blockTimes.push(...k.times);
        }
        const bytes = new Uint8Array(pcm.buffer);
        let binary = '';
        for (let i = 0; i < bytes.length; i += 0x8000)
          binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
        return {
          id: c.id,
          kind: c.kind,
          sampleRate: c.context.sampleRate,
          pcm: btoa(binary),
          blockFrames,
          blockTimes,
          stamps: c.stamps,
        };
      });
    return { frames: tap.frames, sources, errors: tap.errors };
  }, sinceMs);
  const sources: TappedSource[] = raw.sources.map((s: RawSource) => analyseSource(s));
  return {
    frames: raw.frames,
    sources,
    onsets: mergeOnsets(sources.flatMap((s) => s.onsets)),
    errors: raw.errors,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[sorted.length >> 1]! : Number.NaN;
}

function analyseSource(raw: RawSource): TappedSource {
  const bytes = Buffer.from(raw.pcm, 'base64');
  const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  const stamps = raw.stamps.filter((s) => s.performanceTime > 0);
  if (stamps.length === 0)
    throw new Error(`tap ${raw.id} (${raw.kind}): no output timestamp from the AudioContext`);
  // Each block at its own context frame: blocks the audio thread skipped stay silent gaps.
  const firstFrame = raw.blockFrames[0] ?? 0;
  const length = raw.blockFrames.length ? raw.blockFrames.at(-1)! + 128 - firstFrame : 0;
  const samples = new Float32Array(length);
  const timeAt = new Float64Array(Math.ceil(length / 128));
  raw.blockFrames.forEach((frame, b) => {
    const at = frame - firstFrame;
    for (let i = 0; i < 128; i++) samples[at + i] = pcm[b * 128 + i]! / 32767;
    timeAt[at >> 7] = raw.blockTimes[b]!;
  });
  const skippedBlocks = timeAt.length - raw.blockFrames.length;
  // Date.now() → performance.now(): the offset seen when the stamps were taken.
  const dateToPerf = median(stamps.map((s: RawSource['stamps'][number]) => s.now - s.dateNow));
  // Between the two output timestamps around it (they are taken every 50 ms): the context clock
  // can slip against performance.now() when the audio thread skips render quanta.
  const via = (s: RawSource['stamps'][number], t: number) => s.performanceTime + (t - s.contextTime) * 1000;
  const audibleAt = (frame: number) => {
    const t = frame / raw.sampleRate;
    const next = stamps.findIndex((s) => s.contextTime >= t);
    if (next === -1) return via(stamps.at(-1)!, t);
    if (next === 0) return via(stamps[0]!, t);
    const a = stamps[next - 1]!;
    const b = stamps[next]!;
    const w = b.contextTime > a.contextTime ? (t - a.contextTime) / (b.contextTime - a.contextTime) : 0;
    return via(a, t) * (1 - w) + via(b, t) * w;
  };
  const renderedAt = (index: number) => {
    let block = index >> 7;
    while (block > 0 && timeAt[block] === 0) block--; // a skipped block: the one before it
    return timeAt[block]! + dateToPerf;
  };
  const analysis = detectOnsets(samples, raw.sampleRate);
  const onsets = analysis.onsets.map((o) => ({
    audibleAt: audibleAt(firstFrame + o.sample),
    renderedAt: renderedAt(o.sample),
    levelDb: o.levelDb,
    kind: raw.kind,
    source: raw.id,
  }));
  const lags = raw.blockFrames.map((frame, b) => audibleAt(frame) - (raw.blockTimes[b]! + dateToPerf));
  return {
    id: raw.id,
    kind: raw.kind,
    sampleRate: raw.sampleRate,
    seconds: samples.length / raw.sampleRate,
    skippedBlocks,
    onsets,
    dropouts: analysis.dropouts.length,
    outputLagMs: median(lags),
    baseLatencyMs: (stamps.at(-1)?.baseLatency ?? Number.NaN) * 1000,
    outputLatencyMs: (stamps.at(-1)?.outputLatency ?? Number.NaN) * 1000,
  };
}

/** One hit heard on two paths (both audible) counts once, at the earlier. */
function mergeOnsets(onsets: TapOnset[]): TapOnset[] {
  const sorted = [...onsets].sort((a, b) => a.audibleAt - b.audibleAt);
  const merged: TapOnset[] = [];
  for (const o of sorted) {
    const last = merged.at(-1);
    if (last && last.source !== o.source && o.audibleAt - last.audibleAt < 30) continue;
    merged.push(o);
  }
  return merged;
}
