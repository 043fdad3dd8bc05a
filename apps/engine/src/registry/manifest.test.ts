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

test('a Tone patch whose options nest too deep or hold too much is refused before anything walks it', () => {
  const withOptions = (options: object) => ({
    ...valid,
    sounds: { hit: { kind: 'tone', instrument: 'Synth', options } },
  });
  let deep: Record<string, unknown> = { attack: 0.1 };
  for (let i = 0; i < 100_000; i++) deep = { envelope: deep };
  const wide: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) wide[`k${i}`] = i;
  const cases: [unknown, RegExp][] = [
    [withOptions(deep), /'sounds.hit.options': nests deeper than 6 levels/],
    [withOptions(wide), /'sounds.hit.options': holds more than 800 values/],
    [withOptions({ oscillator: { partials: new Array(100_000).fill(1) } }), /holds more than 800 values/],
  ];
  for (const [manifest, pattern] of cases) {
    const result = parseManifest(manifest);
    assert.ok(!result.ok, 'accepted');
    assert.match(result.message, pattern);
  }
  // Whether each option is one Synth has, in range, is the sound validator's call when the
  // bundle is validated (422 with the field and the range): the manifest only bounds the shape.
  assert.ok(parseManifest(withOptions({ oscillator: { type: 'fatsawtooth', count: 8 } })).ok);
});
