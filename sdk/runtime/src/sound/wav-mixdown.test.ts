import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SoundBank } from './bank.ts';
import { decodeWav } from './wav.ts';
import { renderEventsToWav } from './wav-mixdown.ts';

test('renderEventsToWav places each event at its time from the origin, through the mixer', async () => {
  const bank = await SoundBank.render({
    blip: { kind: 'tone', instrument: 'Synth', note: 'A4', duration: 0.05, length: 0.1 },
  });
  const events = [
    { t: 1100, sound: 'blip', velocity: 1, pan: -1 },
    { t: 1500, sound: 'blip', velocity: 0.5, pan: 1 },
    { t: 1600, sound: 'unknown', velocity: 1, pan: 0 },
  ];
  const { wav, seconds } = await renderEventsToWav(events, bank, 1000, 1700);
  const { sampleRate, channels } = decodeWav(wav);
  assert.equal(sampleRate, 48000);
  assert.ok(seconds >= 0.7 && seconds < 0.8, `${seconds} s`);
  const [left, right] = channels;
  const firstSound = (samples: Float32Array) => samples.findIndex((s) => Math.abs(s) > 1e-3);
  assert.ok(Math.abs(firstSound(left!) - 4800) < 48, `left starts at sample ${firstSound(left!)}`);
  assert.ok(Math.abs(firstSound(right!) - 24000) < 48, `right starts at sample ${firstSound(right!)}`);
});
