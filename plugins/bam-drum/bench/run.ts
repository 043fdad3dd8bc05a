/**
 * Scores bam-drum's stroke detection on the corpus and prints a table per runner:
 *
 *   npm run bench -w @bambam/bam-drum                 # the plugin in the sandbox + the bare detector
 *   npm run bench -w @bambam/bam-drum -- --detector   # the bare detector only (fast)
 *   ... -- --pattern small-taps --pattern fast-roll   # some patterns only
 *   ... -- --params sensitivity=0.7                   # plugin params
 */
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { corpusRecording, PATTERNS, SEEDS } from '../corpus/generate.ts';
import { detectorHits, loadSandbox, sandboxHits } from '../corpus/runners.ts';
import { emptyScore, formatTable, type Score, scoreRecording } from '../corpus/score.ts';

const { values } = parseArgs({
  options: {
    detector: { type: 'boolean', default: false },
    pattern: { type: 'string', multiple: true },
    params: { type: 'string', multiple: true },
  },
});
const patterns = values.pattern?.length ? values.pattern : Object.keys(PATTERNS);
const params = Object.fromEntries(
  (values.params ?? []).map((pair) => {
    const [key, value] = pair.split('=');
    return [key!, Number.isNaN(Number(value)) ? value : Number(value)];
  }),
);
const recordings = patterns.flatMap((pattern) => SEEDS.map((seed) => corpusRecording(pattern, seed)));
const frames = recordings.reduce((n, r) => n + r.frames.length, 0);
console.log(
  `corpus: ${patterns.length} patterns x ${SEEDS.length} players, ${frames} frames at 30 fps, ${recordings.reduce((n, r) => n + r.labels.length, 0)} labelled strokes`,
);

const byPattern = () => new Map<string, Score>(patterns.map((p) => [p, emptyScore()]));

if (!values.detector) {
  const { compilePlugin } = await import('@bambam/runtime');
  const compiled = await compilePlugin({ entry: join(import.meta.dirname, '..') });
  const sandbox = await loadSandbox(compiled, params);
  const scores = byPattern();
  const started = performance.now();
  try {
    for (const recording of recordings)
      scoreRecording(recording, await sandboxHits(sandbox, recording.frames), scores.get(recording.pattern)!);
  } finally {
    sandbox.dispose();
  }
  console.log(
    `\n${formatTable(`bam-drum in the sandbox (${Math.round(performance.now() - started)} ms), params ${JSON.stringify(params)}; matched per hand, timing = landing - labelled bottom (ms), lead = landing - fire frame`, scores)}`,
  );
}

const scores = byPattern();
const started = performance.now();
for (const recording of recordings)
  scoreRecording(recording, detectorHits(recording), scores.get(recording.pattern)!);
console.log(
  `\n${formatTable(`bare StrokeDetector, default options (${Math.round(performance.now() - started)} ms)`, scores)}`,
);
process.exitCode = 0;
