/**
 * socket.io signaling attacked as a web page of another site would: a real engine, real
 * socket.io-client connections (WebSocket and polling) and raw WebSocket upgrades with forged
 * Origin and Host headers. A refused handshake must never create a session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ServerEvent, type SessionReady } from '@bambam/protocol';
import { io } from 'socket.io-client';
import { createEngine, type Engine } from '../engine.ts';
import { ExampleCatalog } from '../instrument/catalog.ts';
import { RequestError } from '../session/errors.ts';
import { Session } from '../session/session.ts';

const FOREIGN_ORIGINS = [
  'http://evil.example',
  'null',
  'http://localhost:3000.evil.example',
  'http://localhost:3001',
  'https://localhost:3000',
];
const FOREIGN_HOSTS = ['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io'];
const STUDIO = 'http://localhost:3000';
const TIMEOUT_MS = 15_000;

let engine: Engine;

before(async () => {
  engine = await createEngine({ port: 0 }, { processMetrics: false });
});

after(async () => {
  await engine.close();
});

type Outcome = { ready: SessionReady } | { refused: string };

/** Connects a socket.io client with these headers; settles on `session:ready` or `connect_error`. */
function connect(headers: Record<string, string>, transport: 'websocket' | 'polling'): Promise<Outcome> {
  const socket = io(engine.url, {
    transports: [transport],
    extraHeaders: headers,
    reconnection: false,
    forceNew: true,
    timeout: TIMEOUT_MS,
  });
  return new Promise<Outcome>((resolve) => {
    socket.once(ServerEvent.Ready, (ready: SessionReady) => resolve({ ready }));
    socket.once('connect_error', (error: Error) => resolve({ refused: error.message }));
  }).finally(() => socket.close());
}

/** A WebSocket upgrade written by hand: the status line the engine answered. */
function rawUpgrade(headers: Record<string, string>, query = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: engine.port,
      path: `/socket.io/?EIO=4&transport=websocket${query}`,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A long-polling request with these headers: status and body. */
function poll(headers: Record<string, string>, query = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: engine.port, path: `/socket.io/?EIO=4&transport=polling${query}`, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function sessionsTotal(): Promise<number> {
  const text = await engine.metrics.text();
  return Number(/^bambam_sessions_total (\d+)/m.exec(text)?.[1]);
}

async function pluginErrors(): Promise<number> {
  const text = await engine.metrics.text();
  return Number(/^bambam_errors_total\{kind="plugin"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

describe('a page of another origin, or for another host name', () => {
  test('gets connect_error and never a session over WebSocket or polling', async () => {
    const attempts: Record<string, string>[] = [
      ...FOREIGN_ORIGINS.map((origin) => ({ origin })),
      ...FOREIGN_HOSTS.map((host) => ({ host })),
      ...FOREIGN_HOSTS.map((host) => ({ host, origin: `http://${host}` })),
      { host: 'evil.example', origin: STUDIO },
    ];
    for (const headers of attempts) {
      // socket.io-client's Node polling (xmlhttprequest-ssl) drops a Host header: raw polls below cover it.
      const transports = headers.host ? (['websocket'] as const) : (['websocket', 'polling'] as const);
      for (const transport of transports) {
        const outcome = await connect(headers, transport);
        assert.ok('refused' in outcome, `${transport} ${JSON.stringify(headers)} got a session`);
      }
    }
    assert.equal(engine.sessionCount, 0);
    assert.equal(await sessionsTotal(), 0, 'no session was ever created');
  });

  test('a raw WebSocket upgrade with forged headers is refused before it is a WebSocket', async () => {
    assert.equal(await rawUpgrade({}), 101, 'the same upgrade without Origin (a Node client) is accepted');
    for (const origin of FOREIGN_ORIGINS) assert.equal(await rawUpgrade({ origin }), 400, origin);
    for (const host of FOREIGN_HOSTS) {
      assert.equal(await rawUpgrade({ host }), 400, host);
      assert.equal(await rawUpgrade({ host, origin: `http://${host}:${engine.port}` }), 400, host);
    }
    assert.equal(await sessionsTotal(), 0);
  });

  test('polling: the handshake is 403; a stolen session id does not let a foreign page in later', async () => {
    for (const origin of FOREIGN_ORIGINS) assert.equal((await poll({ origin })).status, 403, origin);
    for (const host of FOREIGN_HOSTS) assert.equal((await poll({ host })).status, 403, host);
    // An engine.io connection opened without Origin, then used from a foreign page.
    const open = await poll({});
    assert.equal(open.status, 200, open.text);
    const sid = /"sid":"([^"]+)"/.exec(open.text)?.[1];
    assert.ok(sid);
    const later = await poll({ origin: 'http://evil.example' }, `&sid=${sid}`);
    assert.equal(later.status, 400, later.text);
    assert.equal(await rawUpgrade({ origin: 'http://evil.example' }, `&sid=${sid}`), 400);
    assert.equal(await rawUpgrade({ host: 'evil.example' }, `&sid=${sid}`), 400);
    assert.equal(await sessionsTotal(), 0);
  });
});

describe('allowed clients', () => {
  test('the studio origin and clients without Origin get a session, over WebSocket and polling', async () => {
    const allowed: Record<string, string>[] = [
      { origin: STUDIO },
      { origin: 'http://127.0.0.1:3000' },
      {},
      { host: `localhost:${engine.port}` },
    ];
    for (const headers of allowed) {
      for (const transport of ['websocket', 'polling'] as const) {
        const outcome = await connect(headers, transport);
        assert.ok('ready' in outcome, `${transport} ${JSON.stringify(headers)}: ${JSON.stringify(outcome)}`);
        assert.equal(outcome.ready.plugin.name, 'bam-drum');
      }
    }
    const poll = await fetch(`${engine.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: STUDIO },
    });
    assert.equal(poll.headers.get('access-control-allow-origin'), STUDIO);
  });
});

describe('a client that leaves while its default plugin loads', () => {
  test('a session disposed while loading fails as closed, not as a plugin error', async () => {
    const session = new Session({
      id: 'early',
      config: engine.config,
      metrics: engine.metrics,
      catalogs: [new ExampleCatalog()],
      tracking: engine.tracking,
      events: { telemetry: () => {}, console: () => {}, pluginChanged: () => {}, error: () => {} },
    });
    const init = session.init();
    await new Promise((resolve) => setImmediate(resolve));
    await session.dispose();
    await assert.rejects(
      init,
      (error: unknown) => error instanceof RequestError && /closed/.test(error.message),
    );
    assert.equal(session.closed, true);
  });

  test('counts no plugin error and logs nothing', async (t) => {
    await engine.signaling.settled();
    const errorsBefore = await pluginErrors();
    const logged = t.mock.method(console, 'error');
    for (let i = 0; i < 5; i++) {
      const socket = io(engine.url, { transports: ['websocket'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => {
          socket.disconnect();
          resolve();
        });
        socket.once('connect_error', reject);
      });
    }
    for (let i = 0; i < 250 && engine.sessionCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(engine.sessionCount, 0);
    await engine.signaling.settled();
    assert.equal(await pluginErrors(), errorsBefore);
    const lines = logged.mock.calls.map((call) => call.arguments.map(String).join(' '));
    assert.deepEqual(
      lines.filter((line) => /default plugin|disposed while loading/.test(line)),
      [],
    );
  });
});
