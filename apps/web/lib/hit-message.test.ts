import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HitMessage } from '@bambam/protocol';
import { parseHitMessage } from './hit-message.ts';

const good: HitMessage = {
  v: 1,
  seq: 3,
  frameT: 1033.3,
  index: 0,
  sound: 'bam',
  velocity: 0.8,
  pan: -0.2,
  engineSentAt: 1_700_000_000_000,
  lagMs: 31.5,
};

describe('parseHitMessage', () => {
  it('reads a hit message, with or without `at`', () => {
    assert.deepEqual(parseHitMessage(JSON.stringify(good)), good);
    assert.deepEqual(parseHitMessage(JSON.stringify({ ...good, at: 1050 })), { ...good, at: 1050 });
  });
  it('refuses anything else', () => {
    assert.equal(parseHitMessage('not json'), null);
    assert.equal(parseHitMessage(new ArrayBuffer(4)), null);
    assert.equal(parseHitMessage(JSON.stringify(null)), null);
    assert.equal(parseHitMessage(JSON.stringify({ ...good, v: 2 })), null);
    assert.equal(parseHitMessage(JSON.stringify({ ...good, sound: 7 })), null);
    assert.equal(parseHitMessage(JSON.stringify({ ...good, lagMs: 'soon' })), null);
    assert.equal(parseHitMessage(JSON.stringify({ ...good, at: 'later' })), null);
    const { seq: _, ...noSeq } = good;
    assert.equal(parseHitMessage(JSON.stringify(noSeq)), null);
  });
});
