/**
 * Runs the built studio (`node apps/web/server.ts`: Next.js plus the engine's API and
 * socket.io under the studio's own origin) for a test, on a free port, in front of a given
 * engine. The studio must be built first (`npm run build -w @bambam/web`; turbo does it before
 * `npm test`).
 *
 * ```ts
 * const studioPort = await freePort();
 * const engine = await startEngine({ env: studioEngineEnv(studioPort) });
 * const studio = await startStudio({ engineUrl: engine.url, port: studioPort });
 * after(() => studio.dispose());
 * ```
 *
 * Pages reach the engine through the studio (`studio.url`) unless `direct` is set.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { freePort } from './engine.ts';
import { REPO_ROOT } from './fixtures.ts';

export const STUDIO_DIR = path.join(REPO_ROOT, 'apps', 'web');
const STUDIO_SERVER = path.join(STUDIO_DIR, 'server.ts');

export interface StudioOptions {
  /** The engine the studio forwards to (`BAMBAM_ENGINE_UPSTREAM`). */
  readonly engineUrl: string;
  /** Pages talk to `engineUrl` directly (`BAMBAM_ENGINE_URL`) instead of through the studio. */
  readonly direct?: boolean;
  /** Port to serve on. Default: a free one. */
  readonly port?: number;
  /** Serve HTTPS with these PEM files (`BAMBAM_TLS_CERT`, `BAMBAM_TLS_KEY`). */
  readonly tls?: { readonly certPath: string; readonly keyPath: string };
  /** Extra environment (e.g. `BAMBAM_ALLOWED_HOSTS`). */
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for the studio to answer, ms. Default 30 000. */
  readonly startTimeoutMs?: number;
}

export interface RunningStudio {
  /** e.g. `http://127.0.0.1:40124` (`https://` with `tls`) */
  readonly url: string;
  readonly port: number;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  dispose(graceMs?: number): Promise<void>;
}

/**
 * Engine env that lets a studio on `studioPort` talk to it directly (allowed origins for
 * socket.io and /api); not needed when pages go through the studio.
 */
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

/** The status of a GET, or undefined when nothing answers; trusts a test's self-signed certificate. */
export function probe(url: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? https.get : http.get;
    const request = get(url, { headers, rejectUnauthorized: false, timeout: 2000 }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(undefined));
  });
}

export async function startStudio(options: StudioOptions): Promise<RunningStudio> {
  if (!studioBuilt()) {
    throw new Error('the studio is not built: run `npm run build -w @bambam/web` (or `npm run build`) first');
  }
  const port = options.port ?? (await freePort());
  let output = '';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    BAMBAM_ENGINE_UPSTREAM: options.engineUrl,
    HOST: '127.0.0.1',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
  };
  delete env.BAMBAM_ENGINE_URL;
  delete env.BAMBAM_TLS_CERT;
  delete env.BAMBAM_TLS_KEY;
  delete env.NODE_ENV;
  if (options.direct) env.BAMBAM_ENGINE_URL = options.engineUrl;
  if (options.tls) {
    env.BAMBAM_TLS_CERT = options.tls.certPath;
    env.BAMBAM_TLS_KEY = options.tls.keyPath;
  }
  const child = spawn(process.execPath, [STUDIO_SERVER], {
    cwd: STUDIO_DIR,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = exited(child);
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  let disposed: Promise<void> | undefined;
  const studio: RunningStudio = {
    url,
    port,
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
    if ((await probe(`${url}/api/config`)) === 200) return studio;
    await Promise.race([new Promise((r) => setTimeout(r, 200)), exit]);
  }
}
