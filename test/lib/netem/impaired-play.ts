/**
 * One Chromium player on a real engine, both started by this script: run it INSIDE a
 * {@link NetemNamespace} (`ns.spawn(process.execPath, ['--no-node-snapshot', IMPAIRED_PLAY, out])`)
 * so that all of its WebRTC crosses the impaired loopback. It plays the fixture clip (4
 * down-strokes per 4 s loop), skips the session's warm-up, measures `loops` full clip loops and
 * writes an {@link ImpairedPlayResult} as JSON to the file named by its first argument. The
 * test that spawned it judges the result (it also holds the impairer's drop log).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChromiumSession, launchChromium } from '../chromium.ts';
import { type ClientServer, serveClientPage } from '../client/server.ts';
import {
  type ClientPage,
  openClient,
  type PageStats,
  type ReceivedTelemetry,
  recordedOnsets,
} from '../client.ts';
import { type RunningEngine, startEngine } from '../engine.ts';
import { FOUR_STROKES, FOUR_STROKES_CLIP, fixturePath } from '../fixtures.ts';
import { downStrokes, frameTimeToWall, loopWindow, reportedHits } from '../hit-analysis.ts';

export const IMPAIRED_PLAY = fileURLToPath(import.meta.url);

export const DEFAULT_IMPAIRED_PLAY = {
  /** Clip loops measured after the warm-up. */
  loops: 2,
  /** The session's first seconds (tracker, ONNX, sandbox, jitter buffers starting) are left out. */
  warmupMs: 4_000,
  connectTimeoutMs: 30_000,
  /** Longest wait for the measured loops. */
  collectTimeoutMs: 60_000,
  snapshotEveryMs: 500,
} as const;

/** A telemetry message, reduced to what the judgement needs. */
export interface FrameSeen {
  /** Engine frame time, ms. */
  readonly t: number;
  readonly rtpTimestamp?: number;
  /** Engine wall clock when the frame's last RTP packet arrived, ms. */
  readonly receivedAt?: number;
  readonly hits: number;
}

export interface HeardHit {
  /** Engine frame time of the hit's frame. */
  readonly t: number;
  /** Engine wall clock when its first audio packet left, ms. */
  readonly sentAt?: number;
}

export interface ImpairedPlayResult {
  /** The measured loops, engine frame time. */
  readonly window: { readonly start: number; readonly end: number } | undefined;
  /** The same, page wall clock. */
  readonly wallWindow: { readonly start: number; readonly end: number } | undefined;
  readonly strokes: readonly number[];
  readonly hits: readonly HeardHit[];
  /** Audio onsets the page's recording holds in the window, wall clock ms. */
  readonly onsets: readonly number[];
  readonly onsetFloorDb?: number;
  readonly frames: readonly FrameSeen[];
  /** Each frame Chromium encoded: RTP timestamp, wall clock ms, keyframe or not. */
  readonly sent: readonly { rtpTimestamp: number; encodedAt: number; keyframe: boolean }[];
  /** getStats every {@link DEFAULT_IMPAIRED_PLAY.snapshotEveryMs} from the connection on. */
  readonly snapshots: readonly PageStats[];
  /** The engine's /metrics at the end. */
  readonly metrics: string;
  readonly error?: string;
  readonly engineOutput?: string;
  readonly pageLogs?: readonly string[];
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function play(loops: number): Promise<ImpairedPlayResult> {
  const clip = fixturePath(FOUR_STROKES_CLIP);
  if (!clip) throw new Error(`fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`);
  const o = DEFAULT_IMPAIRED_PLAY;
  let engine: RunningEngine | undefined;
  let server: ClientServer | undefined;
  let chromium: ChromiumSession | undefined;
  let client: ClientPage | undefined;
  const snapshots: PageStats[] = [];
  let telemetry: ReceivedTelemetry[] = [];
  try {
    engine = await startEngine();
    server = await serveClientPage();
    chromium = await launchChromium({ fakeVideo: clip });
    client = await openClient(await chromium.newPage(), { pageUrl: server.url });
    await client.start({ engineUrl: engine.url, iceTimeoutMs: o.connectTimeoutMs });
    let window: { start: number; end: number } | undefined;
    const deadline = Date.now() + o.connectTimeoutMs + o.collectTimeoutMs;
    let nextSnapshot = 0;
    while (Date.now() < deadline) {
      if (Date.now() >= nextSnapshot) {
        nextSnapshot = Date.now() + o.snapshotEveryMs;
        const snapshot = await client.stats();
        if (snapshot?.audio) snapshots.push(snapshot);
      }
      telemetry = await client.telemetry();
      const warmedUp = (telemetry[0]?.t ?? 0) + o.warmupMs;
      const first = loopWindow(
        downStrokes(telemetry).filter((s) => s.t >= warmedUp),
        telemetry,
        FOUR_STROKES,
      );
      const candidate = first && { start: first.start, end: first.start + loops * FOUR_STROKES.durationMs };
      // Half a second more, so the last hit's sound has arrived.
      if (candidate && (telemetry.at(-1)?.t ?? 0) >= candidate.end + 500) {
        window = candidate;
        break;
      }
      await delay(100);
    }
    const final = await client.stats();
    if (final?.audio) snapshots.push(final);
    const inWindow = (t: number) => !!window && t >= window.start && t < window.end;
    const frames = telemetry.map((m) => ({
      t: m.t,
      rtpTimestamp: m.rtpTimestamp,
      receivedAt: m.receivedAt,
      hits: m.hits.length,
    }));
    const sent = (await client.sentFrames()).map((f) => ({
      rtpTimestamp: f.rtpTimestamp,
      encodedAt: f.encodedAt,
      keyframe: f.keyframe,
    }));
    const metrics = await engine.metrics();
    if (!window)
      return {
        window,
        wallWindow: undefined,
        strokes: [],
        hits: [],
        onsets: [],
        frames,
        sent,
        snapshots,
        metrics,
      };
    const toWall = frameTimeToWall(telemetry);
    const wallWindow = { start: toWall(window.start), end: toWall(window.end) };
    const recording = await client.recording(wallWindow.start - 1000);
    const analysis = recordedOnsets(recording, wallWindow.start, wallWindow.end);
    return {
      window,
      wallWindow,
      strokes: downStrokes(telemetry)
        .filter((s) => inWindow(s.t))
        .map((s) => s.t),
      hits: reportedHits(telemetry)
        .filter((h) => inWindow(h.t))
        .map((h) => ({ t: h.t, sentAt: h.sentAt })),
      onsets: analysis.onsets.map((onset) => onset.at),
      onsetFloorDb: analysis.floorDb,
      frames,
      sent,
      snapshots,
      metrics,
    };
  } catch (error) {
    return {
      window: undefined,
      wallWindow: undefined,
      strokes: [],
      hits: [],
      onsets: [],
      frames: [],
      sent: [],
      snapshots,
      metrics: '',
      error: (error as Error).stack ?? String(error),
      engineOutput: engine?.output().slice(-6000),
      pageLogs: chromium?.logs.slice(-40),
    };
  } finally {
    await client?.stop().catch(() => {});
    await chromium?.close();
    await server?.dispose();
    await engine?.dispose();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === IMPAIRED_PLAY) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: impaired-play.ts <result.json> [loops]');
  const result = await play(Number(process.argv[3] ?? DEFAULT_IMPAIRED_PLAY.loops));
  await writeFile(out, JSON.stringify(result));
}
