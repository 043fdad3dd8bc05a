import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtpPacket, Vp8Packetizer, Vp8RtpPayload } from 'werift';
import { FOUR_STROKES, FOUR_STROKES_CLIP, requireFixture } from '../fixtures.ts';
import { encodeClipVp8, vp8KeyframeSize } from './vp8-clip.ts';

describe('encodeClipVp8 (load generator input)', { timeout: 120_000 }, () => {
  it('encodes every frame of the fixture clip, keyframes where expected, at the clip size', async (t) => {
    const path = requireFixture(t, FOUR_STROKES_CLIP);
    if (!path) return;
    const clip = await encodeClipVp8(path);
    const frameCount = (FOUR_STROKES.durationMs / 1000) * FOUR_STROKES.fps;
    assert.equal(clip.frames.length, frameCount);
    assert.equal(clip.keyframes.length, frameCount);
    assert.deepEqual(
      clip.frames.flatMap((f, i) => (f.keyframe ? [i] : [])),
      [0, 30, 60, 90],
    );
    assert.ok(clip.keyframes.every((f) => f.keyframe));
    for (const f of [clip.frames[0], clip.keyframes[17]]) {
      assert.deepEqual(vp8KeyframeSize(f.data), { width: FOUR_STROKES.width, height: FOUR_STROKES.height });
    }
    assert.equal(vp8KeyframeSize(clip.frames[1].data), undefined, 'frame 1 is an interframe');
  });

  it('packetizes frames into RTP that werift depacketizes back to the same bytes', async (t) => {
    const path = requireFixture(t, FOUR_STROKES_CLIP);
    if (!path) return;
    const clip = await encodeClipVp8(path);
    const packetizer = new Vp8Packetizer({ maxPayloadSize: 1100, payloadType: 96 });
    for (const [i, frame] of [clip.frames[0], clip.frames[1], clip.keyframes[45]].entries()) {
      const packets = packetizer
        .packetize(frame.data, 1000 + i * 3000)
        .map((p) => RtpPacket.deSerialize(p.serialize()));
      assert.ok(packets.every((p) => p.payload.length <= 1100));
      assert.equal(packets.at(-1)?.header.marker, true);
      const parts = packets.map((p) => Vp8RtpPayload.deSerialize(p.payload));
      assert.equal(parts[0].isPartitionHead, true);
      assert.equal(parts[0].isKeyframe, frame.keyframe);
      assert.deepEqual(Buffer.concat(parts.map((p) => p.payload)), frame.data);
    }
  });

  it('rejects a missing file with a clear error', async () => {
    await assert.rejects(encodeClipVp8('/nonexistent/clip.mjpeg', { cacheDir: null }), /ENOENT|no such file/);
  });
});
