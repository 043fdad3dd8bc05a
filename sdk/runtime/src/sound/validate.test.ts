import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SOUND_LIMITS } from '@bambam/sdk';
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
  [
    'bad note',
    { kind: 'tone', instrument: 'Synth', note: 'H9' },
    /'note' must be a frequency .* or a note name/,
  ],
  ['inaudible frequency', { kind: 'tone', instrument: 'Synth', note: 5 }, /20\.\.20000 Hz/],
  ['typo field', { kind: 'tone', instrument: 'Synth', duraton: 1 }, /unknown field 'duraton'/],
  ['huge gain', { kind: 'tone', instrument: 'Synth', gain: 1000 }, /'gain'/],
  [
    'context option',
    { kind: 'tone', instrument: 'Synth', options: { context: {} } },
    /Synth has no option 'context' \(it has: volume, detune, portamento, envelope, oscillator\)/,
  ],
  [
    'long envelope',
    { kind: 'tone', instrument: 'Synth', options: { envelope: { release: 100 } } },
    /option 'envelope.release' must be a number in 0..4 s, got 100/,
  ],
  [
    'function option',
    { kind: 'tone', instrument: 'Synth', options: { detune: () => 1 } },
    /option 'detune' must be a number in -4800..4800 cents, got a function/,
  ],
  ['NaN option', { kind: 'tone', instrument: 'Synth', options: { detune: Number.NaN } }, /got NaN/],
  [
    'deep options',
    { kind: 'tone', instrument: 'Synth', options: { envelope: { attack: { b: { c: { d: 1 } } } } } },
    /option 'envelope.attack' must be a number in 0..4 s, got an object/,
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

/** Asserts `sound` is refused with a SoundError naming 'evil' whose message matches `message`. */
function refused(sound: unknown, message: RegExp): void {
  assert.throws(
    () => validateSound('evil', sound),
    (error: unknown) =>
      error instanceof SoundError &&
      error.sound === 'evil' &&
      message.test(error.message) &&
      /^sound 'evil': /.test(error.message),
  );
}

const synth = (options: unknown, extra: object = {}) => ({
  kind: 'tone',
  instrument: 'Synth',
  options,
  ...extra,
});

test('attack: a fat oscillator of 100, 1000 or 1e6 voices is refused, saying the range', () => {
  for (const count of [100, 1000, 1e6, 9, 2.5, 0]) {
    refused(
      synth({ oscillator: { type: 'fatsawtooth', count } }),
      new RegExp(`option 'oscillator.count' must be an integer in 1..8, got ${count}`),
    );
  }
  // Eight voices are music; so is the default count.
  validateSound('ok', synth({ oscillator: { type: 'fatsawtooth', count: 8 } }));
  validateSound('ok', synth({ oscillator: { type: 'fatsawtooth' } }));
});

test('attack: oscillator voices are bounded across the whole patch, not per oscillator', () => {
  refused(
    {
      kind: 'tone',
      instrument: 'DuoSynth',
      options: {
        voice0: { oscillator: { type: 'fatsine', count: 8 } },
        voice1: { oscillator: { type: 'fatsine', count: 8 } },
      },
    },
    /the patch has 16 oscillator voices .*at most 8/,
  );
  refused(
    { kind: 'tone', instrument: 'FMSynth', options: { oscillator: { type: 'fatsine', count: 8 } } },
    /the patch has 9 oscillator voices/,
  );
  validateSound('ok', {
    kind: 'tone',
    instrument: 'DuoSynth',
    options: {
      voice0: { oscillator: { type: 'fatsine', count: 4 } },
      voice1: { oscillator: { type: 'fatsine', count: 4 } },
    },
  });
});

test('attack: 1e5 partials, or a type asking for 1000, are refused', () => {
  const partials = new Array(1e5).fill(0.5);
  refused(
    synth({ oscillator: { type: 'custom', partials } }),
    /option 'oscillator.partials' has 100000 entries; at most 32/,
  );
  refused(
    synth({ oscillator: { partialCount: 1000 } }),
    /'oscillator.partialCount' must be an integer in 0..32, got 1000/,
  );
  refused(
    synth({ oscillator: { type: 'sawtooth1000' } }),
    /'oscillator.type' must be an oscillator type like .* \(at most 32 partials\), got "sawtooth1000"/,
  );
  refused(synth({ oscillator: { type: 'fatsawtooth33' } }), /'oscillator.type' must be an oscillator type/);
  refused(
    synth({ oscillator: { partials: [1, Number.NaN] } }),
    /'oscillator.partials\[1\]' must be a number in -1..1, got NaN/,
  );
  validateSound('ok', synth({ oscillator: { type: 'fatsawtooth32', count: 3 } }));
  validateSound('ok', synth({ oscillator: { type: 'custom', partials: new Array(32).fill(0.1) } }));
});

test('attack: a duration of 1e6 s or a length of 1e9 s is refused', () => {
  refused(synth({}, { duration: 1e6 }), /'duration' must be a number of seconds in \(0, 4\], got 1000000/);
  refused(synth({}, { length: 1e9 }), /'length' must be a number of seconds in \(0, 4\], got 1000000000/);
  refused(synth({ envelope: { release: 1e6 } }), /'envelope.release' must be a number in 0..4 s/);
  refused(
    { kind: 'tone', instrument: 'NoiseSynth', options: { noise: { fadeOut: 1e9 } } },
    /'noise.fadeOut' must be a number in 0..4 s/,
  );
});

test('attack: NaN, Infinity and strings where numbers go are refused', () => {
  for (const bad of [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '3',
    '8n',
    null,
    [],
    {},
  ]) {
    refused(synth({}, { duration: bad }), /'duration' must be a number of seconds/);
    refused(synth({}, { gain: bad }), /'gain' must be a number in \[0, 8\]/);
    refused(synth({ envelope: { attack: bad } }), /'envelope.attack' must be a number in 0..4 s/);
    refused(
      synth({ oscillator: { type: 'fatsine', count: bad } }),
      /'oscillator.count' must be an integer in 1..8/,
    );
    refused(
      { kind: 'tone', instrument: 'MetalSynth', options: { resonance: bad } },
      /'resonance' must be a frequency in 20..20000 Hz or a note name/,
    );
    refused(
      { kind: 'tone', instrument: 'FMSynth', options: { modulationIndex: bad } },
      /'modulationIndex' must be a number in 0..256/,
    );
  }
  refused(synth({}, { note: Number.POSITIVE_INFINITY }), /'note' must be a frequency in 20..20000 Hz/);
});

test('attack: every bounded musical option says its range', () => {
  const cases: [string, object, RegExp][] = [
    ['MetalSynth', { harmonicity: 1e6 }, /'harmonicity' must be a number in 0..64, got 1000000/],
    ['MetalSynth', { octaves: 100 }, /'octaves' must be a number in 0..12/],
    ['MetalSynth', { resonance: 1e6 }, /'resonance' must be a frequency in 20..20000 Hz/],
    ['MembraneSynth', { octaves: 10 }, /'octaves' must be a number in 0.5..8/],
    ['MembraneSynth', { pitchDecay: 1 }, /'pitchDecay' must be a number in 0..0.5 s/],
    [
      'Synth',
      { oscillator: { type: 'fatsine', spread: 1e5 } },
      /'oscillator.spread' must be a number in 0..1200 cents/,
    ],
    ['Synth', { volume: 1000 }, /'volume' must be a number in -120..24 dB/],
    ['Synth', { detune: 1e6 }, /'detune' must be a number in -4800..4800 cents/],
    ['Synth', { envelope: { sustain: 2 } }, /'envelope.sustain' must be a number in 0..1/],
    [
      'Synth',
      { envelope: { attackCurve: new Array(1000).fill(0.5) } },
      /'envelope.attackCurve' has 1000 entries; at most 64/,
    ],
    ['MonoSynth', { filter: { rolloff: -1000 } }, /'filter.rolloff' must be one of -12, -24, -48, -96/],
    ['MonoSynth', { filter: { Q: 1e6 } }, /'filter.Q' must be a number in 0..100/],
    [
      'MonoSynth',
      { filterEnvelope: { baseFrequency: 1e6 } },
      /'filterEnvelope.baseFrequency' must be a frequency/,
    ],
    ['DuoSynth', { vibratoRate: 1e6 }, /'vibratoRate' must be a number in 0..1000 Hz/],
    ['NoiseSynth', { noise: { type: 'blue' } }, /'noise.type' must be one of "white", "pink", "brown"/],
  ];
  for (const [instrument, options, message] of cases) refused({ kind: 'tone', instrument, options }, message);
});

test('attack: unknown options are refused at every depth, with the options that exist', () => {
  refused(
    synth({ oscillator: { type: 'sine', wobble: 1 } }),
    /Synth has no option 'oscillator.wobble' \('oscillator' has: type, frequency/,
  );
  refused(synth({ onsilence: 'x' }), /has no option 'onsilence'/);
  refused(
    JSON.parse('{"kind":"tone","instrument":"Synth","options":{"__proto__":{"count":1000}}}'),
    /has no option '__proto__'/,
  );
  refused(synth({ constructor: { name: 'x' } }), /has no option 'constructor'/);
  // An option another instrument has is not this one's.
  refused(
    { kind: 'tone', instrument: 'NoiseSynth', options: { oscillator: { type: 'sine' } } },
    /NoiseSynth has no option 'oscillator'/,
  );
});

test('attack: deep nesting (1e5 levels) is refused without walking it', () => {
  let deep: Record<string, unknown> = { attack: 0.1 };
  for (let i = 0; i < 1e5; i++) deep = { envelope: deep };
  refused(synth(deep), /option 'envelope.envelope' /);
  let deepArray: unknown = [0.5];
  for (let i = 0; i < 1e5; i++) deepArray = [deepArray];
  refused(synth({ oscillator: { partials: deepArray } }), /'oscillator.partials\[0\]' must be a number/);
});

test('attack: 10k keys are refused', () => {
  const options: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) options[`k${i}`] = i;
  refused(synth(options), /Synth has no option 'k0'/);
  const envelope: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) envelope[`k${i}`] = i;
  refused(synth({ envelope }), /has no option 'envelope.k0'/);
  // Allowed keys repeated can't make a tree bigger than the rules: the largest legal tree is small.
  refused(synth({ oscillator: { partials: new Array(10_000).fill(0) } }), /has 10000 entries; at most 32/);
});

test('SOUND_LIMITS are exported and are what the validator enforces', () => {
  assert.equal(SOUND_LIMITS.maxFatCount, 8);
  assert.equal(SOUND_LIMITS.maxPartials, 32);
  assert.equal(SOUND_LIMITS.maxSeconds, 4);
  refused(synth({ oscillator: { type: 'fatsine', count: SOUND_LIMITS.maxFatCount + 1 } }), /1..8/);
});

test('musical patches pass: the docs, the scaffolds and every instrument with rich options', () => {
  const patches: unknown[] = [
    {
      kind: 'tone',
      instrument: 'NoiseSynth',
      duration: 0.15,
      options: { envelope: { decay: 0.18, sustain: 0 } },
    },
    {
      kind: 'tone',
      instrument: 'MembraneSynth',
      options: { pitchDecay: 0.05, octaves: 6, envelope: { attack: 0.001, decay: 0.4, sustain: 0 } },
      note: 'C2',
      duration: 0.3,
    },
    {
      kind: 'tone',
      instrument: 'FMSynth',
      note: 'C3',
      duration: 0.25,
      options: { modulationIndex: 8, envelope: { attack: 0.002, decay: 0.6, sustain: 0, release: 0.4 } },
    },
    {
      kind: 'tone',
      instrument: 'MetalSynth',
      note: 300,
      duration: 0.05,
      length: 0.3,
      gain: 0.5,
      options: {
        harmonicity: 5.1,
        modulationIndex: 32,
        resonance: 4000,
        octaves: 1.5,
        envelope: { attack: 0.001, decay: 0.08, release: 0.02 },
      },
    },
    {
      kind: 'tone',
      instrument: 'AMSynth',
      note: 'A#3',
      options: {
        harmonicity: 2.5,
        modulation: { type: 'square4' },
        modulationEnvelope: { attack: 0.1, releaseCurve: 'bounce' },
        oscillator: { type: 'amsine' },
      },
    },
    {
      kind: 'tone',
      instrument: 'MonoSynth',
      note: 'Eb2',
      options: {
        oscillator: { type: 'pwm', modulationFrequency: 0.4 },
        filter: { type: 'lowpass', Q: 4, rolloff: -24 },
        filterEnvelope: { baseFrequency: 'C2', octaves: 4, exponent: 2, attackCurve: [0, 0.2, 1] },
      },
    },
    {
      kind: 'tone',
      instrument: 'DuoSynth',
      note: 440,
      options: {
        vibratoAmount: 0.5,
        vibratoRate: 5,
        harmonicity: 1.5,
        voice0: { oscillator: { type: 'fatsawtooth', count: 3, spread: 30 } },
        voice1: { filter: { frequency: 'G5' } },
      },
    },
    {
      kind: 'tone',
      instrument: 'Synth',
      note: 'G4',
      options: {
        portamento: 0.05,
        oscillator: { type: 'fmsquare', modulationType: 'triangle', harmonicity: 3, modulationIndex: 20 },
      },
    },
  ];
  for (const patch of patches) validateSound('good', patch);
});

test('the largest legal options tree (every curve and partial of a DuoSynth) passes', () => {
  const curve = new Array(SOUND_LIMITS.maxCurvePoints).fill(0.5);
  const envelope = {
    attack: 0.1,
    decay: 0.1,
    sustain: 0.5,
    release: 0.1,
    attackCurve: curve,
    decayCurve: 'linear',
    releaseCurve: curve,
  };
  const voice = {
    volume: 0,
    detune: 0,
    portamento: 0,
    envelope,
    oscillator: {
      type: 'fatcustom',
      count: 4,
      spread: 20,
      phase: 0,
      partials: new Array(SOUND_LIMITS.maxPartials).fill(0.1),
    },
    filter: { type: 'lowpass', frequency: 1000, Q: 1, gain: 0, rolloff: -24, detune: 0 },
    filterEnvelope: { ...envelope, baseFrequency: 200, octaves: 3, exponent: 2 },
  };
  const sound = validateSound('big', {
    kind: 'tone',
    instrument: 'DuoSynth',
    options: { voice0: voice, voice1: voice },
  });
  assert.deepEqual(sound.kind === 'tone' && sound.options, { voice0: voice, voice1: voice });
});

test('midi: a note 0..127 and an optional channel 1..16 are kept; anything else is refused with the field', () => {
  const tone = validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', midi: { note: 36 } });
  assert.deepEqual(tone.midi, { note: 36 });
  const withChannel = validateSound('kick', {
    kind: 'tone',
    instrument: 'MembraneSynth',
    midi: { note: 36, channel: 2 },
  });
  assert.deepEqual(withChannel.midi, { note: 36, channel: 2 });
  assert.throws(
    () => validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', midi: { note: 128 } }),
    /'midi.note' must be a whole number in \[0, 127\]/,
  );
  assert.throws(
    () =>
      validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', midi: { note: 36, channel: 0 } }),
    /'midi.channel' must be/,
  );
  assert.throws(
    () => validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', midi: { note: 36, port: 1 } }),
    /unknown field 'midi.port'/,
  );
  assert.throws(
    () => validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', midi: 36 }),
    /'midi' must be \{ note, channel\? \}/,
  );
});
