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
/** Lines of the tests' own output worth keeping beside each run's verdict. */
const FIGURES = /concealment|hits?\b|onset|p10|p90|median|load average|✖|not ok|Error \[/i;

async function runOnce(): Promise<{ ok: boolean; seconds: number; figures: string[] }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--no-node-snapshot', '--test', '--test-concurrency=1', '--test-reporter=spec', ...FILES],
    { cwd: TEST_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
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
try {
  for (let run = 1; run <= RUNS; run++) {
    const before = cpuTimes();
    const result = await runOnce();
    const steal = stealPercent(before, cpuTimes());
    if (!result.ok) failed++;
    console.log(
      `run ${run}: ${result.ok ? 'PASS' : 'FAIL'} in ${result.seconds.toFixed(0)} s; load average ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}; CPU steal ${steal.toFixed(1)}%`,
    );
    for (const line of result.figures) console.log(`    ${line}`);
  }
} finally {
  loops.stop();
}
console.log(`${failed} of ${RUNS} runs failed`);
process.exitCode = failed > 0 ? 1 : 0;
