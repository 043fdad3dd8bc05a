/**
 * `npm run bench -w @bambam/e2e` (last part): several engines behind HAProxy on this box.
 *
 * 1. Signaling through the proxy against direct, interleaved: socket.io connect → `session:ready`
 *    and the round trip of an acked message (`session:latency`), median and p90.
 * 2. Players held: n players (werift peers streaming the fixture clip) on 1 engine direct, then
 *    on 2 engines behind HAProxy; a step holds when the engines track ≥ 90% of the frames with
 *    a p99 under 33 ms and every player hears ≥ 3.8 of the clip's 4 strokes per loop. On one box
 *    the two engines share its cores: the figure says what the proxy and a second process cost,
 *    not what a second machine adds.
 *
 * Env: BENCH_MULTI_ROUNDS (signaling rounds per path, default 30), BENCH_MULTI_MAX (players,
 * default 6), BENCH_LOAD_SECONDS (per step, default 8). CPU steal is printed with every figure.
 */
import os from 'node:os';
import { ClientEvent, ServerEvent } from '@bambam/protocol';
import { io } from 'socket.io-client';
import { cpuTimes, stealPercent } from '../lib/cpu-steal.ts';
import { type RunningEngine, startEngine } from '../lib/engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from '../lib/fixtures.ts';
import { haproxyMissing, type RunningHaproxy, startHaproxy } from '../lib/haproxy.ts';
import { percentile } from '../lib/hit-analysis.ts';
import { LoadPeer } from '../lib/loadgen/load-peer.ts';
import { type EncodedClip, encodeClipVp8 } from '../lib/loadgen/vp8-clip.ts';

const ROUNDS = Number(process.env.BENCH_MULTI_ROUNDS ?? 30);
const MAX_PLAYERS = Number(process.env.BENCH_MULTI_MAX ?? 6);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 8);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** One signaling round on `url`: ms to session:ready, and the median of 5 acked round trips. */
async function signalingRound(url: string): Promise<{ readyMs: number; ackMs: number }> {
  const started = performance.now();
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once(ServerEvent.Ready, () => resolve());
      socket.once(ServerEvent.Error, (error: { message: string }) => reject(new Error(error.message)));
      socket.once('connect_error', reject);
    });
    const readyMs = performance.now() - started;
    const acks: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sent = performance.now();
      await socket.timeout(10_000).emitWithAck(ClientEvent.SetLatency, { compensationMs: i });
      acks.push(performance.now() - sent);
    }
    return { readyMs, ackMs: percentile(acks, 50) };
  } finally {
    socket.disconnect();
  }
}

async function signaling(direct: string, proxied: string): Promise<void> {
  console.log(
    `\n== 1. Signaling: direct vs through HAProxy, ${ROUNDS} rounds each, interleaved (load ${load()}) ==`,
  );
  const results = {
    direct: [] as { readyMs: number; ackMs: number }[],
    proxy: [] as { readyMs: number; ackMs: number }[],
  };
  const cpu0 = cpuTimes();
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always meets a warmer machine.
    const order = i % 2 === 0 ? (['direct', 'proxy'] as const) : (['proxy', 'direct'] as const);
    for (const path of order) results[path].push(await signalingRound(path === 'direct' ? direct : proxied));
  }
  const steal = stealPercent(cpu0, cpuTimes());
  for (const path of ['direct', 'proxy'] as const) {
    const ready = results[path].map((r) => r.readyMs);
    const ack = results[path].map((r) => r.ackMs);
    console.log(
      `${path.padEnd(6)}  connect→ready p50 ${fmt(percentile(ready, 50))} p90 ${fmt(percentile(ready, 90))} ms   ` +
        `ack round trip p50 ${fmt(percentile(ack, 50), 2)} p90 ${fmt(percentile(ack, 90), 2)} ms`,
    );
  }
  const added =
    percentile(
      results.proxy.map((r) => r.ackMs),
      50,
    ) -
    percentile(
      results.direct.map((r) => r.ackMs),
      50,
    );
  console.log(
    `HAProxy adds ${fmt(added, 2)} ms to a signaling round trip (median); CPU steal ${fmt(steal)}%`,
  );
}

interface Step {
  readonly players: number;
  readonly held: boolean;
  readonly p99: number;
  readonly trackedShare: number;
  readonly minStrokesPerLoop: number;
  readonly steal: number;
}

async function playersStep(url: string, clip: EncodedClip, n: number): Promise<Step> {
  const peers: LoadPeer[] = [];
  try {
    for (let i = 0; i < n; i++)
      peers.push(await LoadPeer.connect({ engineUrl: url, clip, timeoutMs: 30_000 }));
    await delay(3000);
    const marks = peers.map((p) => ({ telemetry: p.telemetry.length, sent: p.framesSent }));
    const cpu0 = cpuTimes();
    const start = Date.now();
    await delay(LOAD_SECONDS * 1000);
    const seconds = (Date.now() - start) / 1000;
    const steal = stealPercent(cpu0, cpuTimes());
    const perPeer = peers.map((p, i) => p.telemetry.slice(marks[i]!.telemetry));
    const totals = perPeer.flat().map((m) => m.timings.total);
    const sent = peers.reduce((sum, p, i) => sum + p.framesSent - marks[i]!.sent, 0);
    const trackedShare = perPeer.flat().length / Math.max(1, sent);
    const strokes = perPeer.map(
      (telemetry) => telemetry.reduce((sum, m) => sum + m.hits.length, 0) / (seconds / 4),
    );
    const p99 = percentile(totals, 99);
    const minStrokesPerLoop = Math.min(...strokes);
    return {
      players: n,
      held: p99 <= 33 && trackedShare >= 0.9 && minStrokesPerLoop >= 3.8,
      p99,
      trackedShare,
      minStrokesPerLoop,
      steal,
    };
  } finally {
    await Promise.all(peers.map((p) => p.dispose()));
  }
}

async function players(label: string, url: string, clip: EncodedClip): Promise<number> {
  let held = 0;
  for (let n = 1; n <= MAX_PLAYERS; n++) {
    const step = await playersStep(url, clip, n);
    console.log(
      `${label}  ${n} players: ${step.held ? 'holds' : 'does not hold'}  frame p99 ${fmt(step.p99)} ms, ` +
        `tracked ${fmt(100 * step.trackedShare, 0)}%, fewest strokes/loop ${fmt(step.minStrokesPerLoop, 2)}, steal ${fmt(step.steal)}%, load ${load()}`,
    );
    if (!step.held) break;
    held = n;
  }
  return held;
}

const missing = haproxyMissing();
const clipPath = fixturePath(FOUR_STROKES_CLIP);
if (missing || !clipPath) {
  console.log(
    `bench multi-engine: skipped: ${missing ?? `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`}`,
  );
} else {
  const engines: RunningEngine[] = [];
  let proxy: RunningHaproxy | undefined;
  try {
    // Capacity checks off: this bench finds where quality ends, not where admission says stop.
    const env = { BAMBAM_MAX_SESSIONS: String(MAX_PLAYERS + 2) };
    engines.push(await startEngine({ env }), await startEngine({ env }));
    proxy = await startHaproxy({ servers: engines.map((e) => e.url) });
    await proxy.waitForUp(2);
    console.log(
      `bench multi-engine: ${os.availableParallelism()} cores, engines ${engines.map((e) => e.url).join(', ')}, HAProxy ${proxy.url}`,
    );
    await signaling(engines[0]!.url, proxy.url);
    const clip = await encodeClipVp8(clipPath);
    console.log(
      `\n== 2. Players held at 30 fps: 1 engine direct, then 2 engines behind HAProxy (same box) ==`,
    );
    const one = await players('1 engine ', engines[0]!.url, clip);
    const two = await players('2 engines', proxy.url, clip);
    console.log(
      `players held: 1 engine ${one}, 2 engines behind HAProxy ${two} (on one ${os.availableParallelism()}-core box)`,
    );
  } finally {
    await proxy?.dispose();
    await Promise.all(engines.map((e) => e.dispose()));
  }
}
