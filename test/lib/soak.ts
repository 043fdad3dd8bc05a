/**
 * Soak (issue 18 item 6): players join and leave a real engine for a long while; what the
 * engine holds must come back each time everyone has left. Every idle point (all players gone)
 * samples the engine's RSS (/proc), its active handles (/metrics), its child processes (sandbox
 * pool, esbuild service), its tracker workers and its sessions. {@link runSoak} returns the
 * samples, the slopes after warm-up and what did not come back; `bench/soak.ts` prints them
 * for a long run, `soak.test.ts` asserts them on a short one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuTimes, stealPercent } from './cpu-steal.ts';
import { type RunningEngine, startEngine } from './engine.ts';
import { LoadPeer } from './loadgen/load-peer.ts';
import { encodeClipVp8 } from './loadgen/vp8-clip.ts';
import { metricValue, parseMetrics } from './prometheus.ts';

export interface SoakOptions {
  /** The fixture clip the players send (VP8-encoded once). */
  readonly clipPath: string;
  readonly minutes: number;
  /** Most players at once. */
  readonly maxPlayers: number;
  /** Seed of the join/leave pattern, so a run can be repeated. */
  readonly seed: number;
  /** Progress lines (every 5th idle point). */
  readonly log?: (line: string) => void;
  /**
   * Before each idle sample, a full garbage collection in the engine (through its inspector):
   * what the samples then show is what is still alive, not garbage V8 has not collected yet
   * nor pages it keeps. A diagnosis, not the engine's own behaviour.
   */
  readonly fullGcAtIdle?: boolean;
}

export const DEFAULT_SOAK_OPTIONS = {
  maxPlayers: 3,
  /** The first fifth of the run (caches, the sandbox pool, JIT) is left out of the slopes. */
  warmupFraction: 1 / 5,
  /** How many idle points at each end are compared for leaks (transient handles come and go). */
  edgePoints: 3,
  /** How long a player plays: 5 s + up to this, ms. */
  playJitterMs: 15_000,
  playMinMs: 5_000,
} as const;

/** What the engine holds at one idle point (every player gone). */
export interface SoakSample {
  readonly minute: number;
  /** Players joined so far. */
  readonly joined: number;
  readonly rssMb: number;
  /** V8 heap in use (after the engine's last GC, as prom-client reads it) and off-heap buffers. */
  readonly heapUsedMb: number;
  readonly externalMb: number;
  /** RSS by kind of mapping (/proc smaps): where a growth lives. */
  readonly rssByKind: RssByKind;
  readonly handles: number;
  readonly children: number;
  readonly workers: number;
  readonly sessions: number;
}

type Counted = 'handles' | 'children' | 'workers';

export interface SoakResult {
  readonly seed: number;
  readonly cycles: number;
  readonly joined: number;
  /** Joins that failed, with when and why. */
  readonly failedJoins: readonly string[];
  readonly samples: readonly SoakSample[];
  readonly baseline: SoakSample;
  readonly last: SoakSample;
  /** Machine CPU steal over the run, %. */
  readonly stealPercent: number;
  /** 1-minute load average at the end. */
  readonly loadAverage: number;
  /** Least-squares slopes over the idle points after warm-up, per 10 minutes. */
  readonly slopesPer10Min: {
    readonly rssMb: number;
    readonly heapUsedMb: number;
    readonly externalMb: number;
    readonly handles: number;
    readonly children: number;
  };
  /**
   * RSS growth from the lowest idle point after the first player (RSS settles for a few minutes
   * after start: garbage collection shrinks what the first sessions grew) to the end, and the
   * players that joined in between: a leak per session shows as MB per player.
   */
  readonly rssGrowth: { readonly fromMinute: number; readonly mb: number; readonly players: number };
  /**
   * RSS slope (MB per 10 min) over the run's second half: V8's old generation grows in a sawtooth
   * (pages added until a full collection compacts them) whose period is minutes, so a slope that
   * starts early in the run partly measures the first tooth's ramp.
   */
  readonly rssSlopeSecondHalfMb: number;
  /** RSS low and high at the idle points of each 10-minute window: a leak raises the lows. */
  readonly rssByWindow: readonly {
    readonly fromMinute: number;
    readonly low: number;
    readonly high: number;
  }[];
  /**
   * How many more each count holds at the end than at the start of the warm run: the fewest of
   * the last idle points minus the most of the first warm ones (a leak only grows; the sandbox
   * pool refilling or a keep-alive socket closing late is not one). Sessions: the count at the end.
   */
  readonly leaked: Readonly<Record<Counted, number>> & { readonly sessions: number };
}

/** Least-squares slope of y over x. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx > 0 ? points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx : Number.NaN;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) / 1024;
}

/**
 * The process's resident memory by kind of mapping, MB: V8's heap pages (anonymous mappings of
 * 256 KB or less: every isolate's, workers' too), malloc's thread arenas (anonymous mappings of
 * 1 MB to 64 MB: native libraries' allocations off the main thread: FFmpeg, onnxruntime), the
 * main thread's malloc heap (`[heap]`), other anonymous mappings and mapped files.
 */
export interface RssByKind {
  readonly v8Pages: number;
  readonly arenas: number;
  readonly brkHeap: number;
  readonly otherAnon: number;
  readonly files: number;
}

function mappingKind(name: string, sizeKb: number): keyof RssByKind {
  if (name === '[heap]') return 'brkHeap';
  if (name.startsWith('/')) return 'files';
  if (name !== '') return 'otherAnon';
  if (sizeKb <= 256) return 'v8Pages';
  if (sizeKb >= 1024 && sizeKb <= 65536) return 'arenas';
  return 'otherAnon';
}

function rssByKind(pid: number): RssByKind {
  const kb = { v8Pages: 0, arenas: 0, brkHeap: 0, otherAnon: 0, files: 0 };
  let kind: keyof RssByKind = 'otherAnon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const region = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (region) {
      const sizeKb = (Number.parseInt(region[2]!, 16) - Number.parseInt(region[1]!, 16)) / 1024;
      kind = mappingKind(region[3]!.trim(), sizeKb);
    } else if (line.startsWith('Rss:')) kb[kind] += Number(line.split(/\s+/)[1]);
  }
  return {
    v8Pages: kb.v8Pages / 1024,
    arenas: kb.arenas / 1024,
    brkHeap: kb.brkHeap / 1024,
    otherAnon: kb.otherAnon / 1024,
    files: kb.files / 1024,
  };
}

function childProcesses(pid: number): number {
  let count = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) count += list.split(/\s+/).length;
  }
  return count;
}

/** A small seeded generator (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The engine's inspector WebSocket URL, from the line Node prints when it opens it. */
async function inspectorUrl(engine: RunningEngine): Promise<string> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(engine.output())?.[1];
    if (url) return url;
    await delay(100);
  }
  throw new Error('the engine did not print its inspector URL');
}

/** A full garbage collection in the engine, over the inspector protocol (HeapProfiler.collectGarbage). */
async function collectGarbage(url: string): Promise<void> {
  const socket = new WebSocket(url);
  try {
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`could not reach the engine's inspector at ${url}`));
    });
    await new Promise<void>((resolve) => {
      socket.onmessage = (event) => {
        if ((JSON.parse(String(event.data)) as { id?: number }).id === 1) resolve();
      };
      socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    socket.close();
  }
}

/** Runs the soak on a fresh engine; the engine is stopped at the end whatever happens. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const random = seeded(options.seed);
  const log = options.log ?? (() => {});
  const engine = await startEngine(options.fullGcAtIdle ? { nodeFlags: ['--inspect=127.0.0.1:0'] } : {});
  try {
    const inspector = options.fullGcAtIdle ? await inspectorUrl(engine) : undefined;
    const clip = await encodeClipVp8(options.clipPath);
    const samples: SoakSample[] = [];
    const started = Date.now();
    const cpu0 = cpuTimes();
    let cycles = 0;
    let joined = 0;
    const failedJoins: string[] = [];
    const sessionsNow = async () =>
      metricValue(parseMetrics(await engine.metrics()), 'bambam_sessions') ?? Number.NaN;
    const sample = async (): Promise<SoakSample> => {
      if (inspector) {
        await collectGarbage(inspector);
        await delay(1_000); // V8 unmaps the freed pages as it sweeps, off the main thread
      }
      const metrics = parseMetrics(await engine.metrics());
      const value = (name: string) => metricValue(metrics, name) ?? Number.NaN;
      const s: SoakSample = {
        minute: (Date.now() - started) / 60_000,
        joined,
        rssMb: rssMb(engine.pid),
        heapUsedMb: value('bambam_process_nodejs_heap_size_used_bytes') / 2 ** 20,
        externalMb: value('bambam_process_nodejs_external_memory_bytes') / 2 ** 20,
        rssByKind: rssByKind(engine.pid),
        handles: value('bambam_process_nodejs_active_handles_total'),
        children: childProcesses(engine.pid),
        workers: value('bambam_tracker_workers'),
        sessions: value('bambam_sessions'),
      };
      samples.push(s);
      return s;
    };
    const baseline = await sample();
    while (Date.now() - started < options.minutes * 60_000) {
      const n = 1 + Math.floor(random() * options.maxPlayers);
      const peers: LoadPeer[] = [];
      try {
        for (let i = 0; i < n; i++) {
          try {
            peers.push(await LoadPeer.connect({ engineUrl: engine.url, clip, timeoutMs: 30_000 }));
            joined++;
          } catch (error) {
            // A join that fails (a starved machine can miss a step's timeout) is counted and
            // reported; what it left behind must be released like any other session's.
            failedJoins.push(
              `${((Date.now() - started) / 60_000).toFixed(1)} min: ${(error as Error).message}`,
            );
          }
        }
        await delay(DEFAULT_SOAK_OPTIONS.playMinMs + random() * DEFAULT_SOAK_OPTIONS.playJitterMs);
      } finally {
        await Promise.all(peers.map((p) => p.dispose()));
      }
      // Everyone has left: give the engine a moment to release, then sample.
      for (let waited = 0; waited < 10_000 && (await sessionsNow()) !== 0; waited += 250) await delay(250);
      await delay(1_000);
      const s = await sample();
      cycles++;
      if (cycles % 5 === 0)
        log(
          `  ${s.minute.toFixed(1)} min: ${joined} joined, rss ${s.rssMb.toFixed(1)} MB, handles ${s.handles}, ` +
            `children ${s.children}, workers ${s.workers}, sessions ${s.sessions}`,
        );
    }
    const warm = samples.filter((s) => s.minute >= options.minutes * DEFAULT_SOAK_OPTIONS.warmupFraction);
    const perTen = (key: Exclude<keyof SoakSample, 'rssByKind'>) =>
      10 * slope(warm.map((s) => [s.minute, s[key]] as const));
    const edge = DEFAULT_SOAK_OPTIONS.edgePoints;
    const first = warm.length > 0 ? warm.slice(0, edge) : [baseline];
    const lastOnes = samples.slice(-edge);
    const grew = (key: Counted) =>
      Math.min(...lastOnes.map((s) => s[key])) - Math.max(...first.map((s) => s[key]));
    const last = samples.at(-1)!;
    const low = samples.slice(1).reduce((a, b) => (b.rssMb < a.rssMb ? b : a), last);
    const secondHalf = samples.filter((s) => s.minute >= options.minutes / 2);
    const rssByWindow = [];
    for (let from = 0; from < last.minute; from += 10) {
      const inWindow = samples.slice(1).filter((s) => s.minute >= from && s.minute < from + 10);
      if (inWindow.length === 0) continue;
      const rss = inWindow.map((s) => s.rssMb);
      rssByWindow.push({ fromMinute: from, low: Math.min(...rss), high: Math.max(...rss) });
    }
    return {
      seed: options.seed,
      cycles,
      joined,
      failedJoins,
      samples,
      baseline,
      last,
      rssGrowth: { fromMinute: low.minute, mb: last.rssMb - low.rssMb, players: last.joined - low.joined },
      rssSlopeSecondHalfMb: 10 * slope(secondHalf.map((s) => [s.minute, s.rssMb] as const)),
      rssByWindow,
      stealPercent: stealPercent(cpu0, cpuTimes()),
      loadAverage: os.loadavg()[0]!,
      slopesPer10Min: {
        rssMb: perTen('rssMb'),
        heapUsedMb: perTen('heapUsedMb'),
        externalMb: perTen('externalMb'),
        handles: perTen('handles'),
        children: perTen('children'),
      },
      leaked: {
        handles: grew('handles'),
        children: grew('children'),
        workers: grew('workers'),
        sessions: last.sessions,
      },
    };
  } finally {
    await engine.dispose();
  }
}

/** The lines the bench and the test print about a result. */
export function describeSoak(result: SoakResult, minutes: number): string[] {
  const { baseline, last, slopesPer10Min: sl, leaked } = result;
  return [
    `soak: ${result.cycles} cycles, ${result.joined} players joined and left over ${last.minute.toFixed(1)} min ` +
      `(seed ${result.seed}); steal ${result.stealPercent.toFixed(1)}%, load ${result.loadAverage.toFixed(2)} ` +
      `on ${os.availableParallelism()} cores`,
    `  failed joins: ${result.failedJoins.length}${result.failedJoins.length ? ` (${result.failedJoins.slice(0, 3).join('; ')})` : ''}`,
    `  slopes after warm-up (${(minutes * DEFAULT_SOAK_OPTIONS.warmupFraction).toFixed(1)} min) per 10 min: ` +
      `rss ${sl.rssMb.toFixed(2)} MB (V8 heap used ${sl.heapUsedMb.toFixed(2)} MB, external ${sl.externalMb.toFixed(2)} MB), handles ${sl.handles.toFixed(2)}, children ${sl.children.toFixed(2)}`,
    `  rss from its low (${result.rssGrowth.fromMinute.toFixed(1)} min) to the end: +${result.rssGrowth.mb.toFixed(1)} MB ` +
      `over ${result.rssGrowth.players} players (${(result.rssGrowth.mb / Math.max(1, result.rssGrowth.players)).toFixed(2)} MB per player)`,
    `  rss slope over the second half: ${result.rssSlopeSecondHalfMb.toFixed(2)} MB per 10 min; ` +
      `rss low–high per 10 min: ${result.rssByWindow.map((w) => `${w.fromMinute}–${w.fromMinute + 10} min ${w.low.toFixed(0)}–${w.high.toFixed(0)}`).join(', ')}`,
    `  baseline → end: rss ${baseline.rssMb.toFixed(1)} → ${last.rssMb.toFixed(1)} MB, handles ${baseline.handles} → ` +
      `${last.handles}, children ${baseline.children} → ${last.children}, workers ${baseline.workers} → ` +
      `${last.workers}, sessions ${baseline.sessions} → ${last.sessions}`,
    `  leaked vs the warm start: sessions ${leaked.sessions}, handles ${leaked.handles}, children (processes) ` +
      `${leaked.children}, tracker workers ${leaked.workers}; memory slope target < 1 MB per 10 min`,
  ];
}
