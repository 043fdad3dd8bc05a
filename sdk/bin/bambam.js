#!/usr/bin/env -S node --no-node-snapshot
// The bambam CLI. isolated-vm needs --no-node-snapshot, hence the shebang flag.
import process from 'node:process';
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
