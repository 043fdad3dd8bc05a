/**
 * The engine: an HTTP server with socket.io signaling, /metrics, /api/health and pluggable
 * route modules; one session per socket.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admission } from './admission/admission.ts';
import { DEFAULT_CONFIG, type EngineConfig } from './config.ts';
import { createRouter, type RouteModule } from './http/router.ts';
import { DEFAULT_PLUGIN, ExampleCatalog, type PluginCatalog } from './instrument/catalog.ts';
import { Instrument } from './instrument/instrument.ts';
import { EngineMetrics } from './metrics/engine-metrics.ts';
import { Signaling } from './signaling/signaling.ts';
import { SharedTracking } from './track/shared-tracking.ts';

export interface EngineOptions {
  /** Looked up in order by `plugin:use` after the bundled examples. */
  readonly catalogs?: readonly PluginCatalog[];
  /** HTTP route modules, tried in order after /metrics and /api/health. */
  readonly routes?: readonly RouteModule[];
  /** Collect Node process metrics too (default true). */
  readonly processMetrics?: boolean;
}

export interface Engine {
  readonly httpServer: Server;
  /** e.g. `http://127.0.0.1:3001` */
  readonly url: string;
  readonly port: number;
  readonly config: EngineConfig;
  readonly metrics: EngineMetrics;
  readonly signaling: Signaling;
  /** Seats: how many players the engine serves, and how many it serves now. */
  readonly admission: Admission;
  /** The hand tracker workers all sessions share (started in the background with the engine). */
  readonly tracking: SharedTracking;
  /**
   * Settles once the default instrument has been warmed in the background (compiled, a
   * sandbox process started, its sounds rendered); never rejects.
   */
  readonly warmed: Promise<void>;
  /** Open sessions. */
  readonly sessionCount: number;
  /**
   * Graceful drain (SIGTERM): takes no new players (`/api/health` answers 503 `draining`), lets
   * those playing go on until they leave or `graceMs` passes, then cuts the rest's connections
   * (not a server "goodbye", which socket.io clients take as final): their studios reconnect,
   * through a load balancer to another engine. Call {@link close} after it.
   */
  drain(graceMs: number): Promise<void>;
  /** Closes every session and the server. */
  close(): Promise<void>;
}

/** How often a drain looks whether every player has left. */
const DRAIN_POLL_MS = 100;

/**
 * Loads the default plugin once and lets it go: its bundle stays compiled (and esbuild's
 * service started), its sandbox process goes back to the pool, its sounds stay rendered. The
 * first session then pays none of it, and sessions already playing are not stalled by it
 * (measured: esbuild's start and the sandbox fork held the event loop 49 and 78 ms).
 */
async function warmDefaultInstrument(catalog: PluginCatalog): Promise<void> {
  try {
    const resolved = await catalog.resolve(DEFAULT_PLUGIN);
    if (!resolved) return;
    const instrument = new Instrument({ onConsole: () => {}, onDisabled: () => {} });
    try {
      await instrument.load(resolved.compiled);
    } finally {
      instrument.dispose();
    }
  } catch (error) {
    // The first session will meet the same error with a message for its user.
    console.error(`engine: warming ${DEFAULT_PLUGIN} failed: ${(error as Error).message}`);
  }
}

/** How long `close()` waits for a background warm-up still running before it goes on. */
const WARM_UP_CLOSE_WAIT_MS = 1500;

const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

export async function createEngine(
  config: Partial<EngineConfig> = {},
  options: EngineOptions = {},
): Promise<Engine> {
  const full: EngineConfig = { ...DEFAULT_CONFIG, ...config };
  const metrics = new EngineMetrics({ defaultMetrics: options.processMetrics });
  const examples = new ExampleCatalog();
  const catalogs = [examples, ...(options.catalogs ?? [])];
  const admission = new Admission({ config: full });
  const httpServer = createServer(
    createRouter({ config: full, metrics, routes: options.routes ?? [], version: VERSION, admission }),
  );
  // Started now, in the background: the first session finds the models loaded.
  const tracking = new SharedTracking({
    model: full.trackerModel,
    maxHands: full.maxHands,
    palmSearchInterval: full.palmSearchInterval,
    workers: full.trackerWorkers,
    niceness: full.trackerNiceness,
  });
  metrics.watchTrackerPool(() => tracking.stats);
  const signaling = new Signaling(httpServer, { config: full, metrics, catalogs, tracking, admission });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(full.port, full.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const warmed = warmDefaultInstrument(examples);
  const port = (httpServer.address() as AddressInfo).port;
  const host = full.host.includes(':') ? `[${full.host}]` : full.host;
  let closed: Promise<void> | undefined;

  return {
    httpServer,
    url: `http://${host}:${port}`,
    port,
    config: full,
    metrics,
    signaling,
    admission,
    tracking,
    warmed,
    get sessionCount() {
      return signaling.sessions.size;
    },
    async drain(graceMs) {
      admission.drain();
      const deadline = Date.now() + graceMs;
      while (signaling.sessions.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
      }
      // engine.io's close ends every transport: the clients see "transport close" and reconnect.
      signaling.io.engine.close();
    },
    close() {
      closed ??= (async () => {
        await signaling.close();
        // A warm-up still under way on a loaded machine must not hold shutdown past its deadline:
        // its sandbox process and render worker end with the engine's process.
        await Promise.race([
          warmed,
          new Promise((resolve) => setTimeout(resolve, WARM_UP_CLOSE_WAIT_MS).unref()),
        ]);
        await tracking.dispose();
        httpServer.closeAllConnections();
        await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      })();
      return closed;
    },
  };
}
