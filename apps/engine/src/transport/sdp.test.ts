import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBitrateHints, inspectOffer, SdpError, stripTransportCc } from './sdp.ts';

/** Shaped like Chromium's offer: sendonly camera (VP8, VP9, H.264) + recvonly Opus audio. */
function chromiumOffer(videoCodecs = ['VP8', 'VP9', 'H264']): string {
  const pts: Record<string, number> = { VP8: 96, VP9: 98, H264: 102 };
  const video = videoCodecs.map((c) => pts[c]!);
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    `m=video 9 UDP/TLS/RTP/SAVPF ${video.join(' ')} 97`,
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=extmap:4 urn:3gpp:video-orientation',
    'a=sendonly',
    'a=rtcp-mux',
    ...videoCodecs.flatMap((c) => [
      `a=rtpmap:${pts[c]} ${c}/90000`,
      `a=rtcp-fb:${pts[c]} goog-remb`,
      `a=rtcp-fb:${pts[c]} transport-cc`,
      `a=rtcp-fb:${pts[c]} nack`,
      `a=rtcp-fb:${pts[c]} nack pli`,
      ...(c === 'H264'
        ? [`a=fmtp:${pts[c]} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f`]
        : []),
    ]),
    'a=rtpmap:97 rtx/90000',
    'a=fmtp:97 apt=96',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 63',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
    'a=recvonly',
    'a=rtcp-mux',
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-fb:111 transport-cc',
    'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:63 red/48000/2',
    '',
  ].join('\r\n');
}

test('VP8 is preferred when offered', () => {
  assert.deepEqual(inspectOffer(chromiumOffer()), { videoCodec: 'VP8' });
});

test('H.264 with packetization-mode 1 is accepted when VP8 is absent', () => {
  assert.deepEqual(inspectOffer(chromiumOffer(['VP9', 'H264'])), { videoCodec: 'H264' });
});

test('an offer with only unsupported video codecs gets a clear unsupported-codec error', () => {
  assert.throws(
    () => inspectOffer(chromiumOffer(['VP9'])),
    (error: unknown) =>
      error instanceof SdpError &&
      error.code === 'unsupported-codec' &&
      /VP9/.test(error.message) &&
      /VP8/.test(error.message),
  );
});

test('an offer without a receiving audio section is a bad request', () => {
  const videoOnly = chromiumOffer().split('m=audio')[0]!;
  assert.throws(
    () => inspectOffer(videoOnly),
    (e: unknown) => e instanceof SdpError && e.code === 'bad-request',
  );
  const sendonlyAudio = chromiumOffer().replace('a=recvonly', 'a=sendonly');
  assert.throws(() => inspectOffer(sendonlyAudio), /audio section that receives/);
});

test('garbage is a bad request, not a crash', () => {
  assert.throws(
    () => inspectOffer('hello there, not an sdp'),
    (e: unknown) => e instanceof SdpError && e.code === 'bad-request',
  );
});

test('transport-cc extension and feedback are stripped, other lines kept', () => {
  const stripped = stripTransportCc(chromiumOffer());
  assert.ok(!/transport-wide-cc/.test(stripped));
  assert.ok(!/transport-cc/.test(stripped));
  assert.match(stripped, /a=rtcp-fb:96 nack pli/);
  assert.match(stripped, /a=extmap:4 urn:3gpp:video-orientation/);
  assert.ok(stripped.endsWith('\r\n'));
});

test('bitrate hints are added to the video fmtp (created when missing, appended otherwise)', () => {
  const sdp = addBitrateHints(chromiumOffer(['VP8', 'H264']), { min: 300, start: 800, max: 2000 });
  assert.match(
    sdp,
    /a=rtpmap:96 VP8\/90000\r\na=fmtp:96 x-google-min-bitrate=300;x-google-start-bitrate=800;x-google-max-bitrate=2000/,
  );
  assert.match(
    sdp,
    /a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f;x-google-min-bitrate=300/,
  );
  assert.ok(!/a=fmtp:111 .*x-google/.test(sdp), 'audio untouched');
  assert.equal(addBitrateHints(sdp, { min: 1, start: 2, max: 3 }), sdp, 'idempotent');
});
