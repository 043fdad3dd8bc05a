import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import type { Frame } from '@bambam/sdk';
import { decode } from 'node-osc';
import { OscOutput } from './osc-output.ts';
import { DEFAULT_OSC_ALLOW, OscTargetPolicy, OscTargetRefused } from './osc-target-policy.ts';

describe('OSC target policy', () => {
  const policy = new OscTargetPolicy(DEFAULT_OSC_ALLOW);

  test('loopback and private addresses are allowed by default; a name is resolved once', async () => {
    assert.equal((await policy.resolve('127.0.0.1', 9000)).address, '127.0.0.1');
    assert.equal((await policy.resolve('192.168.1.20', 57120)).address, '192.168.1.20');
    assert.equal((await policy.resolve('[::1]', 9000)).family, 6);
    const named = await policy.resolve('localhost', 9000);
    assert.ok(['127.0.0.1', '::1'].includes(named.address), named.address);
  });

  test('public addresses, low ports and nonsense are refused with the reason', async () => {
    await assert.rejects(policy.resolve('8.8.8.8', 9000), (error: Error) => {
      assert.ok(error instanceof OscTargetRefused);
      assert.match(error.message, /not allowed by this engine.*BAMBAM_OSC_ALLOW/);
      return true;
    });
    await assert.rejects(policy.resolve('127.0.0.1', 53), /port must be a whole number from 1024/);
    await assert.rejects(policy.resolve('127.0.0.1', 70000), /port must be/);
    await assert.rejects(policy.resolve('', 9000), /empty/);
    await assert.rejects(policy.resolve('no-such-host.invalid', 9000), /does not resolve/);
  });

  test('an operator allow-list replaces the default; off turns OSC off', async () => {
    const hosted = new OscTargetPolicy('203.0.113.0/24');
    assert.equal((await hosted.resolve('203.0.113.7', 9000)).address, '203.0.113.7');
    await assert.rejects(hosted.resolve('127.0.0.1', 9000), /not allowed/);
    await assert.rejects(new OscTargetPolicy('off').resolve('127.0.0.1', 9000), /turned off/);
    assert.throws(() => new OscTargetPolicy('10.0.0.0/99'), /bad prefix/);
    assert.throws(() => new OscTargetPolicy('example.com'), /not an IP address/);
  });
});

describe('OSC output over real UDP on loopback', () => {
  const received: Array<{ address: string; args: unknown[] }> = [];
  const receiver = createSocket('udp4');
  let port = 0;

  before(async () => {
    receiver.on('message', (bytes) => {
      const message = decode(bytes) as { address: string; args: Array<{ value: unknown } | unknown> };
      received.push({
        address: message.address,
        args: message.args.map((arg) => (arg && typeof arg === 'object' && 'value' in arg ? arg.value : arg)),
      });
    });
    await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
    port = receiver.address().port;
  });
  after(() => receiver.close());

  async function until(count: number): Promise<void> {
    const deadline = Date.now() + 3000;
    while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  test('one message per hit, in order, with sound, velocity, pan and time', async () => {
    received.length = 0;
    const target = await new OscTargetPolicy().resolve('127.0.0.1', port);
    const output = new OscOutput(target);
    output.sendHit({ t: 1000, sound: 'kick', velocity: 0.5, pan: -0.25 });
    output.sendHit({ t: 1033, sound: 'snare', velocity: 1, pan: 0.5, at: 1050 });
    await until(2);
    output.dispose();
    assert.deepEqual(
      received.map((message) => message.address),
      ['/bambam/hit', '/bambam/hit'],
    );
    assert.deepEqual(received[0]!.args, ['kick', 0.5, -0.25, 1000]);
    assert.deepEqual(received[1]!.args, ['snare', 1, 0.5, 1050]);
    assert.deepEqual(output.stats(), { hits: 2, hands: 0, errors: 0 });
  });

  test('hands at the chosen rate: 21 landmarks each, no faster than asked', async () => {
    received.length = 0;
    const target = await new OscTargetPolicy().resolve('127.0.0.1', port);
    const output = new OscOutput(target, { landmarksHz: 10 });
    const landmarks = Array.from({ length: 21 }, (_, i) => ({ x: i / 20, y: 0.5, z: 0 }));
    for (let t = 0; t < 1000; t += 33) {
      output.sendHands({
        t,
        width: 640,
        height: 480,
        hands: [{ id: 3, handedness: 'Right', score: 1, landmarks }],
      } as Frame);
    }
    await until(10);
    output.dispose();
    assert.ok(received.length >= 9 && received.length <= 10, `${received.length} messages in 1 s at 10 Hz`);
    assert.equal(received[0]!.address, '/bambam/hand/3/landmarks');
    assert.equal(received[0]!.args.length, 1 + 21 * 3);
    assert.equal(received[0]!.args[0], 'Right');
  });

  test('a send after dispose, or to a closed port, never throws', async () => {
    const target = await new OscTargetPolicy().resolve('127.0.0.1', 65000);
    const output = new OscOutput(target);
    output.sendHit({ t: 0, sound: 'kick', velocity: 1, pan: 0 });
    output.dispose();
    output.sendHit({ t: 1, sound: 'kick', velocity: 1, pan: 0 });
    assert.equal(output.stats().hits, 1);
  });
});
