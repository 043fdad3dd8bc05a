import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { HIT_CHANNEL_LABEL, type HitMessage } from '@bambam/protocol';
import { type RTCDataChannel, RTCPeerConnection } from 'werift';
import { HitChannel } from './hit-channel.ts';

/** Two real werift peers on loopback; `browser` opens a data channel with `label`, `engine` answers. */
async function connectPair(label: string) {
  const loopback = { iceAdditionalHostAddresses: ['127.0.0.1'], iceUseIpv6: false };
  const browser = new RTCPeerConnection(loopback);
  const engine = new RTCPeerConnection(loopback);
  const remote = new Promise<RTCDataChannel>((resolve) => engine.onDataChannel.subscribe(resolve));
  const local = browser.createDataChannel(label);
  const opened = new Promise<void>((resolve) =>
    local.stateChanged.subscribe((s) => s === 'open' && resolve()),
  );
  await browser.setLocalDescription(await browser.createOffer());
  await engine.setRemoteDescription(browser.localDescription!);
  await engine.setLocalDescription(await engine.createAnswer());
  await browser.setRemoteDescription(engine.localDescription!);
  await opened;
  return { browser, engine, local, remote: await remote };
}

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('HitChannel (real werift data channel on loopback)', { timeout: 30_000 }, () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers) await close().catch(() => undefined);
  });

  it('drops and counts hits until a channel is attached, then sends one message per hit', async () => {
    const pair = await connectPair(HIT_CHANNEL_LABEL);
    closers.push(
      () => pair.browser.close(),
      () => pair.engine.close(),
    );
    const received: HitMessage[] = [];
    pair.local.onMessage.subscribe((data) => received.push(JSON.parse(String(data))));
    const reasons: string[] = [];
    const channel = new HitChannel({ onDropped: (reason) => reasons.push(reason) });

    assert.equal(channel.send([{ sound: 'bam', velocity: 1, pan: 0 }], { t: 0, arrivalMs: 0 }), 0);
    assert.deepEqual(reasons, ['not-open']);

    channel.attach(pair.remote);
    for (let i = 0; i < 20 && !channel.open; i++) await nextTick();
    assert.equal(channel.open, true);
    const arrivalMs = performance.now() - 12;
    const sent = channel.send(
      [
        { sound: 'bam', velocity: 0.8, pan: -0.5 },
        { sound: 'tick', velocity: 0.3, pan: 0.5, at: 1040 },
      ],
      { t: 1000, arrivalMs },
    );
    assert.equal(sent, 2);
    for (let i = 0; i < 100 && received.length < 2; i++) await nextTick();
    assert.equal(received.length, 2);
    assert.deepEqual(
      received.map(({ seq, frameT, index, sound, velocity, pan, at }) => ({
        seq,
        frameT,
        index,
        sound,
        velocity,
        pan,
        at,
      })),
      [
        { seq: 2, frameT: 1000, index: 0, sound: 'bam', velocity: 0.8, pan: -0.5, at: undefined },
        { seq: 3, frameT: 1000, index: 1, sound: 'tick', velocity: 0.3, pan: 0.5, at: 1040 },
      ],
    );
    assert.ok(received[0]!.lagMs >= 12 && received[0]!.lagMs < 1000, `lagMs ${received[0]!.lagMs}`);
    assert.equal(channel.sent, 2);
    assert.equal(channel.dropped, 1);

    // The browser closes the channel: the engine stops sending and counts the drops.
    pair.local.close();
    for (let i = 0; i < 100 && channel.open; i++) await nextTick();
    assert.equal(channel.open, false);
    assert.equal(channel.send([{ sound: 'bam', velocity: 1, pan: 0 }], { t: 2000, arrivalMs }), 0);
    assert.equal(channel.dropped, 2);
  });

  it('closes a data channel with another label', async () => {
    const pair = await connectPair('something-else');
    closers.push(
      () => pair.browser.close(),
      () => pair.engine.close(),
    );
    const channel = new HitChannel();
    channel.attach(pair.remote);
    for (let i = 0; i < 100 && pair.local.readyState === 'open'; i++) await nextTick();
    assert.notEqual(pair.local.readyState, 'open');
    assert.equal(channel.open, false);
  });
});
