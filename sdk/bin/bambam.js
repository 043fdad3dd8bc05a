#!/usr/bin/env -S node --no-node-snapshot
// The bambam CLI. isolated-vm needs --no-node-snapshot, hence the shebang flag. Plain JavaScript
// up to the version check; the TypeScript is imported only once Node is known to run it.
import process from 'node:process';
import { requireNode24 } from './require-node.js';

requireNode24(
  'bambam',
  "Fix: install Node 24 (https://nodejs.org), or in the Bam Bam repository run `source scripts/node24.sh` (it puts Node 24 from the npm registry on this shell's PATH), then run bambam again.",
);
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
