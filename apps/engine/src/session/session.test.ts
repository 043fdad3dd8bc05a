/**
 * Sessions with real media: a second werift peer (a real WebRTC stack) plays the browser,
 * streaming real VP8 over RTP; the engine decodes it, runs the real hand tracker and plugin
 * sandbox, and sends Opus back.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { readVideoFrames } from '@bambam/hand-tracker';
import { ClientEvent } from '@bambam/protocol';
import { Decoder } from '@evan/opus';
import { createEngine, type Engine } from '../engine.ts';
import { encodeVp8, testPicture, type Vp8Frame } from '../testing/vp8.ts';
import { TestClient } from '../testing/werift-client.ts';

const FIXTURES =
  process.env.BAMBAM_FIXTURES ?? new URL('../../../../../shared/fixtures/', import.meta.url).pathname;
const CLIP = `${FIXTURES}/clips/open-hand-4-strokes.mjpeg`;

let engine: Engine;
let frames: Vp8Frame[];
/** Every client a test opens, closed in `after` even when the test failed half-way. */
const opened: TestClient[] = [];
function newClient(): TestClient {
  const client = new TestClient({ url: engine.url });
  opened.push(client);
  return client;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resource kinds that belong to sessions: UDP sockets (ICE) and worker ports (tracker). */
function sessionResources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'MessagePort').length;
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

before(async () => {
  engine = await createEngine(
    { port: 0, iceTimeoutMs: 1500, trackerModel: 'lite' },
    { processMetrics: false },
  );
  // The tracker pool's workers and the warmed default instrument (its sound renderer) belong to
  // the engine, not to a session: started before any baseline.
  await engine.tracking.pool();
  await engine.warmed;
  frames = await encodeVp8(
    Array.from({ length: 30 }, (_, i) => testPicture(320, 240, i)),
    { width: 320, height: 240, gop: 10 },
  );
});

after(async () => {
  await Promise.allSettled(opened.map((c) => c.close()));
  await engine.close();
});

test('a werift peer streams VP8: telemetry per tracked frame, continuous Opus audio back; disconnect releases everything', async () => {
  const baseline = sessionResources();
  const client = newClient();
  await client.whenReady();
  const ack = await client.connect();
  assert.equal(ack.ok, true, JSON.stringify(ack));
  if (ack.ok) {
    assert.ok(!/transport-cc|transport-wide-cc/.test(ack.sdp), 'no transport-cc in the answer');
    assert.match(ack.sdp, /x-google-start-bitrate=800/);
    assert.match(ack.sdp, /a=rtcp-fb:\d+ nack pli/);
  }
  await client.connected();
  const streamStart = performance.now();
  await client.stream(frames, 2000);
  const elapsed = performance.now() - streamStart;
  await until(() => client.telemetry.length > 5, 10_000, 'telemetry');
  const t = client.telemetry.at(-1)!;
  assert.equal(t.width, 320);
  assert.ok(Array.isArray(t.hands) && Array.isArray(t.hits));
  for (const key of ['decode', 'convert', 'track', 'plugin', 'total'] as const)
    assert.ok(t.timings[key] >= 0);
  assert.ok(t.rtpTimestamp > 0 && t.receivedAt > 0);
  // Audio: a packet every 20 ms while connected (silence here: no hands, no hits).
  const expected = elapsed / 20;
  assert.ok(
    client.audioPackets.length > expected * 0.7,
    `${client.audioPackets.length} audio packets for ${expected.toFixed(0)} expected`,
  );
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  const pcm = decoder.decode(client.audioPackets.at(-1)!.packet.payload);
  assert.equal(pcm.byteLength, 960 * 2 * 2, 'each packet is 20 ms of 48 kHz stereo Opus');
  const stats = engine.signaling.sessions.values().next().value!.media!.stats();
  assert.equal(stats.assembler!.lost, 0);
  assert.ok(stats.decoder!.decoded > 30);
  assert.equal(stats.decoder!.errors, 0);

  await client.close();
  await until(() => engine.sessionCount === 0, 5000, 'session release');
  await until(
    () => sessionResources() <= baseline,
    5000,
    `UDP sockets released (${process.getActiveResourcesInfo()})`,
  );
  const metrics = await engine.metrics.text();
  assert.match(metrics, /bambam_sessions 0/);
});

test('garbage and oversized datagrams sent to the session UDP ports are dropped; the session keeps working', async () => {
  const client = newClient();
  await client.whenReady();
  assert.equal((await client.connect()).ok, true);
  await client.connected();
  const ports = engine.signaling.sessions.values().next().value!.media!.localPorts();
  assert.ok(ports.length > 0);
  const socket = createSocket('udp4');
  const send = (bytes: Uint8Array, port: number) =>
    new Promise<void>((resolve) => socket.send(bytes, port, '127.0.0.1', () => resolve()));
  const fakeRtp = new Uint8Array(1200);
  fakeRtp[0] = 0x80;
  fakeRtp[1] = 96;
  for (const port of ports) {
    for (let i = 0; i < 50; i++)
      await send(
        Uint8Array.from({ length: 200 }, () => (Math.random() * 256) | 0),
        port,
      );
    await send(new Uint8Array(60_000).fill(0xab), port); // oversized
    await send(fakeRtp, port); // plausible RTP header, not SRTP
    await send(Uint8Array.of(0x00, 0x01, 0x00, 0x00), port); // truncated STUN
    await send(Uint8Array.of(22, 254, 253), port); // truncated DTLS
  }
  socket.close();
  const before = client.telemetry.length;
  await client.stream(frames, 1500);
  await until(() => client.telemetry.length > before + 5, 10_000, 'telemetry after garbage');
  assert.equal(engine.signaling.sessions.values().next().value!.media!.stats().connectionState, 'connected');
  await client.close();
  await until(() => engine.sessionCount === 0, 5000, 'session release');
});

test('an unsupported codec offer gets unsupported-codec and opens nothing', async () => {
  const baseline = sessionResources();
  const client = newClient();
  await client.whenReady();
  const ack = await client.connect({ mungeOffer: (sdp) => sdp.replace(/VP8\/90000/g, 'VP9/90000') });
  assert.equal(ack.ok, false);
  if (!ack.ok) {
    assert.equal(ack.error.code, 'unsupported-codec');
    assert.match(ack.error.message, /VP9/);
  }
  assert.equal(engine.signaling.sessions.values().next().value!.media, undefined);
  await client.close();
  await until(() => engine.sessionCount === 0 && sessionResources() <= baseline, 5000, 'release');
});

test('a peer that never completes ICE is dropped after the timeout with webrtc-failed', async () => {
  const baseline = sessionResources();
  const client = newClient();
  await client.whenReady();
  // Send an offer but never apply the answer: ICE cannot complete.
  const pc = new (await import('werift')).RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
  });
  pc.addTransceiver('video', { direction: 'sendonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await until(() => pc.iceGatheringState === 'complete', 5000, 'gathering');
  const ack = await client.request(ClientEvent.Offer, { sdp: pc.localDescription!.sdp });
  assert.equal(ack.ok, true);
  const [session] = engine.signaling.sessions.values();
  assert.ok(session!.media, 'media pipeline open after the answer');
  await until(() => client.errors.length > 0, 5000, 'session:error');
  assert.equal((client.errors[0] as { code: string }).code, 'webrtc-failed');
  assert.match((client.errors[0] as { message: string }).message, /did not connect within 1500 ms/);
  await until(() => session!.media === undefined, 5000, 'pipeline released');
  assert.equal(engine.sessionCount, 1, 'the session (socket) stays');
  await pc.close();
  await client.close();
  await until(() => engine.sessionCount === 0 && sessionResources() <= baseline, 5000, 'release');
});

test('the fixture clip (a real hand moving down) makes bam-drum play hits back as audio', async (t) => {
  if (!existsSync(CLIP)) {
    t.skip(`fixture missing: ${CLIP} (set BAMBAM_FIXTURES)`);
    return;
  }
  const pictures: Buffer[] = [];
  for await (const f of readVideoFrames(CLIP)) pictures.push(Buffer.from(f.image.data));
  const clip = await encodeVp8(pictures, { width: 640, height: 480, format: 'rgb24', gop: 30 });
  const client = newClient();
  await client.whenReady();
  assert.equal((await client.connect()).ok, true);
  await client.connected();
  await client.stream(clip, 8200); // two loops of the 4 s clip: 8 down-strokes
  await sleep(300);
  const hits = client.telemetry.filter((x) => x.hits.length > 0);
  const withHands = client.telemetry.filter((x) => x.hands.length > 0).length;
  assert.ok(
    withHands > client.telemetry.length * 0.8,
    `hand found in ${withHands}/${client.telemetry.length} frames`,
  );
  // On a loaded 2-core machine the tracker drops frames; most strokes must still be heard.
  assert.ok(hits.length >= 4 && hits.length <= 9, `${hits.length} hits for 8 strokes`);
  for (const hit of hits) {
    const phase = (hit.t % 1000) / 1000; // strokes run 0.1–0.25 s into each second of the clip
    assert.ok(phase > 0.05 && phase < 0.5, `hit at ${hit.t.toFixed(0)} ms is not on a down-stroke`);
    assert.equal(hit.hitLatencyMs.length, hit.hits.length);
  }
  // The audio carries them: decoded energy well above the silence floor.
  const decoder = new Decoder({ channels: 2, sample_rate: 48000 });
  const energies = client.audioPackets.map(({ packet }) => {
    const pcm = new Int16Array(Uint8Array.from(decoder.decode(packet.payload)).buffer);
    let e = 0;
    for (const v of pcm) e += v * v;
    return e / pcm.length;
  });
  const loud = energies.filter((e) => e > 1e5).length;
  assert.ok(loud >= hits.length, `${loud} loud audio frames for ${hits.length} hits`);
  await client.close();
});

test('sessions are independent: a plugin failing on every frame is disabled with a clear error; the other session keeps playing', async () => {
  const a = newClient();
  const b = newClient();
  await Promise.all([a.whenReady(), b.whenReady()]);
  const failing = [
    "import { definePlugin } from '@bambam/sdk';",
    'export default definePlugin({',
    "  name: 'always-fails', version: '1.0.0', description: 'throws on every frame',",
    "  sounds: { click: { kind: 'tone', instrument: 'MetalSynth', duration: 0.05 } },",
    "  onFrame() { throw new Error('boom'); },",
    '});',
  ].join('\n');
  const loaded = await a.request(ClientEvent.LoadPlugin, { source: failing, filename: 'fails.ts' });
  assert.equal(loaded.ok, true, JSON.stringify(loaded));
  assert.equal((await a.connect()).ok, true);
  assert.equal((await b.connect()).ok, true);
  await Promise.all([a.connected(), b.connected()]);
  // Stream until the failing plugin is disabled (30 failing frames; slower on a loaded machine).
  const deadline = performance.now() + 30_000;
  while (a.errors.length === 0 && performance.now() < deadline) {
    await Promise.all([a.stream(frames, 1000), b.stream(frames, 1000)]);
  }
  await until(() => a.errors.length > 0, 5000, 'plugin disabled error');
  const disabled = a.errors[0] as { code: string; message: string; plugin: string };
  assert.equal(disabled.code, 'plugin-runtime');
  assert.equal(disabled.plugin, 'always-fails');
  assert.match(disabled.message, /disabled/);
  const logged = a.consoleEntries as { level: string; message: string; location?: { line: number } }[];
  assert.ok(
    logged.some((e) => e.level === 'error' && /boom/.test(e.message)),
    'the error reached the console',
  );
  assert.ok(logged.length < 10, `errors are rate-limited (${logged.length} console entries)`);
  assert.deepEqual(b.errors, [], 'the other session saw no error');
  assert.ok(b.telemetry.length > 20, `other session telemetry: ${b.telemetry.length}`);
  assert.equal(engine.sessionCount, 2, 'both sessions still up');
  await Promise.all([a.close(), b.close()]);
  await until(() => engine.sessionCount === 0, 5000, 'release');
});
