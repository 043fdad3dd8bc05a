/**
 * `npm start`: builds what is missing (hand models, the studio), then runs the engine and the
 * studio together on embedded defaults and prints where to open them. Ctrl+C stops both.
 *
 * Env: PORT (studio, default 3000), ENGINE_PORT (engine, default 3001), HOST (default
 * 127.0.0.1; 0.0.0.0 to serve your network — then configure ICE, see README).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';

const root = path.resolve(import.meta.dirname, '..');
const studioPort = Number(process.env.PORT ?? 3000);
const enginePort = Number(process.env.ENGINE_PORT ?? 3001);
const host = process.env.HOST ?? '127.0.0.1';
const browserHost = host === '0.0.0.0' ? 'localhost' : host === '127.0.0.1' ? 'localhost' : host;
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; name: string },
): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1', ...options.env },
    stdio: 'inherit',
  });
  child.on('error', (error) => console.error(`start: could not run ${options.name}: ${error.message}`));
  return child;
}

function exited(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

// 1. Build what is not built yet. Turbo caches, so this is instant after the first time.
const needsBuild = !existsSync(path.join(root, 'apps/web/.next/BUILD_ID'));
console.log(
  needsBuild
    ? 'start: first run — converting the hand models and building the studio (about 1–2 minutes)…'
    : 'start: checking builds…',
);
const build = run(bin('turbo'), ['run', 'build', '--output-logs=errors-only'], { name: 'turbo build' });
const buildCode = await exited(build);
if (buildCode !== 0) {
  console.error(
    'start: the build failed (see above). Fix the error, or run `npm run build` to see every step.',
  );
  process.exit(buildCode);
}

// 2. The engine and the studio, side by side.
const engineUrl = `http://${browserHost}:${enginePort}`;
const engine = run(process.execPath, ['--no-node-snapshot', 'apps/engine/src/main.ts'], {
  name: 'the engine',
  env: { ENGINE_PORT: String(enginePort), HOST: host },
});
const studio = run(bin('next'), ['start', '--port', String(studioPort), '--hostname', host], {
  cwd: path.join(root, 'apps/web'),
  name: 'the studio',
  env: { BAMBAM_ENGINE_URL: process.env.BAMBAM_ENGINE_URL ?? engineUrl, PORT: String(studioPort) },
});

setTimeout(() => {
  console.log(
    `\n  Bam Bam is running.\n  Studio:  http://${browserHost}:${studioPort}/play  (allow the camera, then move a hand down)\n` +
      `  Editor:  http://${browserHost}:${studioPort}/edit\n  Engine:  ${engineUrl}  (metrics at ${engineUrl}/metrics)\n  Ctrl+C stops both.\n`,
  );
}, 1500).unref();

let stopping = false;
function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  for (const child of [engine, studio]) if (child.exitCode === null) child.kill(signal);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

// If either dies, stop the other and report which.
const engineExit = exited(engine);
const studioExit = exited(studio);
const first = await Promise.race([
  engineExit.then((code) => `engine exited with code ${code}`),
  studioExit.then((code) => `studio exited with code ${code}`),
]);
if (!stopping) console.error(`start: the ${first}; stopping.`);
stop('SIGTERM');
await Promise.all([engineExit, studioExit]);
