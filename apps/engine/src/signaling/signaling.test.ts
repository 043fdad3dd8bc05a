import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PluginInfo } from '@bambam/protocol';
import { ClientEvent, MAX_PLUGIN_SOURCE_CHARS } from '@bambam/protocol';
import { createEngine, type Engine } from '../engine.ts';
import { TestClient } from '../testing/werift-client.ts';

let engine: Engine;
let client: TestClient;

before(async () => {
  engine = await createEngine({ port: 0 }, { processMetrics: false });
  client = new TestClient({ url: engine.url });
  await client.whenReady();
});

after(async () => {
  await client.close();
  await engine.close();
});

test('session:ready carries the session id, the default plugin (bam-drum, with its source) and ICE servers', async () => {
  const ready = await client.whenReady();
  assert.match(ready.sessionId, /^[0-9a-f-]{36}$/);
  assert.equal(ready.plugin.name, 'bam-drum');
  assert.match(ready.plugin.source ?? '', /definePlugin/);
  assert.ok(Object.keys(ready.plugin.sounds).length > 0);
  assert.deepEqual(ready.iceServers, []);
  assert.equal(engine.sessionCount, 1);
});

test('malformed messages get a clear bad-request ack', async () => {
  const cases: [string, unknown][] = [
    [ClientEvent.Offer, {}],
    [ClientEvent.Offer, { sdp: 42 }],
    [ClientEvent.Offer, { sdp: 'v=0 this is long enough', extra: true }],
    [ClientEvent.Offer, 'just a string'],
    [ClientEvent.UsePlugin, { name: 'Not A Valid Name!' }],
    [ClientEvent.SetParams, { values: { sensitivity: { nested: 1 } } }],
    [ClientEvent.LoadPlugin, { source: '' }],
    [ClientEvent.Stop, { please: true }],
    [ClientEvent.SetLatency, { compensationMs: 'soon' }],
    [ClientEvent.SetLatency, { compensationMs: null }],
    [ClientEvent.SetLatency, {}],
  ];
  for (const [event, payload] of cases) {
    const ack = await client.request(event, payload);
    assert.equal(ack.ok, false, `${event} ${JSON.stringify(payload)}`);
    if (!ack.ok) {
      assert.equal(ack.error.code, 'bad-request');
      assert.match(ack.error.message, /Malformed message/);
    }
  }
  const unknown = await client.request('no:such-event', {});
  assert.equal(unknown.ok, false);
  if (!unknown.ok) assert.match(unknown.error.message, /Unknown event 'no:such-event'/);
});

test('a plugin source over the size limit is refused as too-large', async () => {
  const ack = await client.request(ClientEvent.LoadPlugin, {
    source: 'x'.repeat(MAX_PLUGIN_SOURCE_CHARS + 1),
  });
  assert.equal(ack.ok, false);
  if (!ack.ok) assert.equal(ack.error.code, 'too-large');
});

test('a message over the wire limit (2 MB) gets too-large, and the connection stays', async () => {
  const ack = await client.request(ClientEvent.Offer, { sdp: 'v=0\r\n'.repeat(400_000) });
  assert.equal(ack.ok, false);
  if (!ack.ok) {
    assert.equal(ack.error.code, 'too-large');
    assert.match(ack.error.message, /the limit is 1000000/);
  }
  const after = await client.request(ClientEvent.Stop, {});
  assert.equal(after.ok, true, 'the same connection still answers');
});

test('a non-SDP offer is a bad request and opens no media', async () => {
  const ack = await client.request(ClientEvent.Offer, { sdp: 'hello, this is not an SDP at all' });
  assert.equal(ack.ok, false);
  if (!ack.ok) assert.equal(ack.error.code, 'bad-request');
  const [session] = engine.signaling.sessions.values();
  assert.equal(session!.media, undefined);
});

test('plugin:load with a syntax error answers plugin-compile with line:column; the previous plugin keeps playing', async () => {
  const source =
    "import { definePlugin } from '@bambam/sdk';\n\nexport default definePlugin({\n  name: 'broken',,\n});\n";
  const ack = await client.request(ClientEvent.LoadPlugin, { source, filename: 'broken.ts' });
  assert.equal(ack.ok, false);
  if (!ack.ok) {
    assert.equal(ack.error.code, 'plugin-compile');
    assert.equal(ack.error.location?.line, 4);
    assert.ok((ack.error.location?.column ?? 0) > 0);
  }
  const [session] = engine.signaling.sessions.values();
  assert.equal(session!.instrument.info()?.name, 'bam-drum');
});

test('plugin:load compiles and hot-swaps a valid plugin; plugin:changed follows', async () => {
  const changed = new Promise<PluginInfo>((resolve) => client.socket.once('plugin:changed', resolve));
  const source = [
    "import { definePlugin } from '@bambam/sdk';",
    'export default definePlugin({',
    "  name: 'clicker', version: '1.0.0', description: 'clicks when a hand appears',",
    "  sounds: { click: { kind: 'tone', instrument: 'MetalSynth', duration: 0.05 } },",
    "  params: { level: { type: 'number', default: 0.5, min: 0, max: 1 } },",
    '  onFrame(frame, ctx) { if (frame.hands.length > 0) ctx.play("click", { velocity: ctx.params.level }); },',
    '});',
  ].join('\n');
  const ack = await client.request<{ plugin: PluginInfo }>(ClientEvent.LoadPlugin, {
    source,
    filename: 'clicker.ts',
  });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  if (ack.ok) {
    assert.equal(ack.plugin.name, 'clicker');
    assert.equal(ack.plugin.source, source);
  }
  assert.equal((await changed).name, 'clicker');

  const bad = await client.request(ClientEvent.SetParams, { values: { level: 7 } });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.error.code, 'bad-request');
  const unknownKey = await client.request(ClientEvent.SetParams, { values: { nope: 1 } });
  assert.equal(unknownKey.ok, false);
  const good = await client.request<{ plugin: PluginInfo }>(ClientEvent.SetParams, {
    values: { level: 0.9 },
  });
  assert.equal(good.ok, true);
  if (good.ok) assert.equal(good.plugin.paramValues.level, 0.9);
});

test('session:latency sets the session latency compensation and answers it', async () => {
  const ack = await client.request<{ compensationMs: number }>(ClientEvent.SetLatency, {
    compensationMs: -35,
  });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  if (ack.ok) assert.equal(ack.compensationMs, -35);
  const tooFar = await client.request(ClientEvent.SetLatency, { compensationMs: 5000 });
  assert.equal(tooFar.ok, false, 'beyond ±1000 ms is refused');
});

test('plugin:use switches by name; an unknown name is plugin-not-found', async () => {
  const missing = await client.request(ClientEvent.UsePlugin, { name: 'no-such-plugin' });
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.equal(missing.error.code, 'plugin-not-found');
  const ack = await client.request<{ plugin: PluginInfo }>(ClientEvent.UsePlugin, { name: 'bam-drum' });
  assert.equal(ack.ok, true);
  if (ack.ok) assert.equal(ack.plugin.name, 'bam-drum');
});

test('session:stop without media is fine; /api/health and /metrics answer', async () => {
  const ack = await client.request(ClientEvent.Stop, {});
  assert.equal(ack.ok, true);
  const health = (await (await fetch(`${engine.url}/api/health`)).json()) as {
    ok: boolean;
    sessions: number;
  };
  assert.equal(health.ok, true);
  assert.equal(health.sessions, 1);
  const metrics = await (await fetch(`${engine.url}/metrics`)).text();
  assert.match(metrics, /bambam_sessions 1/);
  assert.match(metrics, /bambam_errors_total\{kind="signaling"\} \d+/);
  const missing = await fetch(`${engine.url}/nope`);
  assert.equal(missing.status, 404);
});

test('CORS: the studio origin is allowed on HTTP and socket.io; another origin is refused (see origin.test.ts)', async () => {
  const res = await fetch(`${engine.url}/api/health`, { headers: { Origin: 'http://localhost:3000' } });
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  const other = await fetch(`${engine.url}/api/health`, { headers: { Origin: 'http://evil.example' } });
  assert.equal(other.status, 403);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const poll = await fetch(`${engine.url}/socket.io/?EIO=4&transport=polling`, {
    headers: { Origin: 'http://localhost:3000' },
  });
  assert.equal(poll.headers.get('access-control-allow-origin'), 'http://localhost:3000');
});

test('a disconnect releases the session', async () => {
  const other = new TestClient({ url: engine.url });
  const count = (): number => engine.sessionCount;
  try {
    await other.whenReady();
    assert.equal(count(), 2);
  } finally {
    await other.close();
  }
  for (let i = 0; i < 100 && count() !== 1; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(count(), 1);
});
