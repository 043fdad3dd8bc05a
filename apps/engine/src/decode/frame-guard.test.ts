import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeH264 } from '../testing/h264.ts';
import { testPicture } from '../testing/vp8.ts';
import { removeEmulationPrevention } from './bit-reader.ts';
import { craftedH264Sps, craftedVp8Keyframe } from './crafted-frames.ts';
import { DEFAULT_DECODE_LIMITS, decodeLimitsFromEnv, fitsLimits } from './decode-limits.ts';
import { FrameGuard } from './frame-guard.ts';
import { inspectAccessUnit } from './h264-sps.ts';

test('VP8 keyframe headers: over the cap, zero, truncated, wrong start code are refused; inter frames pass', () => {
  const guard = new FrameGuard('VP8', DEFAULT_DECODE_LIMITS);
  const refused = (data: Uint8Array) => {
    const v = guard.inspect(data);
    return v.ok ? 'accepted' : v.reason;
  };
  assert.equal(refused(craftedVp8Keyframe(16000, 8000)), 'oversized');
  assert.equal(refused(craftedVp8Keyframe(1921, 1080)), 'oversized');
  assert.equal(refused(craftedVp8Keyframe(1920, 1081)), 'oversized');
  assert.equal(refused(craftedVp8Keyframe(4096, 4096)), 'oversized');
  assert.equal(refused(craftedVp8Keyframe(0, 0)), 'malformed');
  assert.equal(refused(craftedVp8Keyframe(640, 480).subarray(0, 9)), 'malformed');
  const badStart = craftedVp8Keyframe(640, 480);
  badStart[4] = 0x02;
  assert.equal(refused(badStart), 'malformed');
  assert.equal(refused(Uint8Array.of(0x10)), 'malformed');
  assert.equal(refused(craftedVp8Keyframe(1920, 1080)), 'accepted');
  assert.equal(
    refused(craftedVp8Keyframe(1080, 1920)),
    'accepted',
    'portrait 1080p fits (long side vs long side)',
  );
  assert.deepEqual(guard.size, { width: 1080, height: 1920 });
  assert.deepEqual(guard.inspect(Uint8Array.of(0x31, 0x02, 0x00, 0xff)), { ok: true, keyframe: false });
});

test('H.264: real libx264 SPS sizes (cropped 1080p), crafted 8192x4320 refused, emulation prevention removed', async () => {
  const [au640] = await encodeH264([testPicture(640, 480, 0)], 640, 480);
  assert.deepEqual(inspectAccessUnit(au640!).sps, [
    { codedWidth: 640, codedHeight: 480, width: 640, height: 480 },
  ]);
  const [au1080] = await encodeH264([testPicture(1920, 1080, 0)], 1920, 1080);
  const info = inspectAccessUnit(au1080!);
  assert.equal(info.idr, true);
  assert.deepEqual(info.sps, [{ codedWidth: 1920, codedHeight: 1088, width: 1920, height: 1080 }]);
  const guard = new FrameGuard('H264', DEFAULT_DECODE_LIMITS);
  assert.deepEqual(guard.inspect(au1080!), { ok: true, keyframe: true });

  const huge = craftedH264Sps({ width: 8192, height: 4320, profile: 100 });
  const v = guard.inspect(Uint8Array.of(0, 0, 0, 1, ...huge, 0, 0, 1, 0x65, 0x88));
  assert.equal(v.ok ? 'accepted' : v.reason, 'oversized');
  assert.match(v.ok ? '' : v.detail, /8192x4320/);
  // Profile 0, level 0: the SPS starts 00 00 00, escaped as 00 00 03 00; read unescaped, it parses.
  const escaped = craftedH264Sps({ width: 8192, height: 4320, profile: 0, level: 0 });
  assert.ok(
    escaped.length > removeEmulationPrevention(escaped).length,
    'the crafted SPS carries emulation prevention',
  );
  assert.deepEqual(inspectAccessUnit(Uint8Array.of(0, 0, 1, ...escaped)).sps[0], {
    codedWidth: 8192,
    codedHeight: 4320,
    width: 8192,
    height: 4320,
  });
  // Crop to 1920x1080 does not hide a 4096-wide coded picture.
  const cropped = craftedH264Sps({ width: 4096, height: 1088, crop: { right: 1088, bottom: 4 } });
  const c = guard.inspect(Uint8Array.of(0, 0, 1, ...cropped, 0, 0, 1, 0x65, 0x88));
  assert.equal(c.ok ? 'accepted' : c.reason, 'oversized');
  // A new size outside an IDR access unit (SPS + non-IDR slice).
  const other = craftedH264Sps({ width: 640, height: 480 });
  const r = guard.inspect(Uint8Array.of(0, 0, 1, ...other, 0, 0, 1, 0x41, 0x9a));
  assert.equal(r.ok ? 'accepted' : r.reason, 'resized');
  // Truncated SPS and garbage.
  const t = guard.inspect(Uint8Array.of(0, 0, 1, ...huge.subarray(0, 6)));
  assert.equal(t.ok ? 'accepted' : t.reason, 'malformed');
  const garbage = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) & 0xff);
  const g = guard.inspect(garbage);
  assert.ok(g.ok ? !g.keyframe : g.reason === 'malformed', 'garbage is never a keyframe');
});

test('limits: orientation-free cap, BAMBAM_MAX_VIDEO_SIZE parsed or a clear error', () => {
  assert.equal(fitsLimits(1080, 1920, DEFAULT_DECODE_LIMITS), true);
  assert.equal(fitsLimits(1921, 1080, DEFAULT_DECODE_LIMITS), false);
  assert.equal(fitsLimits(1500, 1500, DEFAULT_DECODE_LIMITS), false);
  assert.equal(decodeLimitsFromEnv({}), DEFAULT_DECODE_LIMITS);
  const l = decodeLimitsFromEnv({ BAMBAM_MAX_VIDEO_SIZE: '720x1280' });
  assert.deepEqual([l.maxWidth, l.maxHeight], [1280, 720]);
  assert.throws(
    () => decodeLimitsFromEnv({ BAMBAM_MAX_VIDEO_SIZE: 'big' }),
    /BAMBAM_MAX_VIDEO_SIZE must be WIDTHxHEIGHT/,
  );
});
