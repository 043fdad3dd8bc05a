import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MidiHitSender, type MidiSink } from './midi-hit-sender.ts';

/** A MIDIOutput-shaped recorder: headless Chromium has no MIDI device to send to. */
function recorder(): MidiSink & { sent: { data: number[]; timestamp: number | undefined }[] } {
  const sent: { data: number[]; timestamp: number | undefined }[] = [];
  return { sent, send: (data, timestamp) => sent.push({ data: [...data], timestamp }) };
}

describe('MidiHitSender', () => {
  it("sends note-on at the hit's time and note-off 100 ms later, with timestamps", () => {
    const sink = recorder();
    new MidiHitSender(sink).send({ note: 38, channel: 10 }, 0.8, 1250, 1000);
    assert.deepEqual(sink.sent, [
      { data: [0x99, 38, 102], timestamp: 1250 },
      { data: [0x89, 38, 0], timestamp: 1350 },
    ]);
  });

  it('sends a hit whose time is past (or not a number) now', () => {
    const sink = recorder();
    const sender = new MidiHitSender(sink, { noteMs: 50 });
    sender.send({ note: 36, channel: 10 }, 1, 900, 1000);
    sender.send({ note: 36, channel: 10 }, 1, Number.NaN, 2000);
    assert.deepEqual(
      sink.sent.map((m) => m.timestamp),
      [1000, 1050, 2000, 2050],
    );
  });

  it("passes on the output's error (an unplugged port throws InvalidStateError)", () => {
    const sender = new MidiHitSender({
      send() {
        throw new DOMException('port is disconnected', 'InvalidStateError');
      },
    });
    assert.throws(() => sender.send({ note: 36, channel: 10 }, 1, 0, 0), /disconnected/);
  });
});
