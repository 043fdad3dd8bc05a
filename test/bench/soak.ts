/**
 * Soak (issue 18): players join and leave a real engine for a long while; what the engine holds
 * must come back to its baseline each time everyone has left. Every idle point (all players
 * gone) samples the engine's RSS (/proc), its active handles (/metrics), its child processes
 * (sandbox pool) and tracker workers, and its sessions; the end prints the slopes after warm-up
 * (RSS in MB per 10 minutes) and what did not return to baseline.
 *
 * `node --no-node-snapshot bench/soak.ts` — SOAK_MINUTES (default 30; 3 for a short run),
 * SOAK_MAX_PLAYERS (at once, default 3), SOAK_SEED.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuTimes, stealPercent } from '../lib/cpu-steal.ts';
import { startEngine } from '../lib/engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from '../lib/fixtures.ts';
import { LoadPeer } from '../lib/loadgen/load-peer.ts';
import { encodeClipVp8 } from '../lib/loadgen/vp8-clip.ts';
import { metricValue, parseMetrics } from '../lib/prometheus.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const MAX_PLAYERS = Number(process.env.SOAK_MAX_PLAYERS ?? 3);
let seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A small seeded generator (mulberry32), so a run can be repeated. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

interface Sample {
  readonly minute: number;
  readonly rssMb: number;
  readonly handles: number;
  readonly children: number;
  readonly workers: number;
  readonly sessions: number;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) / 1024;
}

function children(pid: number): number {
  let count = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) count += list.split(/\s+/).length;
  }
  return count;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx > 0 ? points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx : Number.NaN;
}

const clipPath = fixturePath(FOUR_STROKES_CLIP);
if (!clipPath) {
  console.log(`bench soak: skipped, fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`);
} else {
  const engine = await startEngine();
  const clip = await encodeClipVp8(clipPath);
  const samples: Sample[] = [];
  const started = Date.now();
  const cpu0 = cpuTimes();
  let cycles = 0;
  let joined = 0;
  const sample = async (): Promise<Sample> => {
    const metrics = parseMetrics(await engine.metrics());
    const value = (name: string) => metricValue(metrics, name) ?? Number.NaN;
    const s: Sample = {
      minute: (Date.now() - started) / 60_000,
      rssMb: rssMb(engine.pid),
      handles: value('bambam_process_nodejs_active_handles_total'),
      children: children(engine.pid),
      workers: value('bambam_tracker_workers'),
      sessions: value('bambam_sessions'),
    };
    samples.push(s);
    return s;
  };
  try {
    console.log(
      `bench soak: ${MINUTES} min, up to ${MAX_PLAYERS} players at once, seed ${seed}, ${os.availableParallelism()} cores`,
    );
    const baseline = await sample();
    while (Date.now() - started < MINUTES * 60_000) {
      const n = 1 + Math.floor(random() * MAX_PLAYERS);
      const peers: LoadPeer[] = [];
      for (let i = 0; i < n; i++)
        peers.push(await LoadPeer.connect({ engineUrl: engine.url, clip, timeoutMs: 30_000 }));
      joined += n;
      await delay(5_000 + random() * 15_000);
      await Promise.all(peers.map((p) => p.dispose()));
      // Everyone has left: give the engine a moment to release, then sample.
      for (let waited = 0; waited < 10_000; waited += 250) {
        await delay(250);
        const metrics = parseMetrics(await engine.metrics());
        if ((metricValue(metrics, 'bambam_sessions') ?? 0) === 0) break;
      }
      await delay(1_000);
      const s = await sample();
      cycles++;
      if (cycles % 5 === 0)
        console.log(
          `  ${s.minute.toFixed(1)} min: ${joined} joined, rss ${s.rssMb.toFixed(1)} MB, handles ${s.handles}, children ${s.children}, workers ${s.workers}, sessions ${s.sessions}`,
        );
    }
    const steal = stealPercent(cpu0, cpuTimes());
    const last = samples.at(-1)!;
    // After warm-up: the first fifth of the run (caches, the sandbox pool, JIT) is left out.
    const warm = samples.filter((s) => s.minute >= MINUTES / 5);
    const perTen = (key: keyof Sample) => 10 * slope(warm.map((s) => [s.minute, s[key] as number] as const));
    console.log(
      `bench soak: ${cycles} cycles, ${joined} players joined and left over ${last.minute.toFixed(1)} min; steal ${steal.toFixed(1)}%`,
    );
    console.log(
      `  slopes after warm-up (per 10 min): rss ${perTen('rssMb').toFixed(2)} MB, handles ${perTen('handles').toFixed(2)}, children ${perTen('children').toFixed(2)}`,
    );
    console.log(
      `  baseline → end: rss ${baseline.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB, handles ${baseline.handles} → ${last.handles}, ` +
        `children ${baseline.children} → ${last.children}, workers ${baseline.workers} → ${last.workers}, sessions ${baseline.sessions} → ${last.sessions}`,
    );
    // Warm (the sandbox pool and the tracker workers start with the first player): what must
    // come back is the first warm idle point's count, not the cold baseline's.
    const reference = warm[0] ?? baseline;
    const leaked =
      last.sessions !== 0 || last.workers > reference.workers || last.children > reference.children;
    console.log(
      `  warm reference (${reference.minute.toFixed(1)} min): children ${reference.children}, workers ${reference.workers}; ` +
        `=> ${leaked ? 'LEAK' : 'no leaked sessions, workers or processes'}; memory slope target < 1 MB per 10 min`,
    );
  } finally {
    await engine.dispose();
  }
}
