/**
 * Drives a studio page (apps/web) in Chromium for the studio's end-to-end tests: waits for its
 * engine connection, records the instrument audio the page receives (the e2e harness's
 * AudioWorklet recorder, fed from the studio's own remote stream), logs when telemetry hits
 * reached the page, and checks that the hand overlay is drawn where the landmarks are.
 *
 * Everything goes through `window.__bambamStudio` (the page's EngineClient) and
 * `window.__bambamEditor` (Monaco), which the studio exposes for exactly this.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { decodeRecording, type Recording } from './client.ts';
import { detectOnsets } from './onsets.ts';
import { type HitFeatures, hitFeatures } from './studio-audio.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

const WORKLET = path.join(import.meta.dirname, 'client', 'recorder-worklet.js');

/** What identifies the page's connection: unchanged ids mean no reconnect and no renegotiation. */
export interface ConnectionIdentity {
  readonly socketId: string | null;
  readonly sessionId: string | null;
  /** A mark stored on the RTCPeerConnection object: the same mark means the same peer connection. */
  readonly peerMark: string | null;
  readonly peerState: string | null;
}

/** Waits until the studio's media is live (camera sent, engine audio coming back). */
export async function waitForLive(page: Page, timeoutMs = 30_000): Promise<void> {
  try {
    await page.waitForFunction(() => (window as Any).__bambamStudio?.snapshot.media === 'live', undefined, {
      timeout: timeoutMs,
      polling: 100,
    });
  } catch {
    const snapshot = await page.evaluate(() => (window as Any).__bambamStudio?.snapshot ?? null);
    throw new Error(
      `the studio did not go live within ${timeoutMs} ms; its state: ${JSON.stringify(snapshot)}`,
    );
  }
}

/** Waits until telemetry reports at least one hand. */
export async function waitForHands(page: Page, timeoutMs = 20_000): Promise<void> {
  await page.waitForFunction(
    () => ((window as Any).__bambamStudio?.lastTelemetry?.hands.length ?? 0) > 0,
    undefined,
    {
      timeout: timeoutMs,
      polling: 100,
    },
  );
}

/**
 * Starts recording the instrument audio the studio receives, and logging telemetry hits with
 * the page's wall clock. Follows new remote streams (after a renegotiation).
 */
export async function startStudioRecorder(page: Page): Promise<void> {
  const worklet = await readFile(WORKLET, 'utf8');
  await page.waitForFunction(() => (window as Any).__bambamStudio?.remoteAudio, undefined, {
    timeout: 20_000,
  });
  await page.evaluate(async (workletSource) => {
    const w = window as Any;
    const client = w.__bambamStudio;
    const context = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
    const url = URL.createObjectURL(new Blob([workletSource], { type: 'text/javascript' }));
    await context.audioWorklet.addModule(url);
    const recorder = new AudioWorkletNode(context, 'bambam-recorder', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
    });
    const mute = context.createGain();
    mute.gain.value = 0;
    recorder.connect(mute).connect(context.destination);
    const state = {
      chunks: [] as { startFrame: number; samples: Float32Array; times: Float64Array }[],
      hits: [] as Any[],
      frames: [] as Any[],
    };
    recorder.port.onmessage = (e: MessageEvent) => state.chunks.push(e.data);
    let source: MediaStreamAudioSourceNode | null = null;
    const attach = (stream: MediaStream) => {
      source?.disconnect();
      source = context.createMediaStreamSource(stream);
      source.connect(recorder);
    };
    attach(client.remoteAudio);
    client.on('audio', attach);
    client.on('telemetry', (t: Any) => {
      state.frames.push({
        at: Date.now(),
        hands: t.hands.length,
        total: t.timings.total,
        dropped: t.dropped,
      });
      if (t.hits.length > 0) state.hits.push({ at: Date.now(), hits: t.hits });
    });
    await context.resume();
    w.__studioRecorder = { state, sampleRate: context.sampleRate };
  }, worklet);
}

/** The audio recorded since wall-clock `sinceMs` (page clock = this machine's clock). */
export async function studioRecording(page: Page, sinceMs = 0): Promise<Recording> {
  const raw = await page.evaluate((since) => {
    const { state, sampleRate } = (window as Any).__studioRecorder;
    const chunks = state.chunks.filter((c: Any) => c.times[c.times.length - 1] >= since);
    const blockSize = 128;
    const total = chunks.reduce((n: number, c: Any) => n + c.samples.length, 0);
    const pcm = new Int16Array(total);
    const blockTimes: number[] = [];
    let offset = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.samples.length; i++) {
        pcm[offset + i] = Math.max(-32767, Math.min(32767, Math.round(c.samples[i] * 32767)));
      }
      offset += c.samples.length;
      blockTimes.push(...c.times);
    }
    const bytes = new Uint8Array(pcm.buffer);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { sampleRate, startFrame: chunks[0]?.startFrame ?? 0, blockSize, pcm: btoa(binary), blockTimes };
  }, sinceMs);
  return decodeRecording(raw);
}

/** Page wall-clock times at which telemetry with hits arrived, since `sinceMs`. */
export async function studioHits(page: Page, sinceMs = 0): Promise<{ at: number; sounds: string[] }[]> {
  return page.evaluate(
    (since) =>
      (window as Any).__studioRecorder.state.hits
        .filter((h: Any) => h.at >= since)
        .map((h: Any) => ({ at: h.at, sounds: h.hits.map((x: Any) => x.sound) })),
    sinceMs,
  );
}

/** How the tracking went since `sinceMs`: telemetry rate, frames with a hand, engine latency, drops. */
export async function trackingSummary(page: Page, sinceMs = 0): Promise<string> {
  return page.evaluate((since) => {
    const frames = (window as Any).__studioRecorder.state.frames.filter((f: Any) => f.at >= since);
    const problem = (window as Any).__bambamStudio.snapshot.problem;
    const shown = problem ? `; the studio shows: ${problem.title}: ${problem.detail}` : '';
    if (frames.length < 2) return `${frames.length} telemetry messages${shown}`;
    const seconds = (frames.at(-1).at - frames[0].at) / 1000;
    const totals = frames.map((f: Any) => f.total).sort((a: number, b: number) => a - b);
    return (
      `${(frames.length / seconds).toFixed(1)} telemetry/s over ${seconds.toFixed(1)} s, ` +
      `${frames.filter((f: Any) => f.hands > 0).length}/${frames.length} with a hand, ` +
      `engine total median ${totals[totals.length >> 1].toFixed(0)} ms, ${frames.at(-1).dropped - frames[0].dropped} frames dropped${shown}`
    );
  }, sinceMs);
}

/** The page's wall clock. */
export function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => Date.now());
}

/** Reads the connection identity; marks the peer connection the first time. */
export async function connectionIdentity(page: Page): Promise<ConnectionIdentity> {
  return page.evaluate(() => {
    const client = (window as Any).__bambamStudio;
    const pc = client.peerConnection;
    if (pc && !pc.__studioTestMark) pc.__studioTestMark = Math.random().toString(36).slice(2);
    return {
      socketId: client.snapshot.socketId,
      sessionId: client.snapshot.sessionId,
      peerMark: pc?.__studioTestMark ?? null,
      peerState: pc?.connectionState ?? null,
    };
  });
}

/**
 * Checks the overlay against the latest telemetry: maps each landmark into the video's visible
 * picture (object-fit contain, mirrored like the preview) and looks for drawn pixels there.
 * Returns how many of the landmarks have ink under them, and the count of inked pixels.
 */
export async function overlayCoverage(
  page: Page,
): Promise<{ landmarks: number; inked: number; inkedPixels: number; hands: number; inSync: boolean }> {
  return page.evaluate(() => {
    const client = (window as Any).__bambamStudio;
    const canvas = document.querySelector('[data-testid="hand-overlay"]') as HTMLCanvasElement;
    const video = document.querySelector('[data-testid="camera-preview"]') as HTMLVideoElement;
    const telemetry = client.lastTelemetry;
    const ctx = canvas.getContext('2d')!;
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let inkedPixels = 0;
    for (let i = 3; i < image.data.length; i += 4) if (image.data[i]! > 40) inkedPixels++;
    const dpr = canvas.width / canvas.clientWidth;
    const box = { w: canvas.clientWidth, h: canvas.clientHeight };
    const vw = video.videoWidth || telemetry.width;
    const vh = video.videoHeight || telemetry.height;
    const scale = Math.min(box.w / vw, box.h / vh);
    const rect = { x: (box.w - vw * scale) / 2, y: (box.h - vh * scale) / 2, w: vw * scale, h: vh * scale };
    const mirrored = getComputedStyle(video).transform !== 'none';
    let landmarks = 0;
    let inked = 0;
    for (const hand of telemetry.hands) {
      for (const l of hand.landmarks) {
        landmarks++;
        const x = Math.round((rect.x + (mirrored ? 1 - l.x : l.x) * rect.w) * dpr);
        const y = Math.round((rect.y + l.y * rect.h) * dpr);
        let hit = false;
        for (let dy = -3; dy <= 3 && !hit; dy++) {
          for (let dx = -3; dx <= 3 && !hit; dx++) {
            const px = x + dx;
            const py = y + dy;
            if (px < 0 || py < 0 || px >= canvas.width || py >= canvas.height) continue;
            if (image.data[(py * canvas.width + px) * 4 + 3]! > 40) hit = true;
          }
        }
        if (hit) inked++;
      }
    }
    const inSync = (canvas as Any).frameT === telemetry.t;
    return { landmarks, inked, inkedPixels, hands: telemetry.hands.length, inSync };
  });
}

/** Hits heard on the page over `ms` from now: their audio features and the sounds the engine reported. */
export async function listenToStudio(
  page: Page,
  ms: number,
): Promise<{ features: HitFeatures[]; reported: string[] }> {
  const since = await pageNow(page);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const recording = await studioRecording(page, since);
  const from = recording.indexAt(since);
  const samples = recording.samples.subarray(from);
  const analysis = detectOnsets(samples, recording.sampleRate);
  const shifted = { ...recording, samples, timeOf: (i: number) => recording.timeOf(from + i) };
  const reported = (await studioHits(page, since)).flatMap((h) => h.sounds);
  return { features: hitFeatures(shifted, analysis.onsets), reported };
}

/** Waits until the editor (Monaco) holds a plugin's source: the studio loaded the running instrument's. */
export async function waitForEditorSource(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(
    () => /definePlugin/.test((window as Any).__bambamEditor?.editor.getValue() ?? ''),
    undefined,
    { timeout: timeoutMs },
  );
}
