/**
 * `node --no-node-snapshot --max-semi-space-size=8 src/main.ts` (`npm start -w @bambam/engine`; flags: node-flags.ts): runs the engine on
 * embedded defaults overridable from the environment (see config.ts), prints where it
 * listens, and shuts down gracefully on SIGINT/SIGTERM.
 */
import os from 'node:os';
import { ConfigError, configFromEnv } from './config.ts';
import { createEngine } from './engine.ts';
import { ENGINE_NODE_FLAGS, missingNodeFlags } from './node-flags.ts';
import {
  createRegistryService,
  describeDatabaseUrl,
  OidcSettingsError,
  oidcSettingsFromEnv,
  SourceLimitsError,
  sourceLimitsFromEnv,
} from './registry/index.ts';

const missingFlags = missingNodeFlags();
if (missingFlags.length > 0)
  console.warn(
    `engine: started without ${missingFlags.join(' ')}; run it as \`node ${ENGINE_NODE_FLAGS.join(' ')} apps/engine/src/main.ts\` ` +
      '(npm start does): plugins may not load, and memory and GC pauses grow (see src/node-flags.ts)',
  );

let config: ReturnType<typeof configFromEnv>;
let sourceLimits: ReturnType<typeof sourceLimitsFromEnv>;
let signIn: ReturnType<typeof oidcSettingsFromEnv>;
try {
  config = configFromEnv();
  sourceLimits = sourceLimitsFromEnv();
  signIn = oidcSettingsFromEnv();
} catch (error) {
  if (
    error instanceof ConfigError ||
    error instanceof SourceLimitsError ||
    error instanceof OidcSettingsError
  ) {
    console.error(`engine: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

// Optional: raise the main thread's priority (negative niceness; needs CAP_SYS_NICE). The audio
// clock and RTP run on it; the tracker worker keeps the default, so under CPU pressure video
// tracking yields to audio. Measured with Chromium on a loaded 2-core machine: fewer skipped
// audio frames, not none.
if (process.env.BAMBAM_NICE) {
  const nice = Number(process.env.BAMBAM_NICE);
  try {
    if (!Number.isInteger(nice) || nice < -20 || nice > 19)
      throw new Error('must be an integer in [-20, 19]');
    os.setPriority(nice);
  } catch (error) {
    console.error(`engine: BAMBAM_NICE=${process.env.BAMBAM_NICE} ignored: ${(error as Error).message}`);
  }
}

// Programming errors that escaped every handler: log them loudly but keep serving the other
// sessions (the issue: the process never dies of one session's problem).
let escaped = 0;
process.on('unhandledRejection', (reason) => {
  escaped++;
  console.error(`engine: unhandled rejection #${escaped}:`, reason);
});

// Plugins from the npm registry (BAMBAM_NPM_REGISTRY) and saved sources (/api/plugins, /api/sources).
// Saved sources on PostgreSQL when BAMBAM_DATABASE_URL is set (unreachable: exit 2 with the reason),
// per browser, or per signed-in user when BAMBAM_OIDC_ISSUER is set (unreadable provider: exit 2).
const registry = await createRegistryService({
  dataDir: config.dataDir,
  databaseUrl: config.databaseUrl,
  sourceLimits,
  signIn,
}).catch((error: Error) => {
  console.error(`engine: ${error.message}`);
  process.exit(2);
});
const engine = await createEngine(config, { routes: registry.routes, catalogs: registry.catalogs }).catch(
  (error: Error) => {
    console.error(`engine: could not start on ${config.host}:${config.port}: ${error.message}`);
    process.exit(1);
  },
);
registry.metrics.registerOn(engine.metrics.registry);
console.log(`engine: listening on ${engine.url} (socket.io signaling, metrics at ${engine.url}/metrics)`);
console.log(`engine: ${engine.admission.describe()}`);
console.log(`engine: plugins from the npm registry at ${registry.npm.registry}`);
console.log(
  `engine: saved sources ${signIn ? `per signed-in user (OpenID provider ${signIn.issuer})` : 'per browser (workspace cookie)'}, at most ${sourceLimits.maxSourcesPerWorkspace} per workspace of ${sourceLimits.maxSourceChars} characters each`,
);
console.log(
  `engine: saved sources in ${config.databaseUrl ? `PostgreSQL at ${describeDatabaseUrl(config.databaseUrl)}` : `SQLite under ${config.dataDir}`}`,
);

let stopping = false;
let draining = false;
/** SIGTERM (a deployment's stop): drain first, so players finish or move to another engine. */
async function drainThenShutdown(): Promise<void> {
  if (stopping || draining) return;
  draining = true;
  const seconds = config.drainGraceMs / 1000;
  console.log(
    `engine: SIGTERM, draining: no new players, ${engine.sessionCount} playing get up to ${seconds} s (BAMBAM_DRAIN_GRACE_MS)…`,
  );
  await engine.drain(config.drainGraceMs);
  await shutdown('drained');
}
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`engine: ${signal}, closing ${engine.sessionCount} session(s)…`);
  const force = setTimeout(() => {
    console.error('engine: shutdown took over 5 s, exiting');
    process.exit(1);
  }, 5000);
  force.unref();
  await engine.close();
  await registry.dispose();
  console.log('engine: stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
// Started with an IPC channel (the tests' startEngine): stop when the parent is gone, so a
// killed test run or bench never leaves an engine playing on its own.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => void shutdown('parent gone'));
}
// A second SIGTERM, or SIGINT (Ctrl+C), stops at once.
process.on('SIGTERM', () => void (draining ? shutdown('SIGTERM') : drainThenShutdown()));
