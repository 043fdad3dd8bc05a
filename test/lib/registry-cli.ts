/**
 * Helpers for the registry's end-to-end tests: run the real `bambam` CLI and the registry's
 * token admin CLI as child processes, and scaffold a plugin that resolves `@bambam/sdk` to
 * this checkout (what `npm install` gives a plugin author).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './fixtures.ts';

export const BAMBAM_BIN = path.join(REPO_ROOT, 'sdk', 'cli', 'bin', 'bambam.js');
export const REGISTRY_CLI = path.join(REPO_ROOT, 'apps', 'engine', 'src', 'registry', 'cli.ts');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--no-node-snapshot', ...args],
      { cwd, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `bambam <args>` in `cwd`. */
export function bambam(args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return run([BAMBAM_BIN, ...args], cwd, env);
}

/** Creates a publish token for `owner` in the engine's data dir; returns the token and its id. */
export async function createToken(dataDir: string, owner: string): Promise<{ token: string; id: string }> {
  const result = await run([REGISTRY_CLI, 'token', 'create', owner, '--data-dir', dataDir], REPO_ROOT);
  if (result.code !== 0) throw new Error(`token create failed: ${result.stderr}`);
  const id = /Created token ([0-9a-f]+)/.exec(result.stderr)?.[1];
  if (!id) throw new Error(`no token id in: ${result.stderr}`);
  return { token: result.stdout.trim(), id };
}

export async function revokeToken(dataDir: string, id: string): Promise<void> {
  const result = await run([REGISTRY_CLI, 'token', 'revoke', id, '--data-dir', dataDir], REPO_ROOT);
  if (result.code !== 0) throw new Error(`token revoke failed: ${result.stderr}`);
}

/** A temp workspace whose node_modules links @bambam/sdk to this checkout's SDK. */
export function pluginWorkspace(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bambam-e2e-plugins-'));
  mkdirSync(path.join(root, 'node_modules', '@bambam'), { recursive: true });
  symlinkSync(
    path.join(REPO_ROOT, 'sdk', 'contract'),
    path.join(root, 'node_modules', '@bambam', 'sdk'),
    'dir',
  );
  return root;
}

/** Edits a scaffolded plugin's source in place. */
export function editPlugin(dir: string, edit: (source: string) => string): void {
  const file = path.join(dir, 'src', 'index.ts');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}
