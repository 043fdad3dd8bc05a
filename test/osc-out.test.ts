/**
 * OSC out end to end (issue 12): a Chromium player plays the fixture clip (4 down-strokes per
 * loop) into a real engine; the session asks for OSC to a real UDP socket on loopback; every
 * hit the engine reports in telemetry arrives as one `/bambam/hit` message, in order, with its
 * sound, velocity and pan; hands arrive at the chosen rate. A target the engine does not allow
 * is refused with the reason.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { decode } from 'node-osc';
import { type ChromiumSession, chromiumPath, launchChromium } from './lib/chromium.ts';
import { type ClientServer, serveClientPage } from './lib/client/server.ts';
import { type ClientPage, openClient } from './lib/client.ts';
import { type RunningEngine, startEngine } from './lib/engine.ts';
import { FOUR_STROKES_CLIP, fixturePath } from './lib/fixtures.ts';

interface OscMessage {
  address: string;
  args: unknown[];
  receivedAt: number;
}

describe('OSC out: a session sends its hits to a UDP socket on loopback', { timeout: 180_000 }, () => {
  const clip = fixturePath(FOUR_STROKES_CLIP);
  const skip = !clip
    ? `fixture ${FOUR_STROKES_CLIP} not found (set BAMBAM_FIXTURES)`
    : !chromiumPath()
      ? 'Chromium not found: apt-get install -y chromium (or set BAMBAM_CHROMIUM)'
      : undefined;
  let engine: RunningEngine | undefined;
  let server: ClientServer | undefined;
  let chromium: ChromiumSession | undefined;
  let client: ClientPage | undefined;
  const receiver = createSocket('udp4');
  const received: OscMessage[] = [];

  before(async () => {
    if (skip) return;
    receiver.on('message', (bytes) => {
      const message = decode(bytes) as { address: string; args: Array<{ value: unknown }> };
      received.push({
        address: message.address,
        args: message.args.map((arg) => arg.value),
        receivedAt: Date.now(),
      });
    });
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    engine = await startEngine();
    server = await serveClientPage();
    chromium = await launchChromium({ fakeVideo: clip! });
    client = await openClient(await chromium.newPage(), { pageUrl: server.url });
    await client.start({ engineUrl: engine.url, iceTimeoutMs: 30_000 });
  });
  after(async () => {
    await client?.stop().catch(() => {});
    await chromium?.close();
    await server?.dispose();
    await engine?.dispose();
    receiver.close();
  });

  it('refuses a target the engine does not allow, with the reason', { skip }, async () => {
    const ack = (await client!.request('session:osc', { host: '8.8.8.8', port: 9000 })) as {
      ok: boolean;
      error?: { code: string; message: string };
    };
    assert.equal(ack.ok, false);
    assert.equal(ack.error?.code, 'osc-refused');
    assert.match(ack.error?.message ?? '', /not allowed by this engine/);
  });

  it('one /bambam/hit per hit, in order, with sound, velocity and pan; hands at the asked rate', {
    skip,
  }, async () => {
    const port = receiver.address().port;
    const ack = (await client!.request('session:osc', { host: '127.0.0.1', port, landmarksHz: 10 })) as {
      ok: boolean;
      osc?: { address: string; port: number; landmarksHz: number };
    };
    assert.equal(ack.ok, true, JSON.stringify(ack));
    assert.equal(ack.osc?.address, '127.0.0.1');
    const lastT = async () => (await client!.telemetry()).at(-1)?.t ?? 0;
    // A frame's telemetry may leave after its scheduled plays (up to 250 ms ahead): frames just
    // before the OSC target was set can still report hits that went out before it. Compare the
    // hits of frames from a moment after the ack to a moment before `off`.
    const fromT = (await lastT()) + 400;
    const startedAt = Date.now();
    // Two loops of the clip: 8 strokes.
    await new Promise((resolve) => setTimeout(resolve, 8_500));
    const untilT = (await lastT()) - 100;
    const off = (await client!.request('session:osc', { off: true })) as { ok: boolean; osc: null };
    assert.equal(off.ok, true);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the last datagrams and telemetry land
    const telemetry = (await client!.telemetry()).filter((t) => t.t >= fromT && t.t <= untilT);
    const hits = telemetry.flatMap((t) => t.hits ?? []);
    const oscHits = received.filter((m) => m.address === '/bambam/hit' && m.receivedAt >= startedAt);
    assert.ok(hits.length >= 4, `the engine played ${hits.length} hits in two loops`);
    // Telemetry is sent volatile (a message may be dropped under load); OSC carries every hit, so
    // every telemetry hit must be in the OSC stream, in order.
    let at = 0;
    for (const hit of hits) {
      const index = oscHits.findIndex(
        (m, i) =>
          i >= at &&
          m.args[0] === hit.sound &&
          Math.abs((m.args[1] as number) - hit.velocity) < 1e-4 &&
          Math.abs((m.args[2] as number) - hit.pan) < 1e-4,
      );
      assert.ok(index >= 0, `hit ${JSON.stringify(hit)} is in the OSC stream after message ${at}`);
      at = index + 1;
    }
    // OSC also carries the hits just outside the compared frames.
    assert.ok(
      oscHits.length <= hits.length + 4,
      `${oscHits.length} OSC hits for ${hits.length} telemetry hits`,
    );
    const hands = received.filter(
      (m) => /^\/bambam\/hand\/\d+\/landmarks$/.test(m.address) && m.receivedAt >= startedAt,
    );
    const seconds = 8.5;
    assert.ok(
      hands.length >= 3 * seconds && hands.length <= 11 * seconds * 2,
      `${hands.length} hand messages`,
    );
    assert.equal(hands[0]!.args.length, 1 + 21 * 3);
    console.log(
      `osc: ${oscHits.length} hit messages for ${hits.length} telemetry hits, ${hands.length} hand messages in ${seconds} s`,
    );
  });
});
