/**
 * Limits per client against a real engine (in process: real socket.io clients, real sessions
 * with bam-drum): concurrent sessions per address, sessions per minute, messages per second
 * per connection and idle sessions; each refusal is a structured `session:error` / ack error
 * and counted in `/metrics` (`bambam_limited_total{kind}`). Clients are told apart by
 * `X-Forwarded-For`, believed because the test connects from loopback (a trusted proxy by
 * default); a header from an untrusted address is ignored (unit tests below).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ClientEvent, ServerEvent, type SessionReady } from '@bambam/protocol';
import { io, type Socket } from 'socket.io-client';
import { DEFAULT_CONFIG } from '../config.ts';
import { createEngine, type Engine } from '../engine.ts';
import { clientAddress } from './client-address.ts';
import { ClientLimiter } from './client-limiter.ts';
import { clientLimitsFromEnv, DEFAULT_CLIENT_LIMITS, proxyList } from './limits.ts';
import { TokenBucket } from './token-bucket.ts';

const engines: Engine[] = [];
const sockets: Socket[] = [];

after(async () => {
  for (const socket of sockets) socket.disconnect();
  await Promise.all(engines.map((e) => e.close()));
});

async function engineWith(limits: Partial<typeof DEFAULT_CLIENT_LIMITS>): Promise<Engine> {
  const engine = await createEngine(
    { port: 0, maxSessions: 8, clientLimits: { ...DEFAULT_CONFIG.clientLimits, ...limits } },
    { processMetrics: false },
  );
  engines.push(engine);
  return engine;
}

function open(engine: Engine, client: string): Socket {
  const socket = io(engine.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { 'X-Forwarded-For': client },
  });
  sockets.push(socket);
  return socket;
}

type Outcome = { ready: SessionReady } | { error: { code: string; message: string }; disconnect: string };

/** The socket's `session:ready`, or its `session:error` and the disconnect that follows. */
function outcome(socket: Socket, timeoutMs = 20_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no outcome in ${timeoutMs} ms`)), timeoutMs);
    socket.once(ServerEvent.Ready, (ready: SessionReady) => {
      clearTimeout(timer);
      resolve({ ready });
    });
    socket.once(ServerEvent.Error, (error: { code: string; message: string }) => {
      socket.once('disconnect', (reason) => {
        clearTimeout(timer);
        resolve({ error, disconnect: reason });
      });
    });
  });
}

async function limited(engine: Engine, kind: string): Promise<number> {
  const text = await engine.metrics.text();
  const line = text.split('\n').find((l) => l.startsWith(`bambam_limited_total{kind="${kind}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('with a real engine', () => {
  test('concurrent sessions per client: the third of one address is refused, another address is not', async () => {
    const engine = await engineWith({ concurrentSessions: 2 });
    const a1 = await outcome(open(engine, '203.0.113.1'));
    const a2 = await outcome(open(engine, '203.0.113.1'));
    assert.ok('ready' in a1 && 'ready' in a2);
    const a3 = await outcome(open(engine, '203.0.113.1'));
    assert.ok('error' in a3, 'a third session of one client was admitted');
    assert.equal(a3.error.code, 'too-many-sessions');
    assert.match(a3.error.message, /limit is 2/);
    assert.equal(a3.disconnect, 'io server disconnect');
    const b1 = await outcome(open(engine, '203.0.113.2'));
    assert.ok('ready' in b1, 'another client was refused');
    assert.equal(await limited(engine, 'concurrent_sessions'), 1);
    assert.equal(engine.sessionCount, 3);
  });

  test('a seat comes back when the client leaves', async () => {
    const engine = await engineWith({ concurrentSessions: 1 });
    const first = open(engine, '198.51.100.7');
    assert.ok('ready' in (await outcome(first)));
    const gone = new Promise((resolve) => first.once('disconnect', resolve));
    first.disconnect();
    await gone;
    while (engine.sessionCount > 0) await new Promise((r) => setTimeout(r, 20));
    assert.ok('ready' in (await outcome(open(engine, '198.51.100.7'))), 'the freed seat was not given back');
  });

  test('sessions per minute: the fourth of one minute is refused with rate-limited', async () => {
    const engine = await engineWith({ sessionsPerMinute: 3, concurrentSessions: 10 });
    for (let i = 0; i < 3; i++) {
      const socket = open(engine, '192.0.2.9');
      assert.ok('ready' in (await outcome(socket)));
      socket.disconnect();
    }
    const fourth = await outcome(open(engine, '192.0.2.9'));
    assert.ok('error' in fourth, 'a fourth session in a minute was admitted');
    assert.equal(fourth.error.code, 'rate-limited');
    assert.match(fourth.error.message, /3 per minute/);
    assert.equal(await limited(engine, 'sessions_per_minute'), 1);
  });

  test('messages per second: a flood gets rate-limited acks and changes nothing; the session lives on', async () => {
    const engine = await engineWith({ messagesPerSecond: 5, messageBurst: 10 });
    const socket = open(engine, '192.0.2.77');
    const ready = await outcome(socket);
    assert.ok('ready' in ready);
    const acks = await Promise.all(
      Array.from({ length: 40 }, () =>
        socket.timeout(10_000).emitWithAck(ClientEvent.SetLatency, { compensationMs: 5 }),
      ),
    );
    const refused = acks.filter((a) => a.ok === false && a.error.code === 'rate-limited');
    const served = acks.filter((a) => a.ok === true);
    assert.ok(served.length >= 10 && served.length < 40, `served ${served.length} of 40`);
    assert.equal(refused.length, 40 - served.length);
    assert.match(refused[0].error.message, /5 per second/);
    assert.equal(await limited(engine, 'messages'), refused.length);
    // The bucket refills: a moment later the same connection is served again.
    await new Promise((r) => setTimeout(r, 400));
    const again = await socket.timeout(10_000).emitWithAck(ClientEvent.SetLatency, { compensationMs: 7 });
    assert.deepEqual(again, { ok: true, compensationMs: 7 });
    assert.ok(socket.connected);
  });

  test('an idle session (no video) is closed with idle-timeout and its seat freed', async () => {
    const engine = await engineWith({ idleTimeoutMs: 1500 });
    const socket = open(engine, '192.0.2.200');
    assert.ok('ready' in (await outcome(socket)));
    assert.equal(engine.admission.sessions, 1);
    const closed = await outcome(socket, 15_000);
    assert.ok('error' in closed);
    assert.equal(closed.error.code, 'idle-timeout');
    assert.match(closed.error.message, /without video or messages/);
    assert.equal(await limited(engine, 'idle'), 1);
    while (engine.admission.sessions > 0) await new Promise((r) => setTimeout(r, 20));
    assert.equal(engine.sessionCount, 0);
  });

  test('messages are activity: an editor working without a camera keeps its session', async () => {
    const engine = await engineWith({ idleTimeoutMs: 1500 });
    const socket = open(engine, '192.0.2.201');
    assert.ok('ready' in (await outcome(socket)));
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const ack = await socket.timeout(10_000).emitWithAck(ClientEvent.SetLatency, { compensationMs: i });
      assert.deepEqual(ack, { ok: true, compensationMs: i });
    }
    assert.ok(socket.connected, 'still connected after 4 s of messages with a 1.5 s idle timeout');
    assert.equal(await limited(engine, 'idle'), 0);
  });
});

describe('the pieces', () => {
  const proxies = proxyList(DEFAULT_CLIENT_LIMITS.trustedProxies);

  test('X-Forwarded-For is believed from a trusted proxy only, read from the right', () => {
    assert.equal(clientAddress('::ffff:127.0.0.1', '203.0.113.5', proxies), '203.0.113.5');
    assert.equal(clientAddress('127.0.0.1', undefined, proxies), '127.0.0.1');
    // Untrusted peer: its header is its own invention.
    assert.equal(clientAddress('198.51.100.1', '203.0.113.5', proxies), '198.51.100.1');
    // A client that writes its own header cannot hide behind it: the proxy's appended hop counts.
    assert.equal(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.5', proxies), '203.0.113.5');
    assert.equal(clientAddress('127.0.0.1', '203.0.113.5, 127.0.0.1', proxies), '203.0.113.5');
    assert.equal(clientAddress('127.0.0.1', 'garbage', proxies), '127.0.0.1');
    assert.equal(clientAddress('::1', ['10.0.0.1', '203.0.113.9'], proxies), '203.0.113.9');
  });

  test('the limiter forgets clients with nothing open and nothing recent', () => {
    let now = 0;
    const limiter = new ClientLimiter({ sessionsPerMinute: 2, concurrentSessions: 1 }, () => now);
    const a = limiter.open('a');
    assert.ok('lease' in a);
    assert.ok('refusal' in limiter.open('a'));
    a.lease.release();
    a.lease.release(); // idempotent
    assert.ok('lease' in limiter.open('a'));
    now = 61_000;
    const b = limiter.open('b');
    assert.ok('lease' in b);
    b.lease.release();
    assert.equal(limiter.trackedClients, 2); // a still holds its second lease
    now = 200_000;
    limiter.open('c');
    assert.equal(limiter.trackedClients, 2);
  });

  test('the token bucket refills at its rate up to its burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now = 100;
    assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
    now = 10_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  });

  test('settings from the environment, with the variable named on a bad value', () => {
    const limits = clientLimitsFromEnv({
      BAMBAM_CLIENT_SESSIONS_PER_MINUTE: '5',
      BAMBAM_CLIENT_MAX_SESSIONS: '2',
      BAMBAM_MESSAGES_PER_SECOND: '7',
      BAMBAM_IDLE_TIMEOUT_S: '0',
      BAMBAM_TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.5',
    });
    assert.deepEqual(limits, {
      ...DEFAULT_CLIENT_LIMITS,
      sessionsPerMinute: 5,
      concurrentSessions: 2,
      messagesPerSecond: 7,
      idleTimeoutMs: 0,
      trustedProxies: ['10.0.0.0/8', '192.168.1.5'],
    });
    assert.deepEqual(clientLimitsFromEnv({ BAMBAM_TRUSTED_PROXIES: 'none' }).trustedProxies, []);
    assert.throws(
      () => clientLimitsFromEnv({ BAMBAM_CLIENT_MAX_SESSIONS: 'lots' }),
      /BAMBAM_CLIENT_MAX_SESSIONS/,
    );
    assert.throws(() => clientLimitsFromEnv({ BAMBAM_TRUSTED_PROXIES: 'proxy.example' }), /not an IP/);
    assert.throws(() => clientLimitsFromEnv({ BAMBAM_TRUSTED_PROXIES: '10.0.0.0/99' }), /prefix/);
  });
});
