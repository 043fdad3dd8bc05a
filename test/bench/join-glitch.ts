/**
 * `node --no-node-snapshot test/bench/join-glitch.ts`: does a joining player stall the audio of
 * those already playing? One player connects (WebRTC, audio clock running), then 10 more join
 * one after another (socket.io, default plugin, offer/answer, ICE, DTLS). Meanwhile a 20 ms
 * absolute-deadline probe clock on the engine's event loop (the audio clock's own pacing: a
 * setTimeout to the next deadline) records how late each tick fires: the lateness the playing
 * session's audio clock sees. Printed for a quiet window before the joins and for the joins,
 * and the event-loop time spent in the DTLS X25519 key exchange per join.
 *
 * Runs alternate werift's pure-JS X25519 (`BAMBAM_NATIVE_X25519=0`) and the native swap
 * (`transport/native-x25519.ts`), interleaved: `BENCH_ROUNDS` rounds of each (default 2),
 * `BENCH_JOINS` joiners (default 10), each playing a second and leaving unless `BENCH_KEEP=1`
 * (then all stay: on 2 cores, 11 players are over capacity and the lateness is that load). The engine runs in a child process of this script and the
 * joining peers in another, so their own WebRTC work is not on the engine's loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
/** `BENCH_KEEP=1`: every joiner stays (11 players at the end: over a 2-core machine's capacity). */
const KEEP = process.env.BENCH_KEEP === '1';
const FRAME_MS = 20;

function pct(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      onLine(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
      i = buffer.indexOf('\n');
    }
  });
}

/** Child: the joining peers (werift), one player then `joins` more, one after another. */
async function joiner(url: string, joins: number): Promise<void> {
  const { TestClient } = await import('../../apps/engine/src/testing/werift-client.ts');
  const clients: InstanceType<typeof TestClient>[] = [];
  const join = async () => {
    const client = new TestClient({ url });
    await client.whenReady();
    const ack = await client.connect();
    if (!ack.ok) throw new Error(`offer refused: ${JSON.stringify(ack)}`);
    await client.connected(20_000);
    clients.push(client);
  };
  await join();
  console.log('playing');
  await new Promise((r) => setTimeout(r, 3000));
  console.log('joins');
  for (let i = 0; i < joins; i++) {
    const started = performance.now();
    await join();
    console.log(`joined ${i + 1} ${(performance.now() - started).toFixed(0)}`);
    if (!KEEP) {
      // Plays a second, then leaves: the players at once stay within the machine's capacity,
      // so what is measured is the joining, not an engine over capacity.
      await new Promise((r) => setTimeout(r, 1000));
      await clients.pop()!.close();
    }
  }
  console.log('done');
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all(clients.map((c) => c.close()));
  process.exit(0);
}

/** Child: the engine, the probe clock, and timing of the X25519 calls on its loop. */
async function engineSide(joins: number): Promise<void> {
  const { createEngine } = await import('../../apps/engine/src/engine.ts');
  const { DEFAULT_CONFIG } = await import('../../apps/engine/src/config.ts');
  const engine = await createEngine(
    {
      port: 0,
      maxSessions: joins + 2,
      clientLimits: { ...DEFAULT_CONFIG.clientLimits, concurrentSessions: joins + 2, idleTimeoutMs: 0 },
    },
    { processMetrics: false },
  );
  await engine.warmed;
  // Time spent in the curve functions werift calls (whichever implementation is installed).
  const nacl = createRequire(import.meta.resolve('werift'))('tweetnacl');
  let curveMs = 0;
  let curveCalls = 0;
  const timed = <F extends (...a: never[]) => unknown>(f: F): F =>
    Object.assign((...args: Parameters<F>) => {
      const t0 = performance.now();
      try {
        return f(...args);
      } finally {
        curveMs += performance.now() - t0;
        curveCalls++;
      }
    }, f) as unknown as F;
  nacl.box.keyPair = timed(nacl.box.keyPair);
  nacl.scalarMult = timed(nacl.scalarMult);

  const ticks: { at: number; lateMs: number }[] = [];
  const start = performance.now();
  let n = 1;
  let running = true;
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    const deadline = start + n * FRAME_MS;
    ticks.push({ at: now, lateMs: Math.max(0, now - deadline) });
    while (start + n * FRAME_MS <= now) n++;
    setTimeout(tick, Math.max(0, start + n * FRAME_MS - performance.now()));
  };
  setTimeout(tick, FRAME_MS);

  const marks: Record<string, number> = {};
  let curveAtJoins = 0;
  const child = spawn(process.execPath, ['--no-node-snapshot', SELF, '--join', engine.url, String(joins)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  lines(child, (line) => {
    const word = line.split(' ')[0]!;
    marks[word] ??= performance.now();
    if (word === 'joins') curveAtJoins = curveMs;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  running = false;
  if (code !== 0 || marks.done === undefined) throw new Error(`joiner failed (exit ${code})`);
  const window = (from: number, to: number) =>
    ticks.filter((t) => t.at >= from && t.at <= to).map((t) => t.lateMs);
  const quiet = window(marks.playing! + 500, marks.joins!);
  const joining = window(marks.joins!, marks.done!);
  console.log(
    JSON.stringify({
      quietP99: pct(quiet, 99),
      joinP50: pct(joining, 50),
      joinP99: pct(joining, 99),
      joinMax: Math.max(...joining),
      over5: joining.filter((v) => v > 5).length,
      ticks: joining.length,
      curveMsPerJoin: (curveMs - curveAtJoins) / joins,
      curveCalls,
      joinSeconds: (marks.done! - marks.joins!) / 1000,
    }),
  );
  await engine.close();
  process.exit(0);
}

async function main(): Promise<void> {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
  const joins = Number(process.env.BENCH_JOINS ?? 10);
  const results: Record<string, Record<string, number>[]> = { js: [], native: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['js', 'native'] as const) {
      const child = spawn(process.execPath, ['--no-node-snapshot', SELF, '--engine', String(joins)], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BAMBAM_NATIVE_X25519: mode === 'js' ? '0' : '1' },
      });
      let result: Record<string, number> | undefined;
      lines(child, (line) => {
        if (line.startsWith('{')) result = JSON.parse(line);
      });
      await new Promise((resolve) => child.once('exit', resolve));
      if (!result) throw new Error(`round ${round} ${mode}: no result`);
      results[mode]!.push(result);
      const r = result;
      console.log(
        `${mode.padEnd(6)} round ${round + 1}: audio-clock lateness while ${joins} join${KEEP ? ' and stay' : ' (one at a time)'}: p50 ${r.joinP50!.toFixed(2)} ms, p99 ${r.joinP99!.toFixed(2)} ms, max ${r.joinMax!.toFixed(1)} ms, ticks > 5 ms late ${r.over5}/${r.ticks} (quiet p99 ${r.quietP99!.toFixed(2)} ms); X25519 on the loop ${r.curveMsPerJoin!.toFixed(2)} ms per join (${r.curveCalls} calls); joins took ${r.joinSeconds!.toFixed(1)} s`,
      );
    }
  }
}

const [mode, a, b] = process.argv.slice(2);
if (mode === '--join') await joiner(a!, Number(b));
else if (mode === '--engine') await engineSide(Number(a));
else await main();
