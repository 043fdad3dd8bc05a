import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EncodedFrame, FrameAssembler, type RtpInput } from './frame-assembler.ts';
import { H264PayloadReader, Vp8PayloadReader } from './payload.ts';

/** VP8 packets of one frame: byte 0 descriptor, then the frame's bytes (first byte's bit 0 = inter flag). */
function vp8Frame(
  seq: number,
  ts: number,
  options: { key: boolean; packets: number; tag: number },
): RtpInput[] {
  const out: RtpInput[] = [];
  for (let i = 0; i < options.packets; i++) {
    const body = new Uint8Array(10).fill(options.tag);
    if (i === 0) body[0] = options.key ? 0x00 : 0x01;
    const payload = new Uint8Array(11);
    payload[0] = i === 0 ? 0x10 : 0x00;
    payload.set(body, 1);
    out.push({
      sequenceNumber: (seq + i) & 0xffff,
      timestamp: ts,
      marker: i === options.packets - 1,
      payload,
      arrivalMs: 0,
    });
  }
  return out;
}

function feed(assembler: FrameAssembler, packets: RtpInput[], arrivalMs = 0): EncodedFrame[] {
  return packets.flatMap((p) => assembler.push({ ...p, arrivalMs }));
}

function setup() {
  const requests: number[] = [];
  const assembler = new FrameAssembler({
    reader: new Vp8PayloadReader(),
    onKeyframeNeeded: () => requests.push(1),
    lossTimeoutMs: 50,
  });
  return { assembler, requests };
}

test('in-order packets make frames at the marker, with the last packet arrival time', () => {
  const { assembler } = setup();
  const a = vp8Frame(100, 3000, { key: true, packets: 3, tag: 1 });
  const frames = [
    ...assembler.push({ ...a[0]!, arrivalMs: 1 }),
    ...assembler.push({ ...a[1]!, arrivalMs: 2 }),
    ...assembler.push({ ...a[2]!, arrivalMs: 7 }),
  ];
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.keyframe, true);
  assert.equal(frames[0]!.lastPacketArrivalMs, 7);
  assert.equal(frames[0]!.data.length, 30);
  assert.equal(frames[0]!.rtpTimestamp, 3000);
});

test('reordered packets are put back in order without loss', () => {
  const { assembler, requests } = setup();
  const key = vp8Frame(100, 3000, { key: true, packets: 3, tag: 1 });
  const next = vp8Frame(103, 6000, { key: false, packets: 3, tag: 2 });
  const frames = feed(assembler, [key[0]!, key[2]!, key[1]!, next[1]!, next[0]!, next[2]!]);
  assert.deepEqual(
    frames.map((f) => f.data[1]),
    [1, 2],
  );
  assert.equal(assembler.stats().lost, 0);
  assert.equal(requests.length, 0);
});

test('padding-only packets are dropped and skipped: the frame after them is not lost', () => {
  const { assembler, requests } = setup();
  const padding = (seq: number): RtpInput => ({
    sequenceNumber: seq,
    timestamp: 3000,
    marker: false,
    payload: new Uint8Array(0),
    arrivalMs: 0,
  });
  const frames = feed(assembler, [
    ...vp8Frame(100, 3000, { key: true, packets: 2, tag: 1 }),
    padding(102),
    padding(103),
    padding(104),
    ...vp8Frame(105, 6000, { key: false, packets: 2, tag: 2 }),
  ]);
  assert.equal(frames.length, 2);
  assert.equal(assembler.stats().padding, 3);
  assert.equal(assembler.stats().lost, 0);
  assert.equal(requests.length, 0);
});

test('padding at the very start (before the first keyframe) is harmless', () => {
  const { assembler } = setup();
  const padding = {
    sequenceNumber: 98,
    timestamp: 0,
    marker: false,
    payload: new Uint8Array(0),
    arrivalMs: 0,
  };
  const frames = feed(assembler, [
    padding,
    { ...padding, sequenceNumber: 99 },
    ...vp8Frame(100, 3000, { key: true, packets: 2, tag: 1 }),
  ]);
  assert.equal(frames.length, 1);
});

test('a gap that is not filled in time counts a lost frame, asks for a keyframe, and resumes at the next keyframe', () => {
  const { assembler, requests } = setup();
  feed(assembler, vp8Frame(100, 3000, { key: true, packets: 2, tag: 1 }), 0);
  const lostFrame = vp8Frame(102, 6000, { key: false, packets: 2, tag: 2 });
  assembler.push({ ...lostFrame[1]!, arrivalMs: 10 }); // first packet of the frame never comes
  const inter = feed(assembler, vp8Frame(104, 9000, { key: false, packets: 2, tag: 3 }), 100);
  assert.equal(inter.length, 0, 'frames after the loss are not decodable');
  assert.equal(assembler.stats().lost, 1);
  assert.ok(requests.length >= 1, 'keyframe requested');
  const resumed = feed(assembler, vp8Frame(106, 12000, { key: true, packets: 2, tag: 4 }), 110);
  assert.deepEqual(
    resumed.map((f) => [f.keyframe, f.data[1]]),
    [[true, 4]],
  );
});

test('a gap filled by a retransmission before the timeout loses nothing', () => {
  const { assembler } = setup();
  const key = vp8Frame(100, 3000, { key: true, packets: 3, tag: 1 });
  assert.equal(feed(assembler, [key[0]!, key[2]!], 0).length, 0);
  assert.equal(assembler.push({ ...key[1]!, arrivalMs: 20 }).length, 1);
  assert.equal(assembler.stats().lost, 0);
});

test('duplicates and packets older than the current frame are counted as late and ignored', () => {
  const { assembler } = setup();
  const key = vp8Frame(100, 3000, { key: true, packets: 2, tag: 1 });
  feed(assembler, key);
  assert.deepEqual(feed(assembler, key), []);
  assert.equal(assembler.stats().late, 2);
});

test('sequence numbers wrap around 65535 → 0', () => {
  const { assembler } = setup();
  const frames = feed(assembler, [
    ...vp8Frame(65534, 3000, { key: true, packets: 3, tag: 1 }),
    ...vp8Frame(1, 6000, { key: false, packets: 2, tag: 2 }),
  ]);
  assert.deepEqual(
    frames.map((f) => f.data[1]),
    [1, 2],
  );
});

test('a corrupt payload drops its frame, counts it, and asks for a keyframe', () => {
  const { assembler, requests } = setup();
  feed(assembler, vp8Frame(100, 3000, { key: true, packets: 2, tag: 1 }));
  const bad: RtpInput = {
    sequenceNumber: 102,
    timestamp: 6000,
    marker: false,
    payload: Uint8Array.of(0x90),
    arrivalMs: 0,
  };
  assert.deepEqual(assembler.push(bad), []);
  assert.equal(assembler.stats().corrupt, 1);
  feed(assembler, [vp8Frame(102, 6000, { key: false, packets: 2, tag: 2 })[1]!]);
  assert.equal(assembler.stats().lost, 1);
  assert.ok(requests.length >= 1);
});

test('an oversized frame is dropped and counted; a flood of packets never grows memory without bound', () => {
  const requests: number[] = [];
  const assembler = new FrameAssembler({
    reader: new Vp8PayloadReader(),
    maxFrameBytes: 50,
    maxPackets: 64,
    onKeyframeNeeded: () => requests.push(1),
  });
  assert.deepEqual(feed(assembler, vp8Frame(100, 3000, { key: true, packets: 10, tag: 1 })), []);
  assert.equal(assembler.stats().oversized, 1);
  // 1000 packets that never complete a frame (no marker, rising sequence numbers).
  for (let i = 0; i < 1000; i++) {
    assembler.push({
      sequenceNumber: 200 + i * 2,
      timestamp: 9000,
      marker: false,
      payload: Uint8Array.of(0x10, 0x01),
      arrivalMs: 0,
    });
  }
  assert.ok(assembler.stats().lost >= 1);
  assert.ok((assembler as unknown as { held: Map<number, unknown> }).held.size <= 64);
});

test('H.264: STAP-A with SPS starts a keyframe, FU-A fragments are joined into Annex B', () => {
  const assembler = new FrameAssembler({ reader: new H264PayloadReader() });
  const sps = Uint8Array.of(0x67, 1, 2, 3);
  const pps = Uint8Array.of(0x68, 4);
  const stap = Uint8Array.of(24, 0, sps.length, ...sps, 0, pps.length, ...pps);
  const fuStart = Uint8Array.of(0x7c, 0x85, 9, 9);
  const fuEnd = Uint8Array.of(0x7c, 0x45, 8);
  const frames = feed(assembler, [
    { sequenceNumber: 10, timestamp: 1, marker: false, payload: stap, arrivalMs: 0 },
    { sequenceNumber: 11, timestamp: 1, marker: false, payload: fuStart, arrivalMs: 0 },
    { sequenceNumber: 12, timestamp: 1, marker: true, payload: fuEnd, arrivalMs: 0 },
  ]);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.keyframe, true);
  assert.deepEqual([...frames[0]!.data], [0, 0, 0, 1, ...sps, 0, 0, 0, 1, ...pps, 0, 0, 0, 1, 0x65, 9, 9, 8]);
});
