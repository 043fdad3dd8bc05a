/**
 * Runs the npm registry in the box for a test exactly as `npm start` does: a child process of
 * `apps/npm-registry/src/main.ts` on a free port with a throwaway data dir, ready once it has
 * published the workspace's `@bambam/*` packages. Packages it does not hold come from the npm
 * registry this test runs with (`npm_config_registry`), as for a user.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './engine.ts';
import { REPO_ROOT } from './fixtures.ts';

export interface BoxRegistry {
  /** e.g. `http://127.0.0.1:40123/` */
  readonly url: string;
  readonly dataDir: string;
  output(): string;
  dispose(): Promise<void>;
}

export async function startBoxRegistry(options: { timeoutMs?: number } = {}): Promise<BoxRegistry> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bambam-box-registry-'));
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'apps/npm-registry/src/main.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, REGISTRY_PORT: String(port), HOST: '127.0.0.1', BAMBAM_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (/packages ready for authors|could not publish/.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`the registry exited (${code}) before it was ready:\n${output}`)),
    );
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    ready,
    new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the registry was not ready in ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  if (/could not publish/.test(output))
    throw new Error(`the registry could not publish the workspace:\n${output}`);
  return {
    url: `http://127.0.0.1:${port}/`,
    dataDir,
    output: () => output,
    async dispose() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
