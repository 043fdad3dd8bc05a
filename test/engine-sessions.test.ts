/**
 * Several sessions against one real engine, from the load generator (werift peers replaying
 * the fixture clip pre-encoded to VP8): sessions are independent, and everything of a session
 * is released when its client leaves (the engine's `bambam_sessions` gauge returns to 0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { io } from 'socket.io-client';
import { type RunningEngine, startEngine } from './lib/engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from './lib/fixtures.ts';
import { LoadPeer } from './lib/loadgen/load-peer.ts';
import { type EncodedClip, encodeClipVp8 } from './lib/loadgen/vp8-clip.ts';
import { metricValue, parseMetrics } from './lib/prometheus.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 200 ms until it returns true; fails with `describe()` after `timeoutMs`. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await delay(200);
  }
}

describe('engine sessions (werift load generator)', { timeout: 180_000 }, () => {
  const clipPath = fixturePath(FOUR_STROKES_CLIP);
  let engine: RunningEngine | undefined;
  let clip: EncodedClip | undefined;
  let setupError: Error | undefined;
  let failed = false;
  const peers: LoadPeer[] = [];

  before(
    async () => {
      if (!clipPath) return;
      try {
        clip = await encodeClipVp8(clipPath);
        engine = await startEngine();
      } catch (error) {
        setupError = error as Error;
      }
    },
    { timeout: 150_000 },
  );

  after(async () => {
    await Promise.all(peers.map((p) => p.dispose()));
    if ((failed || setupError) && engine) {
      process.stderr.write(`\n--- engine output (tail) ---\n${engine.output().slice(-6000)}\n`);
    }
    await engine?.dispose();
  });

  function ready(t: TestContext): { engine: RunningEngine; clip: EncodedClip } | undefined {
    if (!clipPath) {
      t.skip(`fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`);
      return undefined;
    }
    if (setupError || !engine || !clip) {
      failed = true;
      throw new Error(`setup failed: ${setupError?.message}`);
    }
    return { engine, clip };
  }

  const sessions = async (e: RunningEngine) =>
    metricValue(parseMetrics(await e.metrics()), 'bambam_sessions');

  it('runs two sessions side by side, and one leaving does not disturb the other', async (t) => {
    const env = ready(t);
    if (!env) return;
    try {
      const [a, b] = await Promise.all([
        LoadPeer.connect({ engineUrl: env.engine.url, clip: env.clip, timeoutMs: 30_000 }),
        LoadPeer.connect({ engineUrl: env.engine.url, clip: env.clip, timeoutMs: 30_000 }),
      ]);
      peers.push(a, b);
      assert.notEqual(a.sessionId, b.sessionId);
      assert.equal(await sessions(env.engine), 2);
      const withHands = (p: LoadPeer) => p.telemetry.filter((m) => m.hands.length > 0).length;
      await until(
        () => withHands(a) >= 10 && withHands(b) >= 10 && a.audioPackets >= 50 && b.audioPackets >= 50,
        60_000,
        () =>
          `a: ${withHands(a)} frames with a hand, ${a.audioPackets} audio packets; ` +
          `b: ${withHands(b)} frames with a hand, ${b.audioPackets} audio packets`,
      );

      await a.dispose();
      const telemetryB = b.telemetry.length;
      const audioB = b.audioPackets;
      await delay(3000);
      assert.ok(
        b.telemetry.length > telemetryB + 5,
        `b got ${b.telemetry.length - telemetryB} telemetry in 3 s`,
      );
      // 3 s of 20 ms frames is 150; allow for a loaded machine, but the stream must not stop.
      assert.ok(b.audioPackets - audioB >= 75, `b got ${b.audioPackets - audioB} audio packets in 3 s`);
      await until(
        async () => (await sessions(env.engine)) === 1,
        10_000,
        () => 'the engine still counts the session that left',
      );
      await b.dispose();
      await until(
        async () => (await sessions(env.engine)) === 0,
        10_000,
        () => 'sessions remain open after every client left',
      );
      assert.ok(env.engine.alive);
    } catch (error) {
      failed = true;
      throw error;
    }
  });

  it('releases a session whose client connects and leaves without ever offering media', async (t) => {
    const env = ready(t);
    if (!env) return;
    try {
      const socket = io(env.engine.url, { transports: ['websocket'], reconnection: false, forceNew: true });
      const ready = await new Promise<{ sessionId: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no session:ready within 10 s')), 10_000);
        socket.once('session:ready', (r: { sessionId: string }) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      assert.match(ready.sessionId, /\S/);
      assert.equal(await sessions(env.engine), 1);
      socket.disconnect();
      await until(
        async () => (await sessions(env.engine)) === 0,
        10_000,
        () => 'the session of a disconnected socket is still open',
      );
    } catch (error) {
      failed = true;
      throw error;
    }
  });
});
