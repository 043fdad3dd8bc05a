/**
 * The engine end to end, in real headless Chromium: the fake camera plays the fixture clip of
 * a hand moving down 4 times per 4-second loop; the page sends it over WebRTC to a real engine
 * (child process) and records the audio it gets back. Checks (issue 4): continuous audio,
 * exactly 4 hits per loop, hits lined up with the down-strokes; malformed signaling answered
 * with an error while the session keeps working.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { encodeWav } from '@bambam/runtime';
import { type ChromiumSession, chromiumPath, launchChromium } from './lib/chromium.ts';
import { type ClientServer, serveClientPage } from './lib/client/server.ts';
import {
  type ClientPage,
  openClient,
  type PageStats,
  type ReceivedTelemetry,
  recordedOnsets,
} from './lib/client.ts';
import { judgeConcealment } from './lib/concealment.ts';
import { ENGINE_MAIN, type RunningEngine, startEngine } from './lib/engine.ts';
import { FOUR_STROKES, FOUR_STROKES_CLIP, fixturePath } from './lib/fixtures.ts';
import {
  downStrokes,
  frameTimeToWall,
  loopWindow,
  pairWithin,
  percentile,
  reportedHits,
  type Stroke,
} from './lib/hit-analysis.ts';
import { metricValue, parseMetrics } from './lib/prometheus.ts';
import { threadRunDelayMs } from './lib/run-delay.ts';

const CONNECT_TIMEOUT_MS = 30_000;
/** Enough telemetry to hold one full loop after the first stroke, on a loaded 2-core machine. */
const COLLECT_TIMEOUT_MS = 60_000;
/** Session warm-up left out of the measured loop (the slow start is a known issue, see the README). */
const WARMUP_MS = 3_000;
/**
 * An audio onset must follow the departure of the first packet carrying its hit (engine wall
 * clock) within this: the browser's jitter buffer and playout, ~50–80 ms, more under load;
 * below 0 only by the recording's clock error. (Not the telemetry's arrival at the page: a
 * socket message delayed ~100 ms by a busy machine once made a heard hit look early.)
 */
const ONSET_AFTER_SEND_MS = { lo: -40, hi: 250 };
/** A hit must be played on a frame near the middle of its down-stroke (engine frame time). */
const HIT_AFTER_STROKE_MS = { lo: -150, hi: 300 };

/** What the engine says of its audio clock and event loop: was the engine late, or the page? */
async function engineAudioLine(engine: RunningEngine): Promise<string> {
  const m = parseMetrics(await engine.metrics());
  const value = (name: string, labels: Record<string, string> = {}) => metricValue(m, name, labels);
  const sent = value('bambam_audio_frames_sent_total');
  return (
    `${sent} audio frames sent, ${value('bambam_audio_frames_late_total')} more than 5 ms late, ` +
    `${value('bambam_audio_frames_skipped_total')} skipped after stalls; event loop lag max ` +
    `${(1000 * value('bambam_process_nodejs_eventloop_lag_max_seconds')).toFixed(0)} ms; video frames dropped ` +
    `${value('bambam_video_frames_dropped_total', { reason: 'tracker_busy' })} tracker_busy, ` +
    `${value('bambam_video_frames_dropped_total', { reason: 'plugin_busy' })} plugin_busy, ` +
    `${value('bambam_video_frames_dropped_total', { reason: 'plugin_timeout' })} plugin_timeout`
  );
}

/** Writes `data` to a file in the temp dir and returns its path. */
function keepFile(name: string, extension: string, data: string | Uint8Array): string {
  const file = path.join(tmpdir(), `${name}-${Date.now()}.${extension}`);
  writeFileSync(file, data);
  return file;
}

function keepTelemetry(name: string, telemetry: readonly ReceivedTelemetry[]): string {
  return keepFile(name, 'json', JSON.stringify(telemetry));
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('engine end-to-end in Chromium (fixture clip: 4 down-strokes per loop)', {
  timeout: 240_000,
}, () => {
  const clip = fixturePath(FOUR_STROKES_CLIP);
  let skipReason: string | undefined;
  let setupError: Error | undefined;
  let engine: RunningEngine | undefined;
  let chromium: ChromiumSession | undefined;
  let server: ClientServer | undefined;
  let client: ClientPage | undefined;
  let startStats: PageStats | undefined;
  /** The engine's audio frames skipped after stalls, and its main thread's wait for a CPU (ms), when `startStats` was taken. */
  let skippedAtStart = 0;
  let engineWaitAtStart: number | undefined;
  let failed = false;

  before(
    async () => {
      if (!clip) skipReason = `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`;
      else if (!chromiumPath())
        skipReason = 'Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)';
      if (skipReason) return;
      try {
        engine = await startEngine();
        server = await serveClientPage();
        chromium = await launchChromium({ fakeVideo: clip });
        client = await openClient(await chromium.newPage(), { pageUrl: server.url });
        await client.start({ engineUrl: engine.url, iceTimeoutMs: CONNECT_TIMEOUT_MS });
        // Chromium lists inbound audio only once its first packet arrived: wait for it.
        for (const until = Date.now() + CONNECT_TIMEOUT_MS; Date.now() < until; await delay(100)) {
          startStats = await client.stats();
          if (startStats?.audio) break;
        }
        if (!startStats?.audio)
          throw new Error(`no audio received within ${CONNECT_TIMEOUT_MS} ms of connecting`);
        skippedAtStart = metricValue(
          parseMetrics(await engine.metrics()),
          'bambam_audio_frames_skipped_total',
        );
        engineWaitAtStart = threadRunDelayMs(engine.pid);
      } catch (error) {
        setupError = error as Error;
      }
    },
    { timeout: 150_000 },
  );

  after(async () => {
    if ((failed || setupError) && engine) {
      process.stderr.write(`\n--- engine output (tail) ---\n${engine.output().slice(-6000)}\n`);
      if (chromium)
        process.stderr.write(`--- page console (tail) ---\n${chromium.logs.slice(-40).join('\n')}\n`);
    }
    await client?.stop().catch(() => {});
    await chromium?.close();
    await server?.dispose();
    await engine?.dispose();
  });

  /** Skips, or fails with the setup error, or returns the running client. */
  function ready(t: TestContext): ClientPage | undefined {
    if (skipReason) {
      t.skip(skipReason);
      return undefined;
    }
    if (setupError) {
      failed = true;
      throw new Error(`setup failed (engine ${ENGINE_MAIN}): ${setupError.message}`);
    }
    return client;
  }

  it('streams continuous audio with exactly 4 hits per clip loop, lined up with the down-strokes', async (t) => {
    const page = ready(t);
    if (!page || !engine) return;
    try {
      // Collect until the telemetry holds one full loop after a down-stroke (plus the audio tail).
      let telemetry: ReceivedTelemetry[] = [];
      let strokes: Stroke[] = [];
      let window: { start: number; end: number } | undefined;
      // getStats snapshots along the way: concealment is judged in the steady state after warm-up.
      // Each with how long the engine's main thread had waited for a CPU (lib/run-delay.ts) and how
      // many audio frames its clock had skipped after stalls.
      type Snapshot = PageStats & { engineRunDelayMs?: number; engineSkippedFrames?: number };
      const snapshots: Snapshot[] = [];
      const withEngineWait = async (snapshot: PageStats): Promise<Snapshot> => {
        const waited = threadRunDelayMs(engine!.pid);
        if (waited === undefined) return snapshot; // not Linux: nothing is excused
        const skipped = metricValue(
          parseMetrics(await engine!.metrics()),
          'bambam_audio_frames_skipped_total',
        );
        return { ...snapshot, engineRunDelayMs: waited, engineSkippedFrames: skipped };
      };
      const deadline = Date.now() + COLLECT_TIMEOUT_MS;
      while (Date.now() < deadline) {
        const snapshot = await page.stats();
        if (snapshot?.audio) snapshots.push(await withEngineWait(snapshot));
        telemetry = await page.telemetry();
        strokes = downStrokes(telemetry);
        // A session's first seconds are its warm-up (tracker worker, ONNX sessions, sandbox
        // process and sound rendering all start at once on 2 cores): measure a loop after it.
        const warmedUp = (telemetry[0]?.t ?? 0) + WARMUP_MS;
        const candidate = loopWindow(
          strokes.filter((s) => s.t >= warmedUp),
          telemetry,
          FOUR_STROKES,
        );
        // Half a second more, so the last hit's sound has arrived.
        if (candidate && telemetry.at(-1)!.t >= candidate.end + 500) {
          window = candidate;
          break;
        }
        await delay(500);
      }
      const endStats = await page.stats();
      const endEngineWait = endStats ? await withEngineWait(endStats) : undefined;
      const handFrames = telemetry.filter((m) => m.hands.length > 0).length;
      assert.ok(
        window,
        `no full clip loop seen within ${COLLECT_TIMEOUT_MS} ms: ${telemetry.length} telemetry messages, ` +
          `${handFrames} with a hand, ${strokes.length} down-strokes, ${reportedHits(telemetry).length} hits`,
      );

      // Engine side: the strokes the landmarks show, and the hits the plugin played, in the window.
      const inWindow = (t: number) => t >= window.start && t < window.end;
      const loopStrokes = strokes.filter((s) => inWindow(s.t));
      const loopHits = reportedHits(telemetry).filter((h) => inWindow(h.t));
      assert.equal(
        loopStrokes.length,
        4,
        `down-strokes in the loop at t=${loopStrokes.map((s) => s.t.toFixed(0))}`,
      );
      const loopFrames = telemetry.filter((m) => inWindow(m.t));
      // The telemetry of a loop with missed or extra hits is kept, to replay through the plugin.
      const kept =
        loopHits.length === 4
          ? ''
          : `; telemetry kept in ${keepTelemetry('engine-e2e-hits', telemetry)}; engine: ${await engineAudioLine(engine)}`;
      assert.equal(
        loopHits.length,
        4,
        `engine hits in the loop at t=${loopHits.map((h) => h.t.toFixed(0))}; down-strokes at ` +
          `t=${loopStrokes.map((s) => s.t.toFixed(0))}; ${loopFrames.length} tracked frames in the 4 s loop ` +
          `(dropped so far: ${telemetry.at(-1)?.dropped})${kept}`,
      );
      const strokeHits = pairWithin(
        loopStrokes,
        loopHits,
        (s) => s.t,
        (h) => h.t,
        HIT_AFTER_STROKE_MS.lo,
        HIT_AFTER_STROKE_MS.hi,
      );
      for (const p of strokeHits) {
        assert.ok(
          p.b,
          `no hit within ${JSON.stringify(HIT_AFTER_STROKE_MS)} ms of the down-stroke at t=${p.a.t.toFixed(0)}`,
        );
      }

      // Page side: onsets in the received audio over the same loop (in wall-clock time).
      const toWall = frameTimeToWall(telemetry);
      const wallStart = toWall(window.start);
      const wallEnd = toWall(window.end);
      const recording = await page.recording(wallStart - 1000);
      const from = recording.indexAt(wallStart);
      const to = recording.indexAt(wallEnd);
      assert.ok(
        to - from > recording.sampleRate * 3.5,
        `recording covers only ${((to - from) / recording.sampleRate).toFixed(2)} s of the loop`,
      );
      // A sound cut by a dropout and resumed counts once (the dropout is concealment, judged
      // below with the machine's load); a hit played twice comes back loud and counts twice.
      const analysis = recordedOnsets(recording, wallStart, wallEnd);
      const onsets = analysis.onsets;
      const dropouts = analysis.dropouts.length
        ? analysis.dropouts
            .map((d) => `${(d.from - wallStart).toFixed(0)}–${(d.to - wallStart).toFixed(0)} ms`)
            .join(', ')
        : 'none';
      // The audio of a loop with missed or extra onsets is kept, to look at.
      const audioKept =
        onsets.length === 4
          ? ''
          : `; audio kept in ${keepFile('engine-e2e-loop', 'wav', encodeWav(recording.samples.subarray(from, to), recording.sampleRate, 1))}; ` +
            `hits sent at ${loopHits.map((h) => ((h.sentAt ?? Number.NaN) - wallStart).toFixed(0)).join(', ')} ms; engine: ${await engineAudioLine(engine)}`;
      assert.equal(
        onsets.length,
        4,
        `audio onsets in the loop: ${onsets.map((o) => (o.at - wallStart).toFixed(0)).join(', ')} ms; ` +
          `dropouts inside sounds: ${dropouts} (floor ${analysis.floorDb.toFixed(1)} dBFS, threshold ${analysis.thresholdDb.toFixed(1)})${audioKept}`,
      );
      for (const hit of loopHits)
        assert.ok(hit.sentAt !== undefined, 'telemetry reports when each hit was sent');
      const heard = pairWithin(
        loopHits,
        onsets,
        (h) => h.sentAt!,
        (o) => o.at,
        ONSET_AFTER_SEND_MS.lo,
        ONSET_AFTER_SEND_MS.hi,
      );
      for (const p of heard) {
        assert.ok(
          p.b,
          `hit at t=${p.a.t.toFixed(0)} (sent at ${p.a.sentAt?.toFixed(0)}, reported at ${p.a.reportedAt}) has no audio ` +
            `onset within ${JSON.stringify(ONSET_AFTER_SEND_MS)} ms; onsets at ${onsets.map((o) => o.at.toFixed(0)).join(', ')}`,
        );
      }

      // Continuity: over the whole run, the browser received ~48 000 samples per second, in
      // 20 ms packets (with those the engine skipped after its event loop stalled: its clock
      // sends at most 60 ms late, see AudioClock), with little concealment.
      const a0 = startStats?.audio;
      const a1 = endStats?.audio;
      assert.ok(a0 && a1, 'getStats has no inbound audio');
      const elapsedS = (endStats!.at - startStats!.at) / 1000;
      const samples = a1.totalSamplesReceived - a0.totalSamplesReceived;
      const packets = a1.packetsReceived - a0.packetsReceived;
      const rate = samples / elapsedS;
      assert.ok(
        Math.abs(rate - 48_000) / 48_000 < 0.05,
        `received ${rate.toFixed(0)} samples/s over ${elapsedS.toFixed(1)} s`,
      );
      // Skipped frames are excused only as far as the machine starved the engine (its main
      // thread waited for a CPU at least that long); a stall of its own making is a fault.
      const skipped =
        metricValue(parseMetrics(await engine.metrics()), 'bambam_audio_frames_skipped_total') -
        skippedAtStart;
      const engineWaitMs =
        endEngineWait?.engineRunDelayMs !== undefined && engineWaitAtStart !== undefined
          ? endEngineWait.engineRunDelayMs - engineWaitAtStart
          : 0;
      const excused = Math.min(skipped, Math.floor(engineWaitMs / 20));
      assert.ok(
        Math.abs((packets + excused) / elapsedS - 50) / 50 < 0.05,
        `received ${(packets / elapsedS).toFixed(1)} packets/s; the engine skipped ${skipped} frames after stalls ` +
          `while its main thread waited ${engineWaitMs.toFixed(0)} ms for a CPU (${excused} excused)`,
      );
      // Concealment over the steady state: from the first snapshot after the warm-up (when the
      // tracker, ONNX, the sandbox process and Chromium's jitter buffer all start at once on a
      // shared machine, a burst of concealment is expected and not a fault) to the end, judged
      // as a listener hears it (lib/concealment.ts): clean most of the time, no long gap, a
      // bounded total. Bursts of a busy machine pass; a broken stream does not.
      snapshots.push(endEngineWait!);
      const warmWall = toWall((telemetry[0]?.t ?? 0) + WARMUP_MS);
      const steady = snapshots.filter((snapshot) => snapshot.at >= warmWall);
      assert.ok(
        steady.length >= 2 && (steady.at(-1)!.at - steady[0]!.at) / 1000 >= 3,
        `only ${steady.length} snapshots in the steady state`,
      );
      const concealment = judgeConcealment(
        steady.map((snapshot) => ({
          ...snapshot.audio!,
          at: snapshot.at,
          ...(snapshot.engineRunDelayMs !== undefined ? { engineRunDelayMs: snapshot.engineRunDelayMs } : {}),
          ...(snapshot.engineSkippedFrames !== undefined
            ? { engineSkippedFrames: snapshot.engineSkippedFrames }
            : {}),
        })),
      );
      const silentConcealed = a1.silentConcealedSamples - steady[0]!.audio!.silentConcealedSamples;
      const steadySamples = a1.totalSamplesReceived - steady[0]!.audio!.totalSamplesReceived;
      const engineSide = await engineAudioLine(engine);
      const machine = `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} on ${availableParallelism()} cores`;
      assert.deepEqual(
        concealment.faults,
        [],
        `${concealment.summary} (${((100 * silentConcealed) / steadySamples).toFixed(2)}% over silence; whole run ` +
          `${((100 * (a1.concealedSamples - a0.concealedSamples)) / samples).toFixed(2)}%); ${machine}; engine: ${engineSide}`,
      );

      t.diagnostic(
        `loop t=[${window.start.toFixed(0)}, ${window.end.toFixed(0)}) ms; strokes→hits ms: ${strokeHits
          .map((p) => p.delta?.toFixed(0))
          .join(
            ', ',
          )}; reported→heard ms: ${heard.map((p) => p.delta?.toFixed(0)).join(', ')} (p50 ${percentile(
          heard.flatMap((p) => (p.delta === undefined ? [] : [p.delta])),
          50,
        ).toFixed(
          0,
        )}); dropouts inside sounds: ${dropouts}; audio ${rate.toFixed(0)} samples/s, ${packets} packets in ${elapsedS.toFixed(1)} s, ` +
          `after the warm-up ${concealment.summary}; ${machine}; engine: ${engineSide}`,
      );
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('answers malformed signaling with an error ack and keeps the session working', async (t) => {
    const page = ready(t);
    if (!page || !engine) return;
    try {
      type Ack = { ok: boolean; error?: { code: string; message: string } };
      const malformed: [string, unknown][] = [
        ['webrtc:offer', { sdp: 42 }],
        ['plugin:params', { values: 'loud' }],
        ['plugin:use', { name: '../../etc/passwd' }],
        ['plugin:load', { source: '', extra: true }],
      ];
      for (const [event, payload] of malformed) {
        const ack: Ack = await page.request<Ack>(event, payload, 10_000);
        assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)} was accepted`);
        assert.equal(ack.error?.code, 'bad-request', `${event}: ${JSON.stringify(ack)}`);
        assert.ok(ack.error?.message.length, `${event}: the error says nothing`);
      }

      // Still streaming: telemetry and audio keep coming.
      // Frames the engine's clock skipped after stalls (a machine starving it) are counted by the
      // engine and are no fault of the session; everything else must arrive.
      const skipped = async () =>
        metricValue(parseMetrics(await engine!.metrics()), 'bambam_audio_frames_skipped_total') ?? 0;
      const before = await page.stats();
      const skippedBefore = await skipped();
      const count = (await page.telemetry()).length;
      await page.waitForTelemetry(count + 15, 15_000);
      await delay(1000);
      const later = await page.stats();
      const skippedMeanwhile = (await skipped()) - skippedBefore;
      const packets = (later?.audio?.packetsReceived ?? 0) - (before?.audio?.packetsReceived ?? 0);
      const seconds = ((later?.at ?? 0) - (before?.at ?? 0)) / 1000;
      assert.ok(
        packets + skippedMeanwhile >= 40 * seconds,
        `only ${packets} audio packets in ${seconds.toFixed(1)} s after the bad messages (the engine skipped ${skippedMeanwhile} frames after stalls)`,
      );
      assert.deepEqual(
        (await page.errors()).filter((e) => e.startsWith('disconnect')),
        [],
        'the socket was disconnected',
      );
      assert.ok(engine.alive, 'the engine process died');
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
