/**
 * A bad network (issue 18 item 5): the engine and a Chromium player run inside a network
 * namespace this test makes; its loopback UDP goes through a user-space netem (this kernel has
 * no sch_netem: see lib/netem/namespace.ts) that drops 5% of media packets and delays each by
 * 30 ± 30 ms, so packets arrive out of order. Over two clip loops after the warm-up: the
 * player's audio stays continuous (concealment printed), every stroke is still played and
 * heard, and the engine's video recovers from each loss (NACK or PLI) within 200 ms.
 *
 * Needs root, iproute2, iptables, python3 and libnetfilter-queue1, and a kernel with NFQUEUE;
 * skips naming what is missing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { chromiumPath } from './lib/chromium.ts';
import type { PageStats } from './lib/client.ts';
import { FOUR_STROKES, FOUR_STROKES_CLIP, fixturePath } from './lib/fixtures.ts';
import { pairWithin, percentile } from './lib/hit-analysis.ts';
import { DEFAULT_IMPAIRED_PLAY, IMPAIRED_PLAY, type ImpairedPlayResult } from './lib/netem/impaired-play.ts';
import { DEFAULT_IMPAIRMENT, type ImpairerReport, NetemNamespace } from './lib/netem/namespace.ts';
import { summarize, videoRecovery } from './lib/netem/video-recovery.ts';

/** The driver (engine + Chromium in the namespace) must be done within this. */
const PLAY_TIMEOUT_MS = 200_000;
/** A lost video frame is back at the engine within this (the figure): median, and p90 over the no-loss p90. */
const RECOVERY_MS = 200;
/**
 * A hit's onset follows its first audio packet's departure within this: the browser's jitter
 * buffer grows to absorb the 0–60 ms delays (Chromium's NetEq aims above the jitter).
 */
const ONSET_AFTER_SEND_MS = { lo: -40, hi: 450 };
/** Share of its audio frames the engine's clock may skip before a failure says the machine starved it. */
const STARVED_AUDIO_SKIPS = 0.05;
/** Share of the audio the browser may conceal over the measured loops (5% of packets are lost). */
const MAX_CONCEALED = 0.15;
/** Strokes the test lets a 5% loss take (a keyframe wait over a landing); see the hits check. */
const MAX_STROKES_LOST_TO_THE_NETWORK = 1;

describe('bad network: 5% loss, 30 ms jitter, reordering (netns + NFQUEUE)', { timeout: 300_000 }, () => {
  let skipReason: string | undefined;
  let setupError: Error | undefined;
  let result: ImpairedPlayResult | undefined;
  let report: ImpairerReport | undefined;
  let driverOutput = '';

  before(
    async () => {
      const clip = fixturePath(FOUR_STROKES_CLIP);
      if (!clip) skipReason = `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`;
      else if (!chromiumPath())
        skipReason = 'Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)';
      else skipReason = await NetemNamespace.missing();
      if (skipReason) return;
      let ns: NetemNamespace;
      try {
        ns = await NetemNamespace.create(DEFAULT_IMPAIRMENT);
      } catch (error) {
        // The tools are there but the kernel cannot queue packets to user space: nothing to fake.
        skipReason = `cannot impair the network here: ${(error as Error).message}`;
        return;
      }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'bambam-netem-'));
      const out = path.join(dir, 'result.json');
      try {
        const driver = ns.spawn(process.execPath, ['--no-node-snapshot', IMPAIRED_PLAY, out], {
          cwd: path.dirname(IMPAIRED_PLAY),
          stdio: ['ignore', 'pipe', 'pipe'],
          // Its own process group: a driver stuck past the timeout is killed with the engine it started.
          detached: true,
        });
        const keep = (chunk: Buffer) => {
          driverOutput = (driverOutput + chunk.toString()).slice(-8000);
        };
        driver.stdout?.on('data', keep);
        driver.stderr?.on('data', keep);
        const code = await new Promise<number | null>((resolve) => {
          const timer = setTimeout(() => {
            if (driver.pid) process.kill(-driver.pid, 'SIGKILL');
          }, PLAY_TIMEOUT_MS);
          driver.once('exit', (c) => {
            clearTimeout(timer);
            resolve(c);
          });
        });
        if (code !== 0)
          throw new Error(`the player inside the namespace exited with ${code}:\n${driverOutput}`);
        result = JSON.parse(await readFile(out, 'utf8')) as ImpairedPlayResult;
        if (result.error)
          throw new Error(
            `${result.error}\n--- engine output ---\n${result.engineOutput ?? ''}\n--- page ---\n${(result.pageLogs ?? []).join('\n')}`,
          );
      } catch (error) {
        setupError = error as Error;
      } finally {
        report = await ns.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    },
    { timeout: PLAY_TIMEOUT_MS + 60_000 },
  );

  after(() => {
    if (setupError && report?.stderr) process.stderr.write(`--- impairer stderr ---\n${report.stderr}\n`);
  });

  function measured(t: TestContext): { result: ImpairedPlayResult; report: ImpairerReport } | undefined {
    if (skipReason) {
      t.skip(skipReason);
      return undefined;
    }
    if (setupError) throw setupError;
    assert.ok(result && report, 'no result');
    return { result, report };
  }

  /** What the engine counted, for failure messages (a starved engine skips audio frames). */
  function engineCounters(r: ImpairedPlayResult): string {
    const wanted =
      /^bambam_(video_frames_(received|dropped)|keyframe_requests|audio_frames_(sent|skipped)|rtp_packets)/;
    const lines = r.metrics.split('\n').filter((l) => wanted.test(l));
    return `${lines.join('; ')}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.availableParallelism()} cores`;
  }

  /**
   * A note for failure messages when the engine was starved of CPU: its audio clock is local
   * (no network in it), so frames it skipped mean the machine, not the network, broke timing.
   */
  function starvation(r: ImpairedPlayResult): string {
    const sum = (name: string) =>
      r.metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .reduce((total, l) => total + Number(l.split(' ').at(-1)), 0);
    const skipped = sum('bambam_audio_frames_skipped_total');
    const share = skipped / Math.max(1, skipped + sum('bambam_audio_frames_sent_total'));
    return share > STARVED_AUDIO_SKIPS
      ? ` — the engine was starved of CPU: its audio clock skipped ${(100 * share).toFixed(0)}% of its frames ` +
          `(load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores), so these timings are the machine's, not the network's`
      : '';
  }

  /** The getStats snapshots that bracket the measured loops. */
  function windowStats(r: ImpairedPlayResult): { first: PageStats; last: PageStats; inside: PageStats[] } {
    assert.ok(r.wallWindow, 'no measured window');
    const { start, end } = r.wallWindow;
    const first = [...r.snapshots].reverse().find((s) => s.at <= start) ?? r.snapshots[0]!;
    const last = r.snapshots.find((s) => s.at >= end) ?? r.snapshots.at(-1)!;
    return { first, last, inside: r.snapshots.filter((s) => s.at >= first.at && s.at <= last.at) };
  }

  it('the impairer dropped ~5% of media packets, delayed them by ~30 ms and reordered them', (t) => {
    const m = measured(t);
    if (!m) return;
    const s = m.report.summary;
    assert.ok(s, `the impairer printed no summary: ${m.report.stderr}`);
    const lossShare = s.dropped / s.media;
    t.diagnostic(
      `impairer: ${s.seen} UDP packets, ${s.media} media, ${s.dropped} dropped (${(100 * lossShare).toFixed(1)}%), ` +
        `${s.delayed} delayed (mean ${s.meanDelayMs.toFixed(1)} ms), ${s.reordered} overtaken, ${s.other} STUN/DTLS passed, ` +
        `at most ${s.maxHeld} held, ${s.overruns ?? 0} queue overruns`,
    );
    assert.ok(s.media > 1000, `only ${s.media} media packets went through the queue`);
    assert.ok(lossShare > 0.03 && lossShare < 0.07, `dropped ${(100 * lossShare).toFixed(1)}% of media`);
    assert.ok(Math.abs(s.meanDelayMs - DEFAULT_IMPAIRMENT.delayMs) < 5, `mean delay ${s.meanDelayMs} ms`);
    assert.ok(s.reordered > s.media / 20, `only ${s.reordered} packets overtaken`);
  });

  it('keeps the audio continuous and plays and sounds every stroke', (t) => {
    const m = measured(t);
    if (!m) return;
    const r = m.result;
    const starved = starvation(r);
    assert.ok(
      r.window,
      `no ${DEFAULT_IMPAIRED_PLAY.loops} full clip loops seen: ${r.frames.length} tracked frames; engine: ${engineCounters(r)}${starved}`,
    );
    const { first, last, inside } = windowStats(r);
    const a0 = first.audio!;
    const a1 = last.audio!;
    const seconds = (last.at - first.at) / 1000;
    const samples = a1.totalSamplesReceived - a0.totalSamplesReceived;
    const packets = a1.packetsReceived - a0.packetsReceived;
    const concealed = a1.concealedSamples - a0.concealedSamples;
    const events = a1.concealmentEvents - a0.concealmentEvents;
    const worst = Math.max(
      ...inside.slice(1).map((s, i) => {
        const before = inside[i]!.audio!;
        const got = s.audio!.totalSamplesReceived - before.totalSamplesReceived;
        return got ? (s.audio!.concealedSamples - before.concealedSamples) / got : 0;
      }),
    );
    const jitterBufferMs = (a: NonNullable<PageStats['audio']>, b: NonNullable<PageStats['audio']>) =>
      (1000 * (b.jitterBufferDelay - a.jitterBufferDelay)) /
      Math.max(1, b.jitterBufferEmittedCount - a.jitterBufferEmittedCount);
    t.diagnostic(
      `audio over ${seconds.toFixed(1)} s: ${(samples / seconds).toFixed(0)} samples/s, ${(packets / seconds).toFixed(1)} packets/s, ` +
        `concealed ${((100 * concealed) / samples).toFixed(2)}% in ${events} events (mean ${events ? ((1000 * concealed) / events / 48_000).toFixed(0) : 0} ms), ` +
        `worst ${DEFAULT_IMPAIRED_PLAY.snapshotEveryMs} ms: ${(100 * worst).toFixed(0)}%, ` +
        `jitter buffer ${jitterBufferMs(a0, a1).toFixed(0)} ms, lost ${a1.packetsLost - a0.packetsLost} packets`,
    );
    assert.ok(
      seconds >= DEFAULT_IMPAIRED_PLAY.loops * 3.5,
      `only ${seconds.toFixed(1)} s measured${starved}`,
    );
    assert.ok(
      Math.abs(samples / seconds - 48_000) / 48_000 < 0.05,
      `${(samples / seconds).toFixed(0)} samples/s${starved}`,
    );
    assert.ok(packets / seconds > 40, `${(packets / seconds).toFixed(1)} audio packets/s arrived${starved}`);
    assert.ok(
      concealed / samples < MAX_CONCEALED,
      `concealed ${((100 * concealed) / samples).toFixed(1)}%${starved}`,
    );

    const expected = (DEFAULT_IMPAIRED_PLAY.loops * FOUR_STROKES.durationMs) / FOUR_STROKES.periodMs;
    // At 5% loss a lost packet that its retransmission does not repair costs a keyframe wait
    // (frames dropped until it comes); a stroke landing in it goes unseen, by the tracker and so
    // in the telemetry this test reads its truth from. One in the run is the network's doing;
    // more, or any extra hit, is a fault.
    assert.ok(
      r.strokes.length >= expected - MAX_STROKES_LOST_TO_THE_NETWORK && r.strokes.length <= expected,
      `${r.strokes.length} of ${expected} down-strokes seen in the loops, at t=${r.strokes.map((s) => s.toFixed(0))}${starved}`,
    );
    assert.ok(
      r.hits.length >= expected - MAX_STROKES_LOST_TO_THE_NETWORK && r.hits.length <= expected,
      `${r.hits.length} of ${expected} hits: hits at t=${r.hits.map((h) => h.t.toFixed(0))}; strokes at ${r.strokes.map((s) => s.toFixed(0))}${starved}`,
    );
    const heard = pairWithin(
      r.hits.filter((h) => h.sentAt !== undefined),
      r.onsets,
      (h) => h.sentAt!,
      (o) => o,
      ONSET_AFTER_SEND_MS.lo,
      ONSET_AFTER_SEND_MS.hi,
    );
    const deltas = heard.flatMap((p) => (p.delta === undefined ? [] : [p.delta]));
    t.diagnostic(
      `strokes ${r.strokes.length}, hits ${r.hits.length}, onsets ${r.onsets.length}; sent→heard ms ${deltas.map((d) => d.toFixed(0)).join(', ')} (p50 ${percentile(deltas, 50).toFixed(0)})`,
    );
    assert.equal(heard.length, r.hits.length, 'a hit without its send time');
    for (const p of heard)
      assert.ok(
        p.b !== undefined,
        `the hit at t=${p.a.t.toFixed(0)} (sent ${p.a.sentAt?.toFixed(0)}) was not heard within ${JSON.stringify(ONSET_AFTER_SEND_MS)} ms; ` +
          `onsets at ${r.onsets.map((o) => o.toFixed(0)).join(', ')}${starved}`,
      );
  });

  it(`recovers video from loss through NACK and PLI within ${RECOVERY_MS} ms`, (t) => {
    const m = measured(t);
    if (!m) return;
    const r = m.result;
    const starved = starvation(r);
    assert.ok(r.wallWindow, `no measured window; engine: ${engineCounters(r)}${starved}`);
    const { first, last } = windowStats(r);
    const v0 = first.video!;
    const v1 = last.video!;
    // Loss over the whole session (more losses, same mechanism), from the first tracked frame on.
    const span = { start: r.snapshots[0]?.at ?? 0, end: r.wallWindow.end };
    const recovery = videoRecovery(m.report.drops, r.frames, r.sent, span);
    const metric = (name: string) =>
      r.metrics
        .split('\n')
        .filter((l) => l.startsWith(name))
        .map((l) => `${l.slice(name.length)}`.trim())
        .join(' ');
    t.diagnostic(
      `video: ${recovery.droppedPackets} packets dropped in ${recovery.lostFrames} frames; loss → next tracked frame ${summarize(recovery.recoveryMs)}; ` +
        `every frame → next tracked frame ${summarize(recovery.baselineMs)}; Chromium over the loops: NACKs ${v1.nackCount - v0.nackCount}, ` +
        `PLIs ${v1.pliCount - v0.pliCount}, keyframes ${v1.keyFramesEncoded - v0.keyFramesEncoded}, ${v1.framesPerSecond ?? '?'} fps; ` +
        `engine: keyframe requests ${metric('bambam_keyframe_requests_total')}, frames dropped ${metric('bambam_video_frames_dropped_total')}`,
    );
    assert.ok(recovery.lostFrames >= 5, `only ${recovery.lostFrames} video frames lost a packet`);
    assert.ok(v1.nackCount > v0.nackCount || v1.pliCount > v0.pliCount, 'Chromium got no NACK and no PLI');
    assert.ok(
      recovery.recoveryMs.length >= recovery.lostFrames * 0.8,
      `only ${recovery.recoveryMs.length} of ${recovery.lostFrames} lost frames were followed by a tracked frame${starved}`,
    );
    // The measure ends at a *tracked* frame, and the tracker takes the latest frame while busy:
    // its tail is the tracker's, loss or not. So: the typical lost frame is back within the
    // bound, and the tail of lost frames exceeds the tail of all frames by less than the bound.
    const p50 = percentile(recovery.recoveryMs, 50);
    const tail = percentile(recovery.recoveryMs, 90) - percentile(recovery.baselineMs, 90);
    const figures = `${summarize(recovery.recoveryMs)}; without loss: ${summarize(recovery.baselineMs)}${starved}`;
    assert.ok(
      p50 <= RECOVERY_MS,
      `half the lost frames were back only after ${p50.toFixed(0)} ms (bound ${RECOVERY_MS}): ${figures}`,
    );
    assert.ok(
      tail <= RECOVERY_MS,
      `p90 of lost frames exceeds p90 of all frames by ${tail.toFixed(0)} ms (bound ${RECOVERY_MS}): ${figures}`,
    );
  });
});
