import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SoundBank } from './bank.ts';
import { SAMPLE_RATE } from './constants.ts';
import { SoundError } from './errors.ts';
import { renderSound } from './render.ts';
import { encodeWav } from './wav.ts';

function peak(samples: Float32Array): number {
  let p = 0;
  for (const s of samples) p = Math.max(p, Math.abs(s));
  return p;
}

test('renders a MembraneSynth kick with Tone.js at 48 kHz, trimmed and within full scale', async () => {
  const kick = await renderSound('kick', {
    kind: 'tone',
    instrument: 'MembraneSynth',
    note: 'C1',
    duration: 0.3,
    options: { envelope: { attack: 0.001, decay: 0.3, sustain: 0, release: 0.1 } },
  });
  assert.equal(kick.name, 'kick');
  assert.equal(kick.left.length, kick.right.length);
  assert.ok(kick.durationMs > 150 && kick.durationMs < 1300, `duration ${kick.durationMs}`);
  assert.ok(Math.abs(kick.durationMs - (kick.left.length / SAMPLE_RATE) * 1000) < 1e-6);
  const p = peak(kick.left);
  assert.ok(p > 0.3 && p <= 1, `peak ${p}`);
  assert.ok(Math.abs(kick.left[10]!) + Math.abs(kick.left[200]!) > 0, 'sound starts at once');
});

test('a loud patch (MetalSynth) is scaled to full scale; gain applies', async () => {
  const hat = await renderSound('hat', { kind: 'tone', instrument: 'MetalSynth', duration: 0.05 });
  assert.ok(Math.abs(peak(hat.left) - 1) < 1e-6);
  const quiet = await renderSound('hat', {
    kind: 'tone',
    instrument: 'NoiseSynth',
    duration: 0.05,
    gain: 0.1,
  });
  assert.ok(peak(quiet.left) < 0.11);
});

test('an unknown Tone option is rejected with the options the instrument has', async () => {
  await assert.rejects(
    renderSound('kick', { kind: 'tone', instrument: 'MembraneSynth', options: { wobble: 1 } }),
    (error: unknown) =>
      error instanceof SoundError &&
      /no option 'wobble'/.test(error.message) &&
      /pitchDecay/.test(error.message),
  );
  await assert.rejects(
    renderSound('kick', { kind: 'tone', instrument: 'MembraneSynth', options: { onsilence: 'x' } }),
    /no option 'onsilence'/,
  );
});

test('a 22.05 kHz mono WAV sample is resampled to 48 kHz stereo', async () => {
  const samples = new Float32Array(2205).fill(0.5);
  const sound = await renderSound('blip', { kind: 'sample', wav: encodeWav(samples, 22050, 1) });
  assert.ok(Math.abs(sound.left.length - 4800) <= 1);
  assert.deepEqual(sound.left, sound.right);
  assert.ok(Math.abs(sound.left[2400]! - 0.5) < 0.001);
});

test('SoundBank renders all sounds in parallel, reuses identical patches, and names the bad one', async () => {
  const patch = { kind: 'tone', instrument: 'Synth', note: 'A4', duration: 0.05 } as const;
  const bank = await SoundBank.render({ a: patch, b: { ...patch }, c: { ...patch, note: 'A3' } });
  assert.deepEqual(bank.names, ['a', 'b', 'c']);
  assert.equal(bank.get('a')!.name, 'a');
  assert.equal(bank.get('b')!.name, 'b');
  assert.equal(bank.get('a')!.left, bank.get('b')!.left, 'same patch rendered once');
  assert.notEqual(bank.get('a')!.left, bank.get('c')!.left);
  assert.equal(bank.get('nope'), undefined);
  await assert.rejects(
    SoundBank.render({ ok: patch, broken: { kind: 'tone', instrument: 'Banjo' } as never }),
    (error: unknown) => error instanceof SoundError && error.sound === 'broken',
  );
});

test('the render worker and the calling thread render the same samples', async () => {
  const patch = { kind: 'tone', instrument: 'MembraneSynth', note: 'E1', duration: 0.2 } as const;
  const [inWorker, here] = await Promise.all([
    renderSound('a', patch),
    renderSound('a', patch, { thread: 'here' }),
  ]);
  assert.equal(inWorker.left.length, here.left.length);
  assert.ok(inWorker.left.length > 1000);
  assert.deepEqual(inWorker.left, here.left);
});
