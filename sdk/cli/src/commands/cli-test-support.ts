/** Helpers for the CLI command tests: run `bambam` in-process, and a workspace with the SDK linked. */
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../main.ts';

/** The installed contract package (`@bambam/sdk`, built), as a plugin's `npm install` gives it. */
const SDK_DIR = dirname(fileURLToPath(import.meta.resolve('@bambam/sdk/package.json')));

/** Runs `bambam <args>` in-process with captured output. */
export async function bambam(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(args, {
    stdin: new PassThrough(),
    stdout,
    stderr,
    cwd,
    env: { PATH: process.env.PATH, ...env },
  });
  return { code, out, err };
}

/** A temp workspace whose node_modules links @bambam/sdk to this SDK (what `npm install` would give). */
export function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'bambam-cli-'));
  mkdirSync(join(root, 'node_modules', '@bambam'), { recursive: true });
  symlinkSync(SDK_DIR, join(root, 'node_modules', '@bambam', 'sdk'), 'dir');
  return root;
}
