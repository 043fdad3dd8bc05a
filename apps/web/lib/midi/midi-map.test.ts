import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SoundInfo } from '@bambam/protocol';
import { DEFAULT_MIDI_MAP, midiMapFor, midiVelocity, noteOffBytes, noteOnBytes } from './midi-map.ts';

const tone = (instrument: 'MembraneSynth' | 'NoiseSynth' = 'MembraneSynth'): SoundInfo => ({
  kind: 'tone',
  instrument,
});
const kit = Object.fromEntries(
  ['bam', 'kick', 'snare', 'tom', 'clap', 'hat'].map((name) => [name, tone()]),
) as Record<string, SoundInfo>;

describe('MIDI note map', () => {
  it("maps bam-drum's kit to General MIDI drum keys on channel 10", () => {
    const map = midiMapFor(kit);
    assert.deepEqual(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, v.note])), {
      bam: 35,
      kick: 36,
      snare: 38,
      tom: 45,
      clap: 39,
      hat: 42,
    });
    for (const target of Object.values(map)) assert.equal(target.channel, 10);
  });

  it("uses a sound's own midi declaration, and the player's remap over everything", () => {
    const sounds = { ...kit, lead: { ...tone(), midi: { note: 64, channel: 2 } } as unknown as SoundInfo };
    assert.deepEqual(midiMapFor(sounds).lead, { note: 64, channel: 2 });
    const remapped = midiMapFor(sounds, { lead: { note: 70, channel: 3 }, kick: { note: 37, channel: 10 } });
    assert.deepEqual(remapped.lead, { note: 70, channel: 3 });
    assert.deepEqual(remapped.kick, { note: 37, channel: 10 });
    // A declaration without a channel plays on the drum channel; a bad one is ignored.
    const loose = {
      a: { ...tone(), midi: { note: 50 } },
      b: { ...tone(), midi: { note: 300 } },
    } as unknown as Record<string, SoundInfo>;
    assert.deepEqual(midiMapFor(loose).a, { note: 50, channel: 10 });
    assert.deepEqual(midiMapFor(loose).b, { note: DEFAULT_MIDI_MAP.firstFreeNote, channel: 10 });
  });

  it('gives sounds without a drum name notes of their own, in order, never the same', () => {
    const map = midiMapFor({ zap: tone(), boing: tone(), kick: tone(), wobble: tone() });
    assert.deepEqual(
      [map.zap?.note, map.boing?.note, map.kick?.note, map.wobble?.note],
      [
        DEFAULT_MIDI_MAP.firstFreeNote,
        DEFAULT_MIDI_MAP.firstFreeNote + 1,
        36,
        DEFAULT_MIDI_MAP.firstFreeNote + 2,
      ],
    );
  });
});

describe('MIDI message bytes', () => {
  it('note-on on channel 10 is 0x99, velocity 0..1 → 1..127; note-off is 0x89 with 0', () => {
    assert.deepEqual(noteOnBytes({ note: 36, channel: 10 }, 1), [0x99, 36, 127]);
    assert.deepEqual(noteOnBytes({ note: 38, channel: 10 }, 0.5), [0x99, 38, 64]);
    assert.deepEqual(noteOnBytes({ note: 60, channel: 1 }, 0), [0x90, 60, 1]);
    assert.deepEqual(noteOffBytes({ note: 36, channel: 10 }), [0x89, 36, 0]);
    assert.deepEqual(noteOffBytes({ note: 60, channel: 16 }), [0x8f, 60, 0]);
  });

  it('clamps velocities and turns non-numbers into the softest note', () => {
    assert.equal(midiVelocity(2), 127);
    assert.equal(midiVelocity(-1), 1);
    assert.equal(midiVelocity(Number.NaN), 1);
    assert.equal(midiVelocity(0.001), 1);
  });
});
