/**
 * The Node flags the engine process runs with; every launcher passes them (scripts/start.ts,
 * the tests' startEngine, package.json, deploy/), and main.ts says which are missing.
 * - `--no-node-snapshot`: isolated-vm (the plugin sandbox) needs it on Node 20+.
 * - `--max-semi-space-size=8`: V8 sizes the young generation from the machine's memory (up to
 *   64 MB on a 24 GB box) and keeps it once grown; the engine's per-packet garbage grew it step
 *   by step over a long night (the soak's RSS climbed ~50 MB per 10 minutes, old space flat) and
 *   each scavenge of the big one held the event loop ~7 ms. 8 MB semi-spaces keep it at 16 MB
 *   and scavenges short.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = Object.freeze([
  '--no-node-snapshot',
  '--max-semi-space-size=8',
]);

/**
 * The flags of {@link ENGINE_NODE_FLAGS} (by name: any value counts) this process was given
 * neither on its command line nor in NODE_OPTIONS.
 */
export function missingNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env.NODE_OPTIONS ?? '',
): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map((arg) => arg.split('=')[0]));
  return ENGINE_NODE_FLAGS.filter((flag) => !given.has(flag.split('=')[0]));
}
