import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sound } from '@bambam/sdk';
import { SoundBank } from './bank.ts';
import { SAMPLE_RATE } from './constants.ts';
import { SoundError } from './errors.ts';
import { loadTone } from './node-tone.ts';
import { renderSound } from './render.ts';
import { encodeWav } from './wav.ts';
import { DEFAULT_RENDER_LIMITS } from './worker-client.ts';

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

test('trimming a periodic wave of its trailing zeros leaves the samples exactly the same', async () => {
  await loadTone(); // node-web-audio-api's classes on globalThis
  const { OfflineAudioContext } = globalThis as unknown as {
    OfflineAudioContext: typeof globalThis.OfflineAudioContext;
  };
  const real = new Float32Array(2048);
  const imag = new Float32Array(2048);
  for (let n = 1; n <= 32; n++) imag[n] = ((n & 1 ? 1 : -1) * 2) / (n * Math.PI);
  const renderWith = async (length: number) => {
    const context = new OfflineAudioContext(1, 4800, SAMPLE_RATE);
    const oscillator = context.createOscillator();
    oscillator.setPeriodicWave(
      context.createPeriodicWave(real.subarray(0, length), imag.subarray(0, length)),
    );
    oscillator.frequency.value = 220;
    oscillator.connect(context.destination);
    oscillator.start(0);
    return (await context.startRendering()).getChannelData(0);
  };
  const [full, trimmed] = [await renderWith(2048), await renderWith(33)];
  assert.ok(peak(full) > 0.5);
  assert.deepEqual(trimmed, full);
});

/** The costliest patches SOUND_LIMITS allow: eight full-band fat voices, the longest length, the heaviest filters. */
function worstPatches(): [string, Sound][] {
  const phase = (n: number) => 1 + ((n * 7.3 + process.pid) % 300); // not in Tone's wave cache
  const envelope = { attack: 0.001, decay: 4, sustain: 1, release: 4, attackCurve: new Array(64).fill(0.5) };
  const voice = (oscillator: object) => ({
    oscillator,
    envelope,
    filter: { rolloff: -96, Q: 100, type: 'peaking', gain: 40, frequency: 20000 },
    filterEnvelope: { ...envelope, baseFrequency: 20, octaves: 12, exponent: 10 },
    portamento: 4,
  });
  const fat = (type: string, count: number, n: number) => ({ type, count, spread: 1200, phase: phase(n) });
  const base = { kind: 'tone', duration: 4, length: 4, note: 20000 } as const;
  return [
    [
      'DuoSynth 4+4 fat voices',
      {
        ...base,
        instrument: 'DuoSynth',
        options: {
          voice0: voice(fat('fatsawtooth', 4, 1)),
          voice1: voice(fat('fattriangle', 4, 2)),
          vibratoAmount: 1,
          vibratoRate: 1000,
          harmonicity: 64,
        },
      },
    ],
    [
      'FMSynth 7 fat voices + sawtooth',
      {
        ...base,
        instrument: 'FMSynth',
        options: {
          oscillator: fat('fatsquare', 7, 3),
          modulation: { type: 'sawtooth', phase: phase(4) },
          envelope,
          modulationEnvelope: envelope,
          modulationIndex: 256,
          harmonicity: 64,
        },
      },
    ],
    [
      'MonoSynth 8 fat voices',
      { ...base, instrument: 'MonoSynth', options: voice(fat('fatsawtooth', 8, 5)) },
    ],
  ];
}

test(`the costliest patches allowed render in well under the ${DEFAULT_RENDER_LIMITS.soundTimeoutMs / 1000} s timeout (CPU time)`, async (t) => {
  await loadTone();
  for (const [label, patch] of worstPatches()) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const rendered = await renderSound(label, patch, { thread: 'here' });
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    t.diagnostic(`${label}: ${cpuMs.toFixed(0)} ms CPU, ${(performance.now() - wall).toFixed(0)} ms wall`);
    assert.ok(rendered.left.length > SAMPLE_RATE);
    assert.ok(cpuMs < DEFAULT_RENDER_LIMITS.soundTimeoutMs * 0.8, `${label}: ${cpuMs} ms of CPU`);
  }
});

test('options the rules allow are options Tone takes: rich patches of each kind render', async () => {
  const curve = new Array(64).fill(0.5);
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
    oscillator: { type: 'fatcustom', count: 4, spread: 20, phase: 0, partials: new Array(32).fill(0.1) },
    filter: { type: 'lowpass', frequency: 1000, Q: 1, gain: 0, rolloff: -24, detune: 0 },
    filterEnvelope: { ...envelope, baseFrequency: 200, octaves: 3, exponent: 2 },
  };
  const patches = [
    {
      kind: 'tone',
      instrument: 'DuoSynth',
      options: { voice0: voice, voice1: voice, vibratoAmount: 0.5, vibratoRate: 5 },
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
      instrument: 'Synth',
      note: 'G4',
      options: {
        oscillator: {
          type: 'fmsquare',
          modulationType: 'triangle',
          harmonicity: 3,
          modulationIndex: 20,
          volume: -6,
          mute: false,
        },
      },
    },
    {
      kind: 'tone',
      instrument: 'NoiseSynth',
      options: {
        noise: { type: 'brown', playbackRate: 2, fadeIn: 0.01, fadeOut: 0.01 },
        envelope: { attackCurve: 'ripple' },
      },
    },
    {
      kind: 'tone',
      instrument: 'MembraneSynth',
      note: 'C-1',
      options: { octaves: 0.5, pitchDecay: 0.5, oscillator: { type: 'sine8', phase: 90 } },
    },
  ] as const;
  for (const patch of patches) {
    const rendered = await renderSound(patch.instrument, patch as unknown as Sound, { thread: 'here' });
    assert.ok(peak(rendered.left) > 0.01, `${patch.instrument} is audible`);
  }
});
