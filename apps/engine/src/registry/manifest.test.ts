import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, parseManifest } from './manifest.ts';

const valid = {
  name: 'my-drum',
  version: '1.0.0',
  sdk: '^0.1.0',
  description: 'A drum.',
  sounds: { hit: { kind: 'tone', instrument: 'MembraneSynth', note: 'C2', duration: 0.3 } },
  params: { speed: { type: 'number', default: 1, min: 0, max: 2 } },
  bundle: { sha256: 'a'.repeat(64), size: 100 },
};

test('a valid manifest parses', () => {
  const result = parseManifest(valid);
  assert.ok(result.ok);
  assert.equal(result.manifest.name, 'my-drum');
});

test('malformed manifests are refused with the field named', () => {
  const cases: [unknown, RegExp][] = [
    [null, /Malformed manifest/],
    [{ ...valid, name: 'My Drum' }, /'name'/],
    [{ ...valid, version: '1.0' }, /'version': must be a semantic version/],
    [{ ...valid, sdk: 'not a range!' }, /'sdk'/],
    [{ ...valid, sounds: {} }, /'sounds': must declare at least one sound/],
    [{ ...valid, params: { x: { type: 'slider' } } }, /'params.x.type'/],
    [{ ...valid, bundle: { sha256: 'xyz', size: 1 } }, /'bundle.sha256'/],
    [{ ...valid, extra: 1 }, /extra/],
  ];
  for (const [manifest, pattern] of cases) {
    const result = parseManifest(manifest);
    assert.ok(!result.ok, `accepted ${JSON.stringify(manifest)}`);
    assert.match(result.message, pattern);
  }
});

test('canonical JSON ignores key order', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 2 }] } }),
    canonicalJson({ a: { c: [3, { e: 2, f: 1 }], d: 2 }, b: 1 }),
  );
  assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: 2 }));
});

test('a Tone patch outside the sound limits is refused with the field and the range', () => {
  const evil = (hit: object) => ({
    ...valid,
    sounds: { hit: { kind: 'tone', instrument: 'Synth', ...hit } },
  });
  const cases: [unknown, RegExp][] = [
    [
      evil({ options: { oscillator: { type: 'fatsawtooth', count: 1000 } } }),
      /'sounds.hit': option 'oscillator.count' must be an integer in 1..8, got 1000/,
    ],
    [
      evil({ options: { oscillator: { partials: new Array(100_000).fill(1) } } }),
      /'sounds.hit': option 'oscillator.partials' has 100000 entries; at most 32/,
    ],
    [evil({ duration: 1e6 }), /'sounds.hit': 'duration' must be a number of seconds in \(0, 4\]/],
    [evil({ length: 1e9 }), /'sounds.hit': 'length'/],
    [evil({ options: { wobble: 1 } }), /'sounds.hit': Synth has no option 'wobble'/],
    [evil({ instrument: 'PluckSynth' }), /'sounds.hit': PluckSynth can't be rendered/],
  ];
  for (const [manifest, pattern] of cases) {
    const result = parseManifest(manifest);
    assert.ok(!result.ok, `accepted ${JSON.stringify(manifest).slice(0, 200)}`);
    assert.match(result.message, pattern);
  }
  assert.ok(parseManifest(evil({ options: { oscillator: { type: 'fatsawtooth', count: 8 } } })).ok);
});
