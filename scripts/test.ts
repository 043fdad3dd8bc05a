/**
 * `npm test`: Biome (lint + format), then every package's type check and tests through turbo
 * (one task at a time: the end-to-end tests measure latency and share 2 cores), then one
 * closing line that adds up node's test runner summaries from every package.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1', FORCE_COLOR: '0' };

function run(command: string, args: string[], onLine?: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env,
      stdio: ['ignore', onLine ? 'pipe' : 'inherit', 'inherit'],
    });
    if (onLine && child.stdout) {
      let rest = '';
      child.stdout.on('data', (chunk: Buffer) => {
        process.stdout.write(chunk);
        const lines = (rest + chunk.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
      child.stdout.on('end', () => rest && onLine(rest));
    }
    child.on('error', (error) => {
      console.error(`test: could not run ${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const lint = await run(bin('biome'), ['check', '.']);
if (lint !== 0) {
  console.error('test: Biome found problems; `npm run format` fixes most of them.');
  process.exit(lint);
}

const totals = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
const summary = /ℹ (pass|fail|skipped|todo|cancelled) (\d+)\s*$/;
const args = ['run', 'typecheck', 'test', '--concurrency=1', ...process.argv.slice(2)];
const code = await run(bin('turbo'), args, (line) => {
  const match = summary.exec(line);
  if (match) totals[match[1] as keyof typeof totals] += Number(match[2]);
});

const failed = totals.fail + totals.cancelled;
console.log(`\ntests: ${totals.pass} passed, ${failed} failed, ${totals.skipped} skipped`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
