/**
 * Runs the built studio (`next start` of apps/web) for a test, on a free port, pointed at a
 * given engine. The studio must be built first (`npm run build -w @bambam/web`; turbo does it
 * before `npm test`).
 *
 * ```ts
 * const studioPort = await freePort();
 * const engine = await startEngine({ env: studioEngineEnv(studioPort) });
 * const studio = await startStudio({ engineUrl: engine.url, port: studioPort });
 * after(() => studio.dispose());
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './engine.ts';
import { REPO_ROOT } from './fixtures.ts';

export const STUDIO_DIR = path.join(REPO_ROOT, 'apps', 'web');
const NEXT_BIN = path.join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next');

export interface StudioOptions {
  /** The engine the studio should use (`BAMBAM_ENGINE_URL`). */
  readonly engineUrl: string;
  /** Port to serve on. Default: a free one. */
  readonly port?: number;
  /** How long to wait for the studio to answer, ms. Default 30 000. */
  readonly startTimeoutMs?: number;
}

export interface RunningStudio {
  /** e.g. `http://127.0.0.1:40124` */
  readonly url: string;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  dispose(graceMs?: number): Promise<void>;
}

/** Engine env that lets a studio on `studioPort` talk to it (allowed origins for socket.io and /api). */
export function studioEngineEnv(studioPort: number): Record<string, string> {
  return { BAMBAM_ALLOWED_ORIGINS: `http://127.0.0.1:${studioPort},http://localhost:${studioPort}` };
}

/** True when `next build` has run for the studio. */
export function studioBuilt(): boolean {
  return existsSync(path.join(STUDIO_DIR, '.next', 'BUILD_ID'));
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export async function startStudio(options: StudioOptions): Promise<RunningStudio> {
  if (!studioBuilt()) {
    throw new Error('the studio is not built: run `npm run build -w @bambam/web` (or `npm run build`) first');
  }
  const port = options.port ?? (await freePort());
  let output = '';
  const child = spawn(
    process.execPath,
    [NEXT_BIN, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
    {
      cwd: STUDIO_DIR,
      env: {
        ...process.env,
        BAMBAM_ENGINE_URL: options.engineUrl,
        NEXT_TELEMETRY_DISABLED: '1',
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = exited(child);
  const url = `http://127.0.0.1:${port}`;
  let disposed: Promise<void> | undefined;
  const studio: RunningStudio = {
    url,
    output: () => output,
    dispose(graceMs = 5000) {
      disposed ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exit;
          clearTimeout(timer);
        }
      })();
      return disposed;
    },
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the studio exited (code ${child.exitCode})\n--- studio output ---\n${output.slice(-4000)}`,
      );
    }
    if (Date.now() > deadline) {
      await studio.dispose(1000);
      throw new Error(
        `the studio did not answer within the timeout\n--- studio output ---\n${output.slice(-4000)}`,
      );
    }
    try {
      const response = await fetch(`${url}/api/config`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return studio;
    } catch {
      // Not listening yet.
    }
    await Promise.race([new Promise((r) => setTimeout(r, 200)), exit]);
  }
}
