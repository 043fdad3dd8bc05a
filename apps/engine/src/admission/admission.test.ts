/**
 * Admission against a real engine (in process: real socket.io, real sessions with bam-drum):
 * with one seat, a second player is refused with `engine-full` before any session exists, and
 * is admitted when it tries again after the first left; /api/health follows (200 ready, 503
 * full).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ServerEvent, type SessionReady } from '@bambam/protocol';
import { io, type Socket } from 'socket.io-client';
import { createEngine, type Engine } from '../engine.ts';
import { Admission } from './admission.ts';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let engine: Engine;
const sockets: Socket[] = [];

before(async () => {
  engine = await createEngine({ port: 0, maxSessions: 1 }, { processMetrics: false });
});

after(async () => {
  for (const socket of sockets) socket.disconnect();
  await engine.close();
});

function open(): Socket {
  const socket = io(engine.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

/** The socket's next `session:ready`, or its `session:error` and the disconnect that follows. */
function outcome(
  socket: Socket,
): Promise<{ ready: SessionReady } | { error: { code: string; message: string }; disconnect: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('neither session:ready nor a refusal in 20 s')), 20_000);
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

async function health(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${engine.url}/api/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('one seat: the second player is refused with engine-full, then admitted once the first leaves', async () => {
  const empty = await health();
  assert.equal(empty.status, 200);
  assert.equal(empty.body.status, 'ready');
  assert.equal(empty.body.ok, true);
  assert.equal(empty.body.sessions, 0);
  assert.equal(empty.body.capacity, 1);
  assert.equal(empty.body.capacitySource, 'configured');
  assert.equal(typeof (empty.body.load as { loadAverage: unknown }).loadAverage, 'number');

  const first = open();
  const admitted = await outcome(first);
  assert.ok('ready' in admitted, `the first player was refused: ${JSON.stringify(admitted)}`);
  assert.equal(admitted.ready.plugin.name, 'bam-drum');

  const full = await health();
  assert.equal(full.status, 503);
  assert.equal(full.body.status, 'full');
  assert.equal(full.body.sessions, 1);

  const second = open();
  const refused = await outcome(second);
  assert.ok('error' in refused, 'the second player was admitted past capacity');
  assert.equal(refused.error.code, 'engine-full');
  assert.equal(
    refused.error.message,
    'This engine is full (1 of 1 player). Try again in a minute or use another engine.',
  );
  assert.equal(refused.disconnect, 'io server disconnect');
  assert.equal(engine.sessionCount, 1, 'a refused player got a session');
  assert.equal(((await health()).body.load as { refused: number }).refused, 1);

  first.disconnect();
  for (let i = 0; i < 100 && (await health()).status !== 200; i++) await delay(50);
  const freed = await health();
  assert.equal(freed.status, 200);
  assert.equal(freed.body.status, 'ready');
  assert.equal(freed.body.sessions, 0);

  // The refused player tries again (the studio's "Try again" button) and gets the seat.
  const retried = outcome(second);
  second.connect();
  const again = await retried;
  assert.ok('ready' in again, `the retry was refused: ${JSON.stringify(again)}`);
  assert.equal((await health()).status, 503);
  second.disconnect();
});

test('seats: released once however often, counted refusals, estimated capacity by default', () => {
  const admission = new Admission({ config: { trackerModel: 'lite-int8' }, cores: 2 });
  assert.equal(admission.capacitySource, 'estimated');
  assert.equal(admission.capacity, 4);
  assert.match(admission.describe(), /^capacity 4 players \(estimated: 2 cores/);
  const seats = [1, 2, 3, 4].map(() => admission.admit());
  assert.ok(seats.every((s) => 'seat' in s));
  const refused = admission.admit();
  assert.ok('refusal' in refused && refused.refusal.code === 'engine-full');
  assert.match((refused as { refusal: { message: string } }).refusal.message, /\(4 of 4 players\)/);
  assert.equal(admission.health('0').status, 'full');
  const seat = (seats[0] as { seat: { release(): void } }).seat;
  seat.release();
  seat.release();
  assert.equal(admission.sessions, 3);
  assert.equal(admission.health('0').status, 'ready');
  assert.equal(admission.refused, 1);
  admission.observeTrackMs(12);
  const load = admission.health('0').load;
  assert.equal(load.trackMs, 12);
  assert.equal(load.capacityAtMeasuredCost, 2);
});
