import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HitLedger } from './hit-ledger.ts';

const bam = { sound: 'bam', velocity: 0.9, pan: 0 };
const tick = { sound: 'tick', velocity: 0.4, pan: 0.5 };

describe('HitLedger', () => {
  it('plays a channel hit once, even if the same message came twice', () => {
    const ledger = new HitLedger();
    assert.equal(ledger.fromChannel(100, 0), true);
    assert.equal(ledger.fromChannel(100, 0), false);
    assert.equal(ledger.fromChannel(100, 1), true);
  });

  it('expects nothing for telemetry hits the channel already brought', () => {
    const ledger = new HitLedger({ graceMs: 50 });
    ledger.fromChannel(100, 0);
    ledger.fromTelemetry(100, [bam], 0);
    assert.equal(ledger.nextDue, undefined);
    assert.deepEqual(ledger.takeOverdue(1000), []);
  });

  it('hands out a hit missing from the channel once the grace period is over, once', () => {
    const ledger = new HitLedger({ graceMs: 50 });
    ledger.fromChannel(100, 0);
    ledger.fromTelemetry(100, [bam, tick], 10);
    assert.equal(ledger.nextDue, 60);
    assert.deepEqual(ledger.takeOverdue(59), []);
    assert.deepEqual(ledger.takeOverdue(60), [{ frameT: 100, index: 1, ...tick }]);
    assert.deepEqual(ledger.takeOverdue(1000), []);
    // Its message arriving after that is ignored: no double.
    assert.equal(ledger.fromChannel(100, 1), false);
  });

  it('a message arriving within the grace period cancels the late play', () => {
    const ledger = new HitLedger({ graceMs: 50 });
    ledger.fromTelemetry(200, [bam], 0);
    assert.equal(ledger.fromChannel(200, 0), true);
    assert.deepEqual(ledger.takeOverdue(100), []);
  });

  it('clearPending forgets expected hits (the stream plays them)', () => {
    const ledger = new HitLedger({ graceMs: 50 });
    ledger.fromTelemetry(300, [bam], 0);
    ledger.clearPending();
    assert.deepEqual(ledger.takeOverdue(100), []);
    assert.equal(ledger.fromChannel(300, 0), true);
  });

  it('remembers a bounded number of hits', () => {
    const ledger = new HitLedger({ capacity: 3 });
    for (let t = 0; t < 4; t++) ledger.fromChannel(t, 0);
    assert.equal(ledger.fromChannel(0, 0), true, 'the oldest was forgotten');
    assert.equal(ledger.fromChannel(3, 0), false);
  });
});
