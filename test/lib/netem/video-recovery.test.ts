import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarize, videoRecovery } from './video-recovery.ts';

/** 30 fps at 90 kHz, starting just below the 32-bit wrap so the wrap is covered. */
const TS0 = 2 ** 32 - 6000;
const ts = (frame: number) => (TS0 + frame * 3000) >>> 0;
const sent = Array.from({ length: 10 }, (_, i) => ({ rtpTimestamp: ts(i), encodedAt: 1000 + 33 * i }));

describe('videoRecovery', () => {
  it('measures from the lost frame to the next tracked frame at or after it, across the RTP wrap', () => {
    const drops = [
      { at: 1100, ssrc: 7, seq: 5, ts: ts(3) }, // video: frame 3 lost a packet
      { at: 1101, ssrc: 9, seq: 1, ts: 123 }, // audio: another SSRC, not a sent frame
    ];
    // The engine tracked frames 0, 2 and 6 (3 came back only as part of the keyframe at 6).
    const frames = [
      { rtpTimestamp: ts(0), receivedAt: 1040 },
      { rtpTimestamp: ts(2), receivedAt: 1110 },
      { rtpTimestamp: ts(6), receivedAt: 1400 },
    ];
    const r = videoRecovery(drops, frames, sent, { start: 0, end: 2000 });
    assert.equal(r.ssrc, 7);
    assert.equal(r.droppedPackets, 1);
    assert.equal(r.lostFrames, 1);
    assert.deepEqual(r.recoveryMs, [1400 - (1000 + 33 * 3)]);
    // Frames 7–9 have no tracked frame after them: not measured.
    assert.equal(r.baselineMs.length, 7);
    assert.equal(r.baselineMs[0], 40);
  });

  it('reports no video SSRC when no dropped packet belongs to a sent frame', () => {
    const r = videoRecovery([{ at: 1, ssrc: 9, ts: 5 }], [], sent, { start: 0, end: 2000 });
    assert.equal(r.ssrc, undefined);
    assert.equal(r.lostFrames, 0);
    assert.deepEqual(r.recoveryMs, []);
    assert.equal(summarize(r.recoveryMs), 'none');
  });
});
