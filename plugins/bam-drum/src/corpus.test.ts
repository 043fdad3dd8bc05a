// The stroke corpus scored: the bare detector on every pattern, and bam-drum through the real
// sandbox on a few recordings (it must hear what the bare detector hears). The full tables:
// `npm run bench -w @bambam/bam-drum`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusRecording, PATTERNS, SEEDS, SILENT_PATTERNS } from '../corpus/generate.ts';
import { detectorHits, loadSandbox, sandboxHits } from '../corpus/runners.ts';
import { emptyScore, quantile, rates, scoreRecording } from '../corpus/score.ts';

test('the corpus is the same on every run', () => {
  const a = corpusRecording('fast-roll', 2);
  const b = corpusRecording('fast-roll', 2);
  assert.deepEqual(a.frames.slice(0, 40), b.frames.slice(0, 40));
  assert.deepEqual(a.labels, b.labels);
  assert.ok(a.labels.length > 40, `${a.labels.length} roll strokes in 10 s`);
});

test('bare StrokeDetector on the corpus: precision and recall per pattern, landing on the bottom', () => {
  const errors: number[] = [];
  const leads: number[] = [];
  for (const pattern of Object.keys(PATTERNS)) {
    const score = emptyScore();
    for (const seed of SEEDS) {
      const recording = corpusRecording(pattern, seed);
      scoreRecording(recording, detectorHits(recording), score);
    }
    const { precision, recall } = rates(score, 200);
    if (SILENT_PATTERNS.includes(pattern)) {
      assert.equal(score.hits, 0, `${pattern}: ${score.hits} hits from a hand that never strikes`);
      continue;
    }
    assert.ok(precision >= 0.95, `${pattern}: precision ${precision}`);
    assert.ok(recall >= 0.9, `${pattern}: recall ${recall}`);
    const median = quantile(score.errors, 0.5);
    assert.ok(Math.abs(median) <= 10, `${pattern}: median timing ${median} ms`);
    errors.push(...score.errors);
    leads.push(...score.leads);
  }
  // Measured: timing p10 −20, p90 +25 ms; median lead +27 ms (the sound can be scheduled ahead).
  const [p10, p90] = [quantile(errors, 0.1), quantile(errors, 0.9)];
  assert.ok(p10 >= -30 && p90 <= 30, `timing spread ${p10}..${p90} ms`);
  assert.ok(quantile(leads, 0.5) >= 20, `median lead ${quantile(leads, 0.5)} ms`);
});

test('bam-drum in the sandbox hears what the bare detector hears', { timeout: 180_000 }, async () => {
  const { compilePlugin } = await import('@bambam/runtime');
  const compiled = await compilePlugin({ entry: join(import.meta.dirname, '..') });
  const sandbox = await loadSandbox(compiled);
  try {
    for (const pattern of ['two-hands', 'glitches', 'waving']) {
      const recording = corpusRecording(pattern, 1);
      const inSandbox = await sandboxHits(sandbox, recording.frames);
      const bare = detectorHits(recording);
      assert.deepEqual(
        inSandbox.map((hit) => hit.t),
        bare.map((hit) => hit.t),
        pattern,
      );
    }
  } finally {
    sandbox.dispose();
  }
});
