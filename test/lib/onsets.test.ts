import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectOnsets, peakEnvelope } from './onsets.ts';

const RATE = 48_000;

/** Deterministic noise so a failure reproduces. */
function noise(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** A signal of `seconds` with white noise at `noiseDb` dBFS (peak) and decaying drum-like hits. */
function signal(
  seconds: number,
  hits: readonly { atMs: number; amplitude?: number; decayMs?: number; hz?: number }[],
  noiseDb = -70,
  rate = RATE,
): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  const rand = noise(42);
  const noiseAmp = 10 ** (noiseDb / 20);
  for (let i = 0; i < out.length; i++) out[i] = noiseAmp * rand();
  for (const hit of hits) {
    const start = Math.round((hit.atMs * rate) / 1000);
    const decay = ((hit.decayMs ?? 120) * rate) / 1000;
    const hz = hit.hz ?? 110;
    for (let i = start; i < out.length && i - start < decay * 8; i++) {
      const n = i - start;
      out[i] += (hit.amplitude ?? 0.5) * Math.exp(-n / decay) * Math.sin((2 * Math.PI * hz * n) / rate);
    }
  }
  return out;
}

/** Adds an Opus-like pre-echo: a burst of noise `level` dB under the hit, `leadMs` before it. */
function addPreEcho(samples: Float32Array, atMs: number, leadMs: number, level: number, rate = RATE) {
  const rand = noise(7);
  const start = Math.round(((atMs - leadMs) * rate) / 1000);
  const end = Math.round((atMs * rate) / 1000);
  const amp = 0.5 * 10 ** (level / 20);
  for (let i = Math.max(0, start); i < end; i++) samples[i] += amp * rand() * ((i - start) / (end - start));
}

/**
 * A receiver's dropout: the sound fades out over 15 ms at `atMs`, `gapMs` of the noise floor
 * follow, then the rest of the sound, late by `gapMs` (a jitter buffer that ran dry, then played on).
 */
function withDropout(samples: Float32Array, atMs: number, gapMs: number, rate = RATE): Float32Array {
  const at = Math.round((atMs * rate) / 1000);
  const gap = Math.round((gapMs * rate) / 1000);
  const fade = Math.round((15 * rate) / 1000);
  const out = new Float32Array(samples.length);
  const rand = noise(9);
  for (let i = 0; i < out.length; i++) {
    if (i < at) out[i] = samples[i];
    else if (i < at + fade) out[i] = samples[i] * (1 - (i - at) / fade);
    else if (i < at + gap) out[i] = 10 ** (-70 / 20) * rand();
    else out[i] = samples[i - gap];
  }
  return out;
}

/**
 * A receiver that conceals a dropout by fading the sound `fadeDb` down over 30 ms at `atMs`
 * (not to silence) and, after `gapMs`, plays the rest of the sound, late by `gapMs`.
 */
function withFade(
  samples: Float32Array,
  atMs: number,
  gapMs: number,
  fadeDb: number,
  rate = RATE,
): Float32Array {
  const at = Math.round((atMs * rate) / 1000);
  const gap = Math.round((gapMs * rate) / 1000);
  const ramp = Math.round((30 * rate) / 1000);
  const floor = 10 ** (-fadeDb / 20);
  const out = new Float32Array(samples.length);
  for (let i = 0; i < out.length; i++) {
    if (i < at) out[i] = samples[i];
    else if (i < at + gap) out[i] = samples[i] * (1 - (1 - floor) * Math.min(1, (i - at) / ramp));
    else out[i] = samples[i - gap];
  }
  return out;
}

function assertNear(actual: number, expected: number, tolerance: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(2)} not within ${tolerance} of ${expected}`,
  );
}

describe('peakEnvelope', () => {
  it('with no release, gives each window its own sample peak', () => {
    assert.deepEqual(Array.from(peakEnvelope([0, 1, 0, 0, -0.25, 0, 0.5], 2, 0)), [1, 0, 0.25, 0.5]);
  });

  it('follows peaks instantly and releases slowly, window by window (the last one partial)', () => {
    const env = peakEnvelope([0, 1, 0, 0, 0, 0, 0.5], 2, 1);
    assert.deepEqual(
      Array.from(env, (v) => Number(v.toFixed(4))),
      [1, 0.3679, 0.0498, 0.5],
    );
  });
});

describe('detectOnsets', () => {
  it('finds exactly the four hits of a 4-stroke loop, each within 1 ms', () => {
    const truth = [250, 1250, 2250, 3250];
    const pcm = signal(
      4,
      truth.map((atMs) => ({ atMs })),
    );
    const { onsets } = detectOnsets(pcm, RATE);
    assert.equal(onsets.length, 4, `onsets at ${onsets.map((o) => o.timeMs.toFixed(1)).join(', ')}`);
    for (const [i, o] of onsets.entries()) assertNear(o.timeMs, truth[i], 1, `onset ${i}`);
  });

  it('places the onset at the attack, not at the pre-echo smeared before it', () => {
    const truth = [300, 1300];
    const pcm = signal(
      2,
      truth.map((atMs) => ({ atMs })),
    );
    for (const atMs of truth) addPreEcho(pcm, atMs, 8, -20);
    const { onsets } = detectOnsets(pcm, RATE);
    assert.equal(onsets.length, 2);
    for (const [i, o] of onsets.entries()) assertNear(o.timeMs, truth[i], 1, `onset ${i}`);
    // The pre-echo alone is loud enough to trigger: it must be what the refinement skipped.
    const echoOnly = new Float32Array(pcm.length);
    addPreEcho(echoOnly, 300, 8, -20);
    assert.equal(detectOnsets(echoOnly, RATE).onsets.length, 1, 'the pre-echo burst is above threshold');
  });

  it('reports nothing in silence or in steady noise', () => {
    assert.equal(detectOnsets(new Float32Array(RATE), RATE).onsets.length, 0);
    assert.equal(detectOnsets(signal(1, [], -30), RATE).onsets.length, 0);
  });

  it('ignores hits quieter than the absolute minimum level', () => {
    const pcm = signal(1, [{ atMs: 200, amplitude: 0.002 }], -90);
    assert.equal(detectOnsets(pcm, RATE).onsets.length, 0);
    assert.equal(detectOnsets(pcm, RATE, { minLevelDb: -80 }).onsets.length, 1);
  });

  it('counts one hit once within the refractory period', () => {
    const pcm = signal(1, [
      { atMs: 200, decayMs: 30 },
      { atMs: 260, amplitude: 0.9 },
    ]);
    assert.equal(detectOnsets(pcm, RATE).onsets.length, 1);
    const both = detectOnsets(pcm, RATE, { refractoryMs: 30 }).onsets;
    assert.equal(both.length, 2);
    assertNear(both[1].timeMs, 260, 1.5, 'second onset');
  });

  it('finds a hit that lands on the decay of the previous one', () => {
    const pcm = signal(1.5, [
      { atMs: 200, amplitude: 0.3, decayMs: 400 },
      { atMs: 600, amplitude: 0.9, decayMs: 100 },
    ]);
    const { onsets } = detectOnsets(pcm, RATE);
    assert.equal(onsets.length, 2, `onsets at ${onsets.map((o) => o.timeMs.toFixed(1)).join(', ')}`);
    assertNear(onsets[1].timeMs, 600, 1.5, 'second onset');
  });

  it('counts a low, long drum once, though its envelope dips at every zero crossing', () => {
    // Like bam-drum's MembraneSynth at A1: 55 Hz, 350 ms decay.
    const pcm = signal(3, [
      { atMs: 300, hz: 55, decayMs: 350 },
      { atMs: 1300, hz: 55, decayMs: 350 },
      { atMs: 2300, hz: 55, decayMs: 350 },
    ]);
    const { onsets } = detectOnsets(pcm, RATE);
    assert.equal(onsets.length, 3, `onsets at ${onsets.map((o) => o.timeMs.toFixed(1)).join(', ')}`);
    // A 55 Hz sine takes 0.7 ms to reach a quarter of its peak.
    for (const [i, o] of onsets.entries()) assertNear(o.timeMs, 300 + 1000 * i, 1.5, `onset ${i}`);
  });

  it('counts a sound cut by a dropout once, and reports the dropout apart', () => {
    const pcm = withDropout(signal(2, [{ atMs: 200 }, { atMs: 1200 }]), 450, 170);
    const { onsets, dropouts } = detectOnsets(pcm, RATE);
    assert.deepEqual(
      onsets.map((o) => Math.round(o.timeMs)),
      [200, 1370],
    );
    assert.equal(dropouts.length, 1);
    assertNear(dropouts[0]!.fromMs, 465, 10, 'dropout start (the end of its fade)');
    assertNear(dropouts[0]!.toMs, 620, 5, 'dropout end');
    assert.ok(dropouts[0]!.afterDb <= dropouts[0]!.beforeDb, JSON.stringify(dropouts[0]));
  });

  it('counts a sound the receiver faded fast, not to silence, and resumed, once', () => {
    // Cut at 300 ms near its peak (−9 dBFS), faded 30 dB, the rest played 120 ms late.
    const pcm = withFade(signal(2, [{ atMs: 200, amplitude: 0.9 }, { atMs: 1200 }]), 300, 120, 30);
    const { onsets, dropouts } = detectOnsets(pcm, RATE);
    assert.deepEqual(
      onsets.map((o) => Math.round(o.timeMs)),
      [200, 1320],
    );
    assert.equal(dropouts.length, 1, JSON.stringify(dropouts));
    assertNear(dropouts[0]!.fromMs, 315, 20, 'dropout start (in the fall)');
    assertNear(dropouts[0]!.toMs, 420, 10, 'dropout end');
    // The old rule (silence only) took the rest for a hit.
    assert.equal(detectOnsets(pcm, RATE, { cutDb: 200 }).onsets.length, 3);
  });

  it('counts a hit as loud as the one before it, after that one decayed, twice', () => {
    const pcm = signal(1, [
      { atMs: 200, decayMs: 40 },
      { atMs: 450, decayMs: 40 },
    ]);
    const { onsets, dropouts } = detectOnsets(pcm, RATE);
    assert.deepEqual(
      onsets.map((o) => Math.round(o.timeMs)),
      [200, 450],
    );
    assert.deepEqual(dropouts, []);
  });

  it('counts a loud hit after a short silence as a hit, not as a dropout', () => {
    const pcm = signal(1, [
      { atMs: 200, amplitude: 0.05, decayMs: 30 },
      { atMs: 400, amplitude: 0.9 },
    ]);
    const { onsets, dropouts } = detectOnsets(pcm, RATE);
    assert.deepEqual(
      onsets.map((o) => Math.round(o.timeMs)),
      [200, 400],
    );
    assert.deepEqual(dropouts, []);
  });

  it('counts a sound that comes back after longer than resumeWithinMs as a hit', () => {
    const pcm = withDropout(signal(2, [{ atMs: 200 }]), 450, 400);
    assert.equal(detectOnsets(pcm, RATE).onsets.length, 2);
    assert.equal(detectOnsets(pcm, RATE, { resumeWithinMs: 500 }).onsets.length, 1);
  });

  it('works at 44.1 kHz', () => {
    const pcm = signal(2, [{ atMs: 500 }, { atMs: 1500 }], -70, 44_100);
    const { onsets } = detectOnsets(pcm, 44_100);
    assert.deepEqual(
      onsets.map((o) => Math.round(o.timeMs)),
      [500, 1500],
    );
  });

  it('rejects a bad sample rate or attack fraction with a clear error', () => {
    assert.throws(() => detectOnsets([0, 1], 0), /sample rate must be a positive number/);
    assert.throws(() => detectOnsets([0, 1], Number.NaN), /sample rate/);
    assert.throws(() => detectOnsets([0, 1], RATE, { attackFraction: 2 }), /attackFraction/);
    assert.deepEqual(detectOnsets([], RATE).onsets, []);
  });
});
