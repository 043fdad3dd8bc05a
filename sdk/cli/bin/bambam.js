#!/usr/bin/env node
// The bambam CLI. Plain JavaScript up to the version check, so an old Node gets a clear message.
// isolated-vm needs --no-node-snapshot: a plain shebang (npm's shims on every platform, Yarn)
// cannot pass flags, so the bin runs itself again with the flag when it is missing.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { requireNode24 } from './require-node.js';

requireNode24(
  'bambam',
  "Fix: install Node 24 (https://nodejs.org), or in the Bam Bam repository run `source scripts/node24.sh` (it puts Node 24 from the npm registry on this shell's PATH), then run bambam again.",
);

const FLAG = '--no-node-snapshot';
const hasFlag =
  process.execArgv.includes(FLAG) || (process.env.NODE_OPTIONS ?? '').split(/\s+/).includes(FLAG);

if (hasFlag) {
  // `.ts` sources in the repository's own checkout (no dist/ yet) are not supported: build first.
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  });
} else {
  const child = spawn(process.execPath, [...process.execArgv, FLAG, ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  // Signals go to the whole process group from a terminal; the child gets them too. Forward
  // the ones sent to this process alone.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('error', (error) => {
    process.stderr.write(`bambam: cannot start Node again with ${FLAG}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
