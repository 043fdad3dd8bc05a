import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MIDI_CHANNEL, FALLBACK_MIDI_NOTE, midiMappingFor } from './midi.ts';

test("a sound's own midi wins; else General MIDI drums by name or prefix; else the fallback", () => {
  assert.deepEqual(midiMappingFor('kick', { midi: { note: 60, channel: 3 } }), { note: 60, channel: 3 });
  assert.deepEqual(midiMappingFor('kick', { midi: { note: 60 } }), {
    note: 60,
    channel: DEFAULT_MIDI_CHANNEL,
  });
  assert.deepEqual(midiMappingFor('Kick'), { note: 36, channel: 10 });
  assert.equal(midiMappingFor('snare2').note, 38);
  assert.equal(midiMappingFor('hat').note, 42);
  assert.equal(midiMappingFor('wobble').note, FALLBACK_MIDI_NOTE);
});
