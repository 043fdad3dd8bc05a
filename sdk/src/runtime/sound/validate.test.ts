import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SoundError } from './errors.ts';
import { validateSound } from './validate.ts';
import { encodeWav } from './wav.ts';

test('validateSound fills Tone defaults', () => {
  const sound = validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth' });
  assert.deepEqual(sound, {
    kind: 'tone',
    instrument: 'MembraneSynth',
    options: {},
    note: 'C2',
    duration: 0.1,
    length: 1.1,
    gain: 1,
  });
});

test('validateSound accepts a WAV sample', () => {
  const wav = encodeWav(new Float32Array(8), 48000, 2);
  const sound = validateSound('clap', { kind: 'sample', wav });
  assert.equal(sound.kind, 'sample');
});

const bad: [string, unknown, RegExp][] = [
  ['not an object', 42, /expected an object/],
  ['unknown kind', { kind: 'midi' }, /'kind' must be 'tone' or 'sample'/],
  ['unknown instrument', { kind: 'tone', instrument: 'Sampler' }, /unknown instrument "Sampler"/],
  ['PluckSynth', { kind: 'tone', instrument: 'PluckSynth' }, /AudioWorklet/],
  ['too long', { kind: 'tone', instrument: 'Synth', duration: 60 }, /'duration' must be a number of seconds/],
  ['zero length', { kind: 'tone', instrument: 'Synth', length: 0 }, /'length'/],
  ['bad note', { kind: 'tone', instrument: 'Synth', note: 'H9' }, /'note' must be a note name/],
  ['inaudible frequency', { kind: 'tone', instrument: 'Synth', note: 5 }, /20\.\.20000 Hz/],
  ['typo field', { kind: 'tone', instrument: 'Synth', duraton: 1 }, /unknown field 'duraton'/],
  ['huge gain', { kind: 'tone', instrument: 'Synth', gain: 1000 }, /'gain'/],
  [
    'context option',
    { kind: 'tone', instrument: 'Synth', options: { context: {} } },
    /option 'context' is not allowed/,
  ],
  [
    'long envelope',
    { kind: 'tone', instrument: 'Synth', options: { envelope: { release: 100 } } },
    /option 'envelope.release' is a time/,
  ],
  [
    'function option',
    { kind: 'tone', instrument: 'Synth', options: { f: () => 1 } },
    /option 'f' must be a number/,
  ],
  ['NaN option', { kind: 'tone', instrument: 'Synth', options: { detune: Number.NaN } }, /finite number/],
  [
    'deep options',
    { kind: 'tone', instrument: 'Synth', options: { a: { b: { c: { d: { e: { f: 1 } } } } } } },
    /too deeply/,
  ],
  ['sample without bytes', { kind: 'sample', wav: 'kick.wav' }, /'wav' must be the WAV file's bytes/],
  ['sample not a WAV', { kind: 'sample', wav: new Uint8Array(100) }, /not a WAV file/],
];

for (const [what, sound, message] of bad) {
  test(`validateSound rejects ${what} with a clear SoundError`, () => {
    assert.throws(
      () => validateSound('drum', sound),
      (error: unknown) =>
        error instanceof SoundError && error.sound === 'drum' && message.test(error.message),
    );
  });
}

test('validateSound rejects a huge options tree', () => {
  const options: Record<string, number> = {};
  for (let i = 0; i < 500; i++) options[`k${i}`] = i;
  assert.throws(() => validateSound('x', { kind: 'tone', instrument: 'Synth', options }), /too large/);
});
