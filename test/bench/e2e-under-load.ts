/**
 * `node --no-node-snapshot test/bench/e2e-under-load.ts`: are the end-to-end tests steady on a
 * busy machine? Runs the Chromium end-to-end files `E2E_RUNS` times (default 10), one run after
 * another as CI does (`node --test --test-concurrency=1`), while a busy loop keeps one core
 * fully loaded (`E2E_BUSY_CORES`, default 1; 0 for none). Prints per run: pass/fail, duration,
 * the machine's load average and CPU steal, and the figures the tests print (concealment,
 * hits); then the count of failed runs. Exit code 1 if any run failed.
 *
 * `E2E_FILES` (comma-separated, relative to test/) picks the files; by default the tests that
 * judge what a player hears: engine-e2e (continuous audio, every stroke, malformed signaling)
 * and motion-to-sound (strokes of known timing heard on the beat).
 *
 * `E2E_ALTERNATE` compares settings in the same run, interleaved: variants separated by `|`, each
 * a space-separated list of `NAME=value` added to the tests' environment (the engine inherits it);
 * run k uses variant k mod n, and failures are counted per variant. For example
 * `E2E_ALTERNATE='BAMBAM_TRACKER_NICE=0|BAMBAM_TRACKER_NICE=10'`.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startBusyLoops } from '../lib/cpu-load.ts';
import { cpuTimes, stealPercent } from '../lib/cpu-steal.ts';

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.E2E_RUNS ?? 10);
const BUSY_CORES = Number(process.env.E2E_BUSY_CORES ?? 1);
const FILES = (process.env.E2E_FILES ?? 'engine-e2e.test.ts,motion-to-sound.test.ts').split(',');
const VARIANTS = parseVariants(process.env.E2E_ALTERNATE ?? '');
/** Lines of the tests' own output worth keeping beside each run's verdict. */
const FIGURES = /concealment|hits?\b|onset|p10|p90|median|load average|✖|not ok|Error \[/i;

interface Variant {
  readonly label: string;
  readonly env: Record<string, string>;
}

function parseVariants(text: string): Variant[] {
  if (!text.trim()) return [{ label: 'as is', env: {} }];
  return text.split('|').map((variant) => {
    const env: Record<string, string> = {};
    for (const pair of variant.trim().split(/\s+/).filter(Boolean)) {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
      if (!match) throw new Error(`E2E_ALTERNATE: '${pair}' is not NAME=value (variants are separated by |)`);
      env[match[1]!] = match[2]!;
    }
    return { label: variant.trim() || 'as is', env };
  });
}

async function runOnce(variant: Variant): Promise<{ ok: boolean; seconds: number; figures: string[] }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', '--test', '--test-concurrency=1', '--test-reporter=spec', ...FILES],
    { cwd: TEST_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...variant.env } },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const figures = output
    .split('\n')
    .filter((line) => FIGURES.test(line))
    .map((line) => line.trim())
    .slice(0, 30);
  return { ok: code === 0, seconds: (performance.now() - started) / 1000, figures };
}

const loops = startBusyLoops(BUSY_CORES);
console.log(`${RUNS} runs of ${FILES.join(', ')} with ${BUSY_CORES} core(s) kept busy`);
let failed = 0;
const tally = new Map(VARIANTS.map((variant) => [variant, { runs: 0, failed: 0 }]));
try {
  for (let run = 1; run <= RUNS; run++) {
    const variant = VARIANTS[(run - 1) % VARIANTS.length]!;
    const before = cpuTimes();
    const result = await runOnce(variant);
    const steal = stealPercent(before, cpuTimes());
    const counts = tally.get(variant)!;
    counts.runs++;
    if (!result.ok) {
      failed++;
      counts.failed++;
    }
    const label = VARIANTS.length > 1 ? ` [${variant.label}]` : '';
    console.log(
      `run ${run}${label}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.seconds.toFixed(0)} s; load average ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}; CPU steal ${steal.toFixed(1)}%`,
    );
    for (const line of result.figures) console.log(`    ${line}`);
  }
} finally {
  loops.stop();
}
if (VARIANTS.length > 1)
  for (const [variant, counts] of tally)
    console.log(`[${variant.label}]: ${counts.failed} of ${counts.runs} runs failed`);
console.log(`${failed} of ${RUNS} runs failed`);
process.exitCode = failed > 0 ? 1 : 0;
