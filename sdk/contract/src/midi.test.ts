import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MIDI_CHANNEL, FIRST_FREE_MIDI_NOTE, gmDrumNote, midiMapFor } from './midi.ts';

test("a sound's own midi wins; else General MIDI drums by name; else free keys in order", () => {
  const map = midiMapFor({
    lead: { midi: { note: 64, channel: 2 } },
    kick: {},
    zap: {},
    snare2: {},
    wobble: {},
    bad: { midi: { note: 300 } },
    drum: { midi: { note: 50 } },
  });
  assert.deepEqual(map.lead, { note: 64, channel: 2 });
  assert.deepEqual(map.kick, { note: 36, channel: DEFAULT_MIDI_CHANNEL });
  assert.equal(map.zap?.note, FIRST_FREE_MIDI_NOTE);
  assert.equal(map.snare2?.note, 38);
  assert.equal(map.wobble?.note, FIRST_FREE_MIDI_NOTE + 1);
  assert.equal(map.bad?.note, FIRST_FREE_MIDI_NOTE + 2, 'an invalid declaration is ignored');
  assert.deepEqual(map.drum, { note: 50, channel: DEFAULT_MIDI_CHANNEL });
  assert.equal(gmDrumNote('Open Hat'), 46);
  assert.equal(gmDrumNote('hat'), 42);
});
