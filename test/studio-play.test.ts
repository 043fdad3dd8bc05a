/**
 * The studio's play view end to end, in real headless Chromium against a real engine and the
 * built studio (`next start`): the fake camera plays the fixture clip (a hand moving down 4
 * times per 4-second loop). `/play?autostart=1` connects by itself, the overlay draws the
 * skeleton where the landmarks are, and the audio the page receives has 4 hits per loop.
 * Screenshot: test/test-results/studio-play.png.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './lib/chromium.ts';
import { FOUR_STROKES } from './lib/fixtures.ts';
import { detectOnsets } from './lib/onsets.ts';
import {
  connectionIdentity,
  overlayCoverage,
  pageNow,
  startStudioRecorder,
  studioHits,
  studioRecording,
  trackingSummary,
  waitForHands,
  waitForLive,
} from './lib/studio-page.ts';
import { startTcpProxy, type TcpProxy } from './lib/studio-proxy.ts';
import type { RunningStudio } from './lib/studio-server.ts';
import { StudioSuite } from './lib/studio-suite.ts';

const RESULTS = path.join(import.meta.dirname, 'test-results');
const COLLECT_TIMEOUT_MS = 60_000;

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('studio play view in Chromium (fixture clip: 4 down-strokes per loop)', { timeout: 240_000 }, () => {
  const suite = new StudioSuite();
  let studio: RunningStudio | undefined;
  let proxy: TcpProxy | undefined;
  let chromium: ChromiumSession | undefined;
  let page: Page | undefined;

  before(() =>
    suite.setup(async () => {
      ({ studio, chromium, page } = await suite.open({
        path: '/play?autostart=1',
        // The studio reaches the engine through a proxy the last test cuts to simulate an outage.
        engineUrl: async (engine) => {
          proxy = await startTcpProxy({ port: engine.port });
          suite.onTeardown(() => proxy?.dispose());
          return proxy.url;
        },
      }));
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);

  it('/play?autostart=1 connects without a click and shows the connection as live', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForLive(p);
      const identity = await connectionIdentity(p);
      assert.ok(identity.socketId, 'no socket id');
      assert.ok(identity.sessionId, 'no session id');
      assert.equal(identity.peerState, 'connected');
      const badge = p.locator('[data-testid="connection-state"]');
      assert.equal(await badge.getAttribute('data-media'), 'live');
      assert.match((await badge.textContent()) ?? '', /Live/);
      assert.match((await p.locator('[data-testid="plugin-name"]').textContent()) ?? '', /bam-drum/);
      // The instrument's audio plays in the page's <audio> element, with a small jitter buffer asked for.
      const audio = await p.evaluate(() => {
        const el = document.querySelector('[data-testid="instrument-audio"]') as HTMLAudioElement;
        const stream = el.srcObject as MediaStream | null;
        const pc = (window as Any).__bambamStudio.peerConnection as RTCPeerConnection;
        const receiver = pc.getReceivers().find((r) => r.track.kind === 'audio') as Any;
        return {
          tracks: stream?.getAudioTracks().length ?? 0,
          paused: el.paused,
          jitterBufferTarget: receiver?.jitterBufferTarget ?? null,
        };
      });
      assert.equal(audio.tracks, 1, 'the <audio> element has no instrument track');
      assert.equal(audio.paused, false, 'the <audio> element is not playing');
      assert.ok(
        audio.jitterBufferTarget !== null && audio.jitterBufferTarget <= 20,
        `jitterBufferTarget is ${audio.jitterBufferTarget}`,
      );
      // bam-drum's params became controls.
      assert.ok((await p.locator('.params .param').count()) >= 1, 'no param controls');
    });
  });

  it('draws the tracked hand skeleton over the preview, where the landmarks are', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForHands(p);
      // The overlay draws on the next display frame: sample until it shows the latest telemetry.
      let best = { landmarks: 0, inked: 0, inkedPixels: 0, hands: 0, inSync: false };
      for (
        let i = 0;
        i < 40 && !(best.inSync && best.inked >= best.landmarks * 0.9 && best.landmarks > 0);
        i++
      ) {
        const coverage = await overlayCoverage(p);
        if (coverage.inSync && coverage.hands > 0 && coverage.inked >= best.inked) best = coverage;
        await delay(100);
      }
      assert.ok(best.hands > 0, 'telemetry never reported a hand while the overlay was in sync');
      assert.ok(best.inkedPixels > 500, `the overlay has only ${best.inkedPixels} drawn pixels`);
      assert.ok(
        best.inked >= best.landmarks * 0.9,
        `only ${best.inked} of ${best.landmarks} landmarks have the skeleton drawn under them`,
      );
      await mkdir(RESULTS, { recursive: true });
      await p.screenshot({ path: path.join(RESULTS, 'studio-play.png') });
      t.diagnostic(`${best.inked}/${best.landmarks} landmarks inked, ${best.inkedPixels} overlay pixels`);
    });
  });

  it('plays 4 hits per 4-second clip loop in the received audio', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await startStudioRecorder(p);
      const since = await pageNow(p);
      // Wait for a hit at least half a period in, then a full loop after the half period before it.
      let window: { start: number; end: number } | undefined;
      const deadline = Date.now() + COLLECT_TIMEOUT_MS;
      let hits: { at: number; sounds: string[] }[] = [];
      while (Date.now() < deadline) {
        hits = await studioHits(p, since);
        const first = hits.find((h) => h.at >= since + FOUR_STROKES.periodMs / 2);
        const now = await pageNow(p);
        if (first) {
          const start = first.at - FOUR_STROKES.periodMs / 2;
          const end = start + FOUR_STROKES.durationMs;
          if (now >= end + 500) {
            window = { start, end };
            break;
          }
        }
        await delay(500);
      }
      assert.ok(
        window,
        `no full loop of hits within ${COLLECT_TIMEOUT_MS} ms: ${hits.length} hits reported (${await trackingSummary(p, since)})`,
      );
      const loopHits = hits.filter((h) => h.at >= window.start && h.at < window.end);
      const tracking = await trackingSummary(p, window.start);
      assert.equal(
        loopHits.length,
        4,
        `the engine reported ${loopHits.length} hits in one loop (${tracking}); all hits at ${hits
          .map((h) => ((h.at - since) / 1000).toFixed(2))
          .join(', ')} s`,
      );

      const recording = await studioRecording(p, window.start - 1000);
      const from = recording.indexAt(window.start);
      const to = recording.indexAt(window.end);
      assert.ok(
        to - from > recording.sampleRate * 3.5,
        `recorded only ${((to - from) / 48_000).toFixed(2)} s`,
      );
      // Analysed from a second earlier: the ringing tail of the hit before the window (the stream
      // sounds a scheduled hit well after its telemetry) must not read as an onset at its start.
      const preroll = recording.indexAt(window.start - 1000);
      const analysis = detectOnsets(recording.samples.subarray(preroll, to), recording.sampleRate);
      const onsets = analysis.onsets
        .map((o) => recording.timeOf(preroll + o.sample) - window.start)
        .filter((o) => o >= 0);
      assert.equal(
        onsets.length,
        4,
        `audio onsets at ${onsets.map((o) => o.toFixed(0)).join(', ')} ms into the loop ` +
          `(floor ${analysis.floorDb.toFixed(1)} dBFS, threshold ${analysis.thresholdDb.toFixed(1)})`,
      );
      t.diagnostic(
        `hits reported at ${loopHits.map((h) => (h.at - window.start).toFixed(0)).join(', ')} ms, ` +
          `heard at ${onsets.map((o) => o.toFixed(0)).join(', ')} ms into the loop; ${tracking}`,
      );
    });
  });

  it('auditions a sound in the browser with Tone.js, matching what the engine renders', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      const row = p.locator('[data-sound="bam"]');
      await row.locator('button').click();
      await row.locator('.waveform').waitFor({ timeout: 20_000 });
      const sound = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.plugin.sounds.bam);
      const browser: number[] = await p.evaluate(
        async (s) =>
          Array.from((await (window as Any).__bambamAudition.render(s)).channels[0] as Float32Array),
        sound,
      );
      const { renderSound } = await import('@bambam/runtime');
      const engine = await renderSound('bam', sound, { thread: 'here' });
      const n = Math.min(browser.length, engine.left.length);
      assert.ok(
        n > 48_000 * 0.2,
        `renders too short: browser ${browser.length}, engine ${engine.left.length} samples`,
      );
      let dot = 0;
      let eb = 0;
      let ee = 0;
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        const a = browser[i]!;
        const b = engine.left[i]!;
        dot += a * b;
        eb += a * a;
        ee += b * b;
        maxDiff = Math.max(maxDiff, Math.abs(a - b));
      }
      const correlation = dot / Math.sqrt(eb * ee);
      assert.ok(
        correlation > 0.99,
        `browser and engine renders differ: correlation ${correlation.toFixed(4)}`,
      );
      t.diagnostic(
        `bam: ${n} samples compared, correlation ${correlation.toFixed(5)}, max difference ${maxDiff.toFixed(4)}; ` +
          `lengths browser ${browser.length}, engine ${engine.left.length}`,
      );
    });
  });

  it('tells the player what to do when the camera is denied or missing', async (t) => {
    const p = ready(t);
    if (!p || !studio || !chromium) return;
    await suite.guard(async () => {
      // The fake-UI flag grants the camera, so the browser's refusal is reproduced with the
      // errors getUserMedia throws in those cases.
      for (const [name, kind, advice] of [
        ['NotAllowedError', 'camera-denied', /Allow the camera/],
        ['NotFoundError', 'camera-missing', /Connect a webcam/],
      ] as const) {
        const other = await chromium!.newPage();
        await other.addInitScript((errorName) => {
          navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', errorName));
        }, name);
        await other.goto(`${studio!.url}/play?autostart=1`, { timeout: 30_000 });
        const banner = other.locator(`[data-testid="problem"][data-kind="${kind}"]`);
        await banner.waitFor({ timeout: 20_000 });
        assert.match((await banner.textContent()) ?? '', advice);
        assert.equal(await other.locator('[data-testid="start-stop"]').textContent(), '▶ Start');
        if (kind === 'camera-denied')
          await other.screenshot({ path: path.join(RESULTS, 'studio-play-camera-denied.png') });
        await other.close();
      }
    });
  });

  it('says so when the engine is unreachable or the connection drops, and reconnects by itself', async (t) => {
    const p = ready(t);
    if (!p || !proxy || !studio || !chromium) return;
    await suite.guard(async () => {
      await waitForLive(p);
      const before = await connectionIdentity(p);
      await proxy!.pause();
      const problem = p.locator('[data-testid="problem"]');
      await p.waitForSelector('[data-testid="problem"][data-kind="connection-lost"]', { timeout: 20_000 });
      assert.match((await problem.textContent()) ?? '', /Reconnecting/);
      await p.screenshot({ path: path.join(RESULTS, 'studio-play-connection-lost.png') });

      // A page opened while the engine is away says it can't reach it, and how to fix that.
      const other = await chromium!.newPage();
      await other.goto(`${studio!.url}/play`, { timeout: 30_000 });
      await other.waitForSelector('[data-testid="problem"][data-kind="engine-unreachable"]', {
        timeout: 20_000,
      });
      const text = (await other.locator('[data-testid="problem"]').textContent()) ?? '';
      assert.match(text, /npm start/, `the message should say how to start the engine: ${text}`);
      await other.screenshot({ path: path.join(RESULTS, 'studio-play-engine-unreachable.png') });
      await other.close();

      await proxy!.resume();
      await waitForLive(p, 45_000);
      await waitForHands(p);
      const after = await connectionIdentity(p);
      assert.notEqual(after.sessionId, before.sessionId, 'a new engine session after reconnecting');
      assert.equal(after.peerState, 'connected');
      assert.equal(
        await p.locator('[data-testid="problem"]').count(),
        0,
        'the problem banner should be gone',
      );
    });
  });
});
