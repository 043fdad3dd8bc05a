/**
 * Direct monitoring end to end, in real headless Chromium against a real engine and the built
 * studio: the fake camera plays the fixture clip (4 down-strokes per 4-second loop). Each hit
 * also travels on the hit channel (an RTCDataChannel beside the Opus track) and the page plays
 * it itself on a low-latency AudioContext while the stream's <audio> element is muted.
 *
 * What the page plays itself is recorded by tapping its AudioContext: an init script notes every
 * node connected to a context's destination, and the test tees those into the harness's
 * recorder worklet. The stream is recorded as in the play test (its own AudioContext fed from
 * the remote stream, which plays on whether the element is muted or not).
 *
 * Prints, per hit: engine frame arrival → heard on the page (direct) and how much earlier than
 * the stream it is heard.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { ChromiumSession } from './lib/chromium.ts';
import { decodeRecording, type Recording } from './lib/client.ts';
import { FOUR_STROKES } from './lib/fixtures.ts';
import { percentile } from './lib/hit-analysis.ts';
import { detectOnsets } from './lib/onsets.ts';
import {
  pageNow,
  startStudioRecorder,
  studioRecording,
  trackingSummary,
  waitForLive,
} from './lib/studio-page.ts';
import type { RunningStudio } from './lib/studio-server.ts';
import { StudioSuite } from './lib/studio-suite.ts';

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WORKLET = path.join(import.meta.dirname, 'lib', 'client', 'recorder-worklet.js');
const COLLECT_TIMEOUT_MS = 60_000;

/** Runs in every page before its scripts: remembers what connects to a destination, counts starts. */
function tapDestinations(): void {
  const w = window as Any;
  w.__toDestination = [] as AudioNode[];
  w.__bufferStarts = 0;
  const connect = AudioNode.prototype.connect as Any;
  AudioNode.prototype.connect = function (this: AudioNode, target: Any, ...rest: Any[]) {
    if (target instanceof AudioDestinationNode) w.__toDestination.push(this);
    return connect.call(this, target, ...rest);
  } as Any;
  const start = AudioBufferSourceNode.prototype.start;
  AudioBufferSourceNode.prototype.start = function (this: AudioBufferSourceNode, ...args: Any[]) {
    w.__bufferStarts++;
    return start.apply(this, args as Any);
  } as Any;
}

/** Tees the direct monitor's output (what its context sends to the speakers) into a recorder. */
async function startDirectRecorder(page: Page): Promise<void> {
  const worklet = await readFile(WORKLET, 'utf8');
  await page.waitForFunction(() => (window as Any).__bambamDirectMonitor?.context, undefined, {
    timeout: 20_000,
  });
  await page.evaluate(async (source) => {
    const w = window as Any;
    const context: AudioContext = w.__bambamDirectMonitor.context;
    const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
    await context.audioWorklet.addModule(url);
    const recorder = new AudioWorkletNode(context, 'bambam-recorder', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
    });
    const silent = context.createGain();
    silent.gain.value = 0;
    recorder.connect(silent).connect(context.destination);
    const outputs = w.__toDestination.filter((n: AudioNode) => n.context === context && n !== silent);
    for (const node of outputs) node.connect(recorder);
    const state = { chunks: [] as Any[], telemetry: [] as Any[], outputs: outputs.length };
    recorder.port.onmessage = (e: MessageEvent) => state.chunks.push(e.data);
    w.__bambamStudio.on('telemetry', (t: Any) => {
      if (t.hits.length > 0)
        state.telemetry.push({ t: t.t, hits: t.hits.length, receivedAt: t.receivedAt, at: Date.now() });
    });
    w.__directRecorder = { state, sampleRate: context.sampleRate };
  }, worklet);
}

/** The direct monitor's output since wall-clock `sinceMs`. */
async function directRecording(page: Page, sinceMs: number): Promise<Recording> {
  const raw = await page.evaluate((since) => {
    const { state, sampleRate } = (window as Any).__directRecorder;
    const chunks = state.chunks.filter((c: Any) => c.times[c.times.length - 1] >= since);
    const total = chunks.reduce((n: number, c: Any) => n + c.samples.length, 0);
    const pcm = new Int16Array(total);
    const blockTimes: number[] = [];
    let offset = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.samples.length; i++)
        pcm[offset + i] = Math.max(-32767, Math.min(32767, Math.round(c.samples[i] * 32767)));
      offset += c.samples.length;
      blockTimes.push(...c.times);
    }
    const bytes = new Uint8Array(pcm.buffer);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return {
      sampleRate,
      startFrame: chunks[0]?.startFrame ?? 0,
      blockSize: 128,
      pcm: btoa(binary),
      blockTimes,
    };
  }, sinceMs);
  return decodeRecording(raw);
}

/** Onset wall times in [from, to) of a recording. */
function onsetsBetween(recording: Recording, from: number, to: number): number[] {
  const a = recording.indexAt(from);
  const b = recording.indexAt(to);
  if (b - a < recording.sampleRate) return [];
  const analysis = detectOnsets(recording.samples.subarray(a, b), recording.sampleRate);
  return analysis.onsets.map((o) => recording.timeOf(a + o.sample));
}

/** For each hit frame, its first onset within 400 ms after the engine received the frame: onset − arrival, ms. */
function arrivalToOnset(hits: readonly Any[], onsets: readonly number[]): number[] {
  return hits
    .map((h) => onsets.find((o) => o >= h.receivedAt && o < h.receivedAt + 400))
    .map((o, i) => (o === undefined ? Number.NaN : o - hits[i].receivedAt))
    .filter(Number.isFinite);
}

/** Peak level in [from, to) of a recording. */
function peakBetween(recording: Recording, from: number, to: number): number {
  let peak = 0;
  for (let i = recording.indexAt(from); i < recording.indexAt(to); i++)
    peak = Math.max(peak, Math.abs(recording.samples[i]!));
  return peak;
}

interface MonitorView {
  enabled: boolean;
  active: boolean;
  reason: string;
  muted: boolean;
  checked: boolean;
  channelOpen: boolean;
  plays: number;
  starts: number;
  counts: Record<string, number>;
}

function monitorView(page: Page): Promise<MonitorView> {
  return page.evaluate(() => {
    const w = window as Any;
    const monitor = w.__bambamDirectMonitor;
    const element = document.querySelector('[data-testid="instrument-audio"]') as HTMLAudioElement;
    const toggle = document.querySelector('[data-testid="direct-monitoring-toggle"]') as HTMLInputElement;
    return {
      enabled: monitor.state.enabled,
      active: monitor.state.active,
      reason: monitor.state.reason,
      muted: element.muted,
      checked: toggle.checked,
      channelOpen: w.__bambamStudio.hitChannelOpen,
      plays: monitor.log.length,
      starts: w.__bufferStarts,
      counts: { ...monitor.counts },
    };
  });
}

async function waitForMonitor(page: Page, active: boolean, timeoutMs = 20_000): Promise<void> {
  try {
    await page.waitForFunction((a) => (window as Any).__bambamDirectMonitor?.state.active === a, active, {
      timeout: timeoutMs,
      polling: 100,
    });
  } catch {
    throw new Error(
      `direct monitoring did not become ${active ? 'active' : 'inactive'}: ${JSON.stringify(await monitorView(page))}`,
    );
  }
}

/** Waits for a full clip loop of hits (telemetry) after now; returns its wall-clock window. */
async function nextLoop(page: Page): Promise<{ start: number; end: number; hits: Any[] }> {
  const since = await pageNow(page);
  const deadline = Date.now() + COLLECT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const telemetry: Any[] = await page.evaluate(
      (s) => (window as Any).__directRecorder.state.telemetry.filter((h: Any) => h.at >= s),
      since,
    );
    const first = telemetry.find((h) => h.at >= since + FOUR_STROKES.periodMs / 2);
    if (first) {
      const start = first.at - FOUR_STROKES.periodMs / 2;
      const end = start + FOUR_STROKES.durationMs;
      // Wait for the last hit's sound to be over too.
      if ((await pageNow(page)) >= end + 1000) {
        return { start, end, hits: telemetry.filter((h) => h.at >= start && h.at < end) };
      }
    }
    await delay(500);
  }
  throw new Error(
    `no full loop of hits within ${COLLECT_TIMEOUT_MS} ms (${await trackingSummary(page, since)})`,
  );
}

describe('studio direct monitoring in Chromium (fixture clip: 4 down-strokes per loop)', {
  timeout: 300_000,
}, () => {
  const suite = new StudioSuite();
  let studio: RunningStudio | undefined;
  let chromium: ChromiumSession | undefined;
  let page: Page | undefined;

  before(() =>
    suite.setup(async () => {
      ({ studio, chromium, page } = await suite.open({
        path: '/play?autostart=1',
        beforePage: (browser) => browser.context.addInitScript(tapDestinations),
      }));
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);

  it('is on by default: the hit channel opens, the stream element is muted, every hit is played once by the page', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForLive(p);
      await waitForMonitor(p, true);
      const view = await monitorView(p);
      assert.equal(view.enabled, true);
      assert.equal(view.checked, true, 'the toggle should show it on');
      assert.equal(view.channelOpen, true);
      assert.equal(view.muted, true, 'the stream element must be muted while the page plays the hits');
      assert.equal(await p.locator('[data-testid="direct-monitoring"]').getAttribute('data-active'), 'true');

      await startStudioRecorder(p);
      await startDirectRecorder(p);
      // A loaded machine's tracker can miss a stroke (frames dropped): take the first of up to
      // three loops in which the engine reported all 4.
      const hitsOf = (l: { hits: Any[] }) => l.hits.reduce((n: number, h: Any) => n + h.hits, 0);
      const counts: number[] = [];
      let before = await monitorView(p);
      let loop = await nextLoop(p);
      counts.push(hitsOf(loop));
      while (hitsOf(loop) !== 4 && counts.length < 3) {
        before = await monitorView(p);
        loop = await nextLoop(p);
        counts.push(hitsOf(loop));
      }
      const after = await monitorView(p);
      const summary = await trackingSummary(p, loop.start);
      assert.equal(
        hitsOf(loop),
        4,
        `the engine reported ${counts.join(', ')} hits in successive loops (${summary})`,
      );

      const plays: Any[] = await p.evaluate(
        ({ from, to }) =>
          (window as Any).__bambamDirectMonitor.log.filter(
            (l: Any) => l.heardAtWall >= from - 200 && l.heardAtWall < to + 500,
          ),
        { from: loop.start, to: loop.end },
      );
      // Each hit of the loop played by the page exactly once (matched by frame time and index).
      const played = new Map<string, number>();
      for (const play of plays)
        played.set(`${play.frameT}:${play.index}`, (played.get(`${play.frameT}:${play.index}`) ?? 0) + 1);
      for (const hit of loop.hits) {
        for (let i = 0; i < hit.hits; i++) {
          assert.equal(
            played.get(`${hit.t}:${i}`),
            1,
            `hit ${hit.t}:${i} played ${played.get(`${hit.t}:${i}`) ?? 0} times by the page`,
          );
        }
      }
      assert.ok(
        after.starts - before.starts >= 4,
        `only ${after.starts - before.starts} buffer sources started`,
      );

      // And it is heard: 4 onsets in what the page's context sends to the speakers.
      const direct = await directRecording(p, loop.start - 1000);
      const directOnsets = onsetsBetween(direct, loop.start, loop.end);
      assert.equal(
        directOnsets.length,
        4,
        `${directOnsets.length} onsets in the page's own output (${summary}); plays heard at ${plays.map((l) => (l.heardAtWall - loop.start).toFixed(0)).join(', ')} ms`,
      );
      assert.ok(
        peakBetween(direct, loop.start, loop.end + 500) > 0.1,
        'the page played the hits too quietly',
      );

      // Figures: engine frame arrival → heard (direct), and the stream's onsets for the same hits.
      const stream = await studioRecording(p, loop.start - 1000);
      const streamOnsets = onsetsBetween(stream, loop.start, loop.end + 500);
      const arrivalToHeard = plays
        .map((l) => {
          const frame = loop.hits.find((h: Any) => h.t === l.frameT);
          return frame ? l.heardAtWall - frame.receivedAt : Number.NaN;
        })
        .filter(Number.isFinite);
      const earlier = directOnsets
        .map((d) => {
          const s = streamOnsets.find((x) => x >= d - 30 && x < d + 300);
          return s === undefined ? Number.NaN : s - d;
        })
        .filter(Number.isFinite);
      const outputLatency = await p.evaluate(() => {
        const c: AudioContext = (window as Any).__bambamDirectMonitor.context;
        return { base: c.baseLatency * 1000, output: c.outputLatency * 1000 };
      });
      const rendered = arrivalToOnset(loop.hits, directOnsets);
      t.diagnostic(
        `direct monitoring: engine frame arrival → rendered by the page's context (measured onsets) ` +
          `${rendered.map((v) => v.toFixed(0)).join(', ')} ms (p50 ${percentile(rendered, 50).toFixed(1)}), plus its output latency; ` +
          `engine frame arrival → heard p50 ${percentile(arrivalToHeard, 50).toFixed(1)} ms ` +
          `(${arrivalToHeard.map((v) => v.toFixed(0)).join(', ')}); engine lag (arrival → hit sent) ` +
          `${plays.map((l) => l.lagMs.toFixed(0)).join(', ')} ms; context base ${outputLatency.base.toFixed(1)} ms + output ` +
          `${outputLatency.output.toFixed(1)} ms; stream onsets later than direct by ${earlier.map((v) => v.toFixed(0)).join(', ')} ms ` +
          `(p50 ${percentile(earlier, 50).toFixed(1)}); plays via ${plays.map((l) => l.via).join(', ')}; ${summary}`,
      );
    });
  });

  it('off: the stream element is unmuted and the page plays nothing itself; the choice survives a reload', async (t) => {
    const p = ready(t);
    if (!p || !studio) return;
    await suite.guard(async () => {
      await p.locator('[data-testid="direct-monitoring-toggle"]').click();
      await waitForMonitor(p, false);
      let view = await monitorView(p);
      assert.equal(view.enabled, false);
      assert.equal(view.muted, false, 'the stream element must play when direct monitoring is off');
      const before = await monitorView(p);
      const loop = await nextLoop(p);
      const after = await monitorView(p);
      assert.ok(loop.hits.length > 0, 'no hits in the loop');
      assert.equal(after.plays, before.plays, 'the page played hits itself while off');
      assert.equal(after.starts, before.starts, 'buffer sources started while off');
      const direct = await directRecording(p, loop.start - 1000);
      assert.ok(
        peakBetween(direct, loop.start, loop.end) < 0.01,
        "the page's own output is not silent while off",
      );
      const stream = await studioRecording(p, loop.start - 1000);
      const streamOnsets = onsetsBetween(stream, loop.start, loop.end + 500);
      assert.ok(streamOnsets.length >= 3, `the stream carried ${streamOnsets.length} onsets in the loop`);
      const viaStream = arrivalToOnset(loop.hits, streamOnsets);
      t.diagnostic(
        `stream (direct monitoring off): engine frame arrival → rendered by a page context (measured onsets) ` +
          `${viaStream.map((v) => v.toFixed(0)).join(', ')} ms (p50 ${percentile(viaStream, 50).toFixed(1)})`,
      );

      await p.reload();
      await waitForLive(p);
      await p.waitForFunction(() => (window as Any).__bambamDirectMonitor, undefined, { timeout: 20_000 });
      await delay(1000);
      view = await monitorView(p);
      assert.equal(view.enabled, false, 'the choice was forgotten on reload');
      assert.equal(view.checked, false);
      assert.equal(view.muted, false);
      assert.equal(await p.evaluate(() => localStorage.getItem('bambam.directMonitoring')), '0');

      await p.locator('[data-testid="direct-monitoring-toggle"]').click();
      await waitForMonitor(p, true);
      view = await monitorView(p);
      assert.equal(view.muted, true);
      assert.equal(await p.evaluate(() => localStorage.getItem('bambam.directMonitoring')), '1');
    });
  });

  it('unmutes the stream when the hit channel closes', async (t) => {
    const p = ready(t);
    if (!p) return;
    await suite.guard(async () => {
      await waitForMonitor(p, true);
      await p.evaluate(() => (window as Any).__bambamStudio.hitChannel.close());
      await waitForMonitor(p, false);
      const view = await monitorView(p);
      assert.equal(view.reason, 'no-channel');
      assert.equal(view.muted, false, 'the stream element must play once the hit channel is gone');
      assert.equal(view.checked, true, 'the toggle stays on: the choice is the player’s');
    });
  });

  it('keeps the stream audible when the engine refuses the channel or none can be opened', async (t) => {
    const p = ready(t);
    if (!p || !studio || !chromium) return;
    await suite.guard(async () => {
      const cases = [
        // The engine closes a channel that is not its hit channel.
        {
          name: 'closed by the engine',
          script: () => {
            const create = RTCPeerConnection.prototype.createDataChannel;
            RTCPeerConnection.prototype.createDataChannel = function (
              this: RTCPeerConnection,
              _label: string,
              init?: RTCDataChannelInit,
            ) {
              const channel = create.call(this, 'not-the-hit-channel', init);
              (window as Any).__channelEvents = [];
              channel.addEventListener('open', () => (window as Any).__channelEvents.push('open'));
              channel.addEventListener('close', () => (window as Any).__channelEvents.push('close'));
              return channel;
            };
          },
        },
        // A browser without data channels.
        {
          name: 'never opened',
          script: () => {
            RTCPeerConnection.prototype.createDataChannel = () => {
              throw new DOMException('no data channels here', 'NotSupportedError');
            };
          },
        },
      ];
      for (const { name, script } of cases) {
        const other = await chromium!.newPage();
        await other.addInitScript(script);
        await other.goto(`${studio!.url}/play?autostart=1`, { timeout: 30_000 });
        await waitForLive(other);
        if (name === 'closed by the engine') {
          await other.waitForFunction(() => (window as Any).__channelEvents?.includes('close'), undefined, {
            timeout: 20_000,
          });
        } else await delay(2000);
        const view = await monitorView(other);
        assert.equal(view.active, false, `${name}: direct monitoring active without a hit channel`);
        assert.equal(view.reason, 'no-channel', `${name}: ${JSON.stringify(view)}`);
        assert.equal(view.muted, false, `${name}: the stream element is muted without a hit channel`);
        await other.close();
      }
    });
  });
});
