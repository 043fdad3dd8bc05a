/**
 * Extracts the real material the stroke corpus is built from, with `bambam track` (the repo's
 * hand tracker): 21-landmark hand shapes from the fixture photos, and the per-landmark tracker
 * jitter of a still hand from the fixture clip. Writes `shapes.json` beside this file.
 *
 *   node --no-node-snapshot plugins/bam-drum/corpus/extract-shapes.ts [fixtures dir]
 *
 * Shapes are stored normalised: wrist at the origin, wrist → middle knuckle pointing up (−y)
 * with length 1, x in the same units as y (pixel-proportional), right-hand orientation (a left
 * hand is mirrored). Derived data only; the photos stay in the fixtures.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Frame, Hand } from '@bambam/sdk';

const run = promisify(execFile);
const HERE = import.meta.dirname;
const REPO = resolve(HERE, '../../..');
const FIXTURES = resolve(process.argv[2] ?? process.env.BAMBAM_FIXTURES ?? join(REPO, '../shared/fixtures'));
const BAMBAM = fileURLToPath(new URL('../../../sdk/cli/bin/bambam.js', import.meta.url));

async function track(file: string, dir: string, images: boolean): Promise<Frame[]> {
  const out = join(dir, 'out.jsonl');
  const args = ['--no-node-snapshot', BAMBAM, 'track', file, '--quiet', '--out', out];
  if (images) args.push('--images');
  await run(process.execPath, args, { cwd: REPO });
  return (await readFile(out, 'utf8'))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Frame);
}

/** Wrist at 0, wrist → middle knuckle = (0, −1), right-handed; [x, y, z] rounded. */
function normalise(hand: Hand, width: number, height: number): number[][] {
  const aspect = width / height;
  const points = hand.landmarks.map((p) => ({ x: p.x * aspect, y: p.y, z: p.z * aspect }));
  const wrist = points[0]!;
  const middle = points[9]!;
  const dx = middle.x - wrist.x;
  const dy = middle.y - wrist.y;
  const length = Math.hypot(dx, dy);
  // Rotate so that (dx, dy) becomes (0, −length).
  const angle = Math.atan2(dx, -dy);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const mirror = hand.handedness === 'Left' ? -1 : 1;
  return points.map((p) => {
    const x = (p.x - wrist.x) / length;
    const y = (p.y - wrist.y) / length;
    const rx = x * cos + y * sin;
    const ry = -x * sin + y * cos;
    return [round(mirror * rx), round(ry), round((p.z - wrist.z) / length)];
  });
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Per-landmark jitter of the still phases of the clip: RMS of frame-to-frame steps, in hand lengths. */
function jitterOf(frames: Frame[]): { perLandmark: number[]; stillFrames: number } {
  const sums = Array<number>(21).fill(0);
  let n = 0;
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1]!.hands[0];
    const b = frames[i]!.hands[0];
    if (!a || !b) continue;
    const knuckles = (h: Hand) => [5, 9, 13, 17].reduce((s, k) => s + h.landmarks[k]!.y, 0) / 4;
    if (Math.abs(knuckles(a) - knuckles(b)) > 0.003) continue; // moving: not a still phase
    const scale = Math.hypot(b.landmarks[0]!.x - b.landmarks[9]!.x, b.landmarks[0]!.y - b.landmarks[9]!.y);
    for (let k = 0; k < 21; k++) {
      const step = Math.hypot(b.landmarks[k]!.x - a.landmarks[k]!.x, b.landmarks[k]!.y - a.landmarks[k]!.y);
      sums[k]! += (step / scale) ** 2;
    }
    n++;
  }
  return {
    perLandmark: sums.map((s) => Math.round(Math.sqrt(s / Math.max(1, n)) * 1e5) / 1e5),
    stillFrames: n,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'bam-drum-shapes-'));
try {
  const imagesDir = join(FIXTURES, 'hands/images');
  const files = (await readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).sort();
  const shapes: { source: string; handedness: string; score: number; landmarks: number[][] }[] = [];
  for (const file of files) {
    const [frame] = await track(join(imagesDir, file), dir, true);
    for (const hand of frame?.hands ?? []) {
      if (hand.score < 0.8) continue;
      shapes.push({
        source: `hands/images/${file}`,
        handedness: hand.handedness,
        score: round(hand.score),
        landmarks: normalise(hand, frame!.width, frame!.height),
      });
    }
  }
  const clip = await track(join(FIXTURES, 'clips/open-hand-4-strokes.mjpeg'), dir, false);
  const jitter = jitterOf(clip);
  const out = {
    provenance:
      'Derived with `bambam track` (@bambam/hand-tracker, full model) from ../shared/fixtures: hand shapes from hands/images/*.jpg (HandsDataset by SubhiH, Apache-2.0, --images mode), still-hand jitter from clips/open-hand-4-strokes.mjpeg. Regenerate: node --no-node-snapshot plugins/bam-drum/corpus/extract-shapes.ts',
    units:
      'landmarks: [x, y, z] with the wrist at 0, wrist→middle knuckle = (0, -1), x pixel-proportional, right hand (left hands mirrored). jitter: RMS frame-to-frame step of each landmark of a still hand, in the same units.',
    jitter,
    shapes,
  };
  await writeFile(join(HERE, 'shapes.json'), `${JSON.stringify(out)}\n`);
  console.log(
    `${shapes.length} hand shapes from ${files.length} photos; jitter from ${jitter.stillFrames} still frames`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
