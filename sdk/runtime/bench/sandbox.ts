// The sandbox's real-time cost: one onFrame round trip (host → isolate → host) with 2 hands of
// 21 landmarks, for each way of crossing the boundary. Target: ≤ 200 µs median (default mode).
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Frame, Hand } from '@bambam/sdk';
import {
  type CompiledPlugin,
  compilePlugin,
  type FrameTransport,
  PluginSandbox,
  type SandboxCallMode,
  type SandboxIsolation,
} from '../src/sandbox/index.ts';

const WARMUP = 300;
const FRAMES = 3000;
const BAM_DRUM = fileURLToPath(new URL('../../../plugins/bam-drum', import.meta.url));

/** The smallest plugin that reads every landmark: the sandbox's own overhead. */
const MINIMAL = `import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'bench-minimal', version: '1.0.0', description: 'Reads both hands, plays on a threshold.',
  sounds: { kick: { kind: 'tone', instrument: 'MembraneSynth' } },
  state: () => ({}) as Record<number, number>,
  onFrame(frame, ctx) {
    for (const hand of frame.hands) {
      let y = 0;
      for (const p of hand.landmarks) y += p.y;
      const last = ctx.state[hand.id] ?? y;
      if (y > last + 0.8) ctx.play('kick', { velocity: 0.8, pan: hand.handedness === 'Left' ? -0.5 : 0.5 });
      ctx.state[hand.id] = y;
    }
  },
});`;

/** Frame `i` of two hands moving down and up (about one stroke a second at 30 fps). */
function frame(i: number): Frame {
  const hand = (handedness: Hand['handedness'], x: number, phase: number, id: number): Hand => {
    const y = 0.5 + 0.25 * Math.sin((i / 30) * 2 * Math.PI + phase);
    const landmarks = Array.from({ length: 21 }, (_, k) => ({
      x: x + (k % 5) * 0.012 + Math.random() * 0.002,
      y: y - Math.floor(k / 5) * 0.03 + Math.random() * 0.002,
      z: -0.01 * k,
    }));
    return { id, handedness, score: 0.97, landmarks };
  };
  return {
    t: i * 33.3,
    width: 640,
    height: 480,
    hands: [hand('Left', 0.3, 0, 1), hand('Right', 0.7, Math.PI, 2)],
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** [isolation, callMode, frameTransport]; a process-isolated sandbox calls its isolate synchronously. */
const MODES = [
  ['process', 'sync', 'copy'],
  ['isolate', 'async', 'copy'],
  ['isolate', 'async', 'json'],
  ['isolate', 'sync', 'copy'],
  ['isolate', 'sync', 'json'],
] as const satisfies readonly (readonly [SandboxIsolation, SandboxCallMode, FrameTransport])[];

interface Run {
  sandbox: PluginSandbox;
  times: number[];
  plays: number;
  errors: Map<string, number>;
}

/**
 * Runs every mode on the same plugin, interleaved in batches of 100 frames, so that load from
 * other processes on this shared machine falls on all modes alike.
 */
async function measure(compiled: CompiledPlugin) {
  const runs: Run[] = [];
  for (const [isolation, callMode, frameTransport] of MODES) {
    const sandbox = await PluginSandbox.load(compiled, {
      isolation,
      callMode,
      frameTransport,
      // Back-to-back frames for seconds: lift the budgets so the bench measures, not polices.
      limits: { frameBudgetMs: 100, cpuBudget: { windowMs: 1000, maxMs: 1e9 } },
    });
    runs.push({ sandbox, times: [], plays: 0, errors: new Map() });
  }
  const frames = Array.from({ length: 120 }, (_, i) => frame(i));
  for (let batch = 0; batch < (WARMUP + FRAMES) / 100; batch++) {
    for (const run of runs) {
      for (let j = 0; j < 100; j++) {
        const i = batch * 100 + j;
        const start = performance.now();
        try {
          run.plays += (await run.sandbox.onFrame(frames[i % frames.length]!)).length;
        } catch (error) {
          const code = (error as { code?: string }).code ?? String(error);
          run.errors.set(code, (run.errors.get(code) ?? 0) + 1);
        }
        if (i >= WARMUP) run.times.push(performance.now() - start);
      }
    }
  }
  return runs.map((run) => {
    const cpuPerFrameUs = (run.sandbox.stats.cpuMs / (WARMUP + FRAMES)) * 1000;
    run.sandbox.dispose();
    run.times.sort((a, b) => a - b);
    return {
      median: percentile(run.times, 0.5) * 1000,
      p99: percentile(run.times, 0.99) * 1000,
      cpuPerFrameUs,
      plays: run.plays,
      errors: run.errors,
    };
  });
}

const conditions = `${cpus().length} cores, load average ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}`;
console.log(
  `sandbox: onFrame round trip, 2 hands x 21 landmarks, ${FRAMES} frames after ${WARMUP} warm-up (${conditions})`,
);

const plugins: [string, CompiledPlugin][] = [['minimal', await compilePlugin({ source: MINIMAL })]];
try {
  plugins.push(['bam-drum', await compilePlugin({ entry: BAM_DRUM })]);
} catch (error) {
  console.log(`sandbox: bam-drum skipped (${(error as Error).message})`);
}

for (const [name, compiled] of plugins) {
  const results = await measure(compiled);
  MODES.forEach(([isolation, callMode, frameTransport], m) => {
    const r = results[m]!;
    const isDefault = isolation === 'process';
    console.log(
      `sandbox: ${name.padEnd(8)} ${isolation.padEnd(7)} ${callMode.padEnd(5)} + ${frameTransport.padEnd(4)}: median ${r.median.toFixed(1)} µs, ` +
        `p99 ${r.p99.toFixed(1)} µs, isolate CPU ${r.cpuPerFrameUs.toFixed(1)} µs/frame (mean), ${r.plays} plays` +
        `${r.errors.size ? `, errors ${JSON.stringify(Object.fromEntries(r.errors))}` : ''}` +
        `${isDefault ? '  <- default (target ≤ 200 µs median)' : ''}`,
    );
  });
}
