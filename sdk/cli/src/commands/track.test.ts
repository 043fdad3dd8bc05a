import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Frame } from '@bambam/sdk';
import type { CommandIO } from '../command.ts';
import { main } from '../main.ts';

const fixtures = [
  process.env.BAMBAM_FIXTURES,
  fileURLToPath(new URL('../../../../../shared/fixtures', import.meta.url)),
].find((dir): dir is string => !!dir && existsSync(dir));
const MISSING = 'fixtures not found: set BAMBAM_FIXTURES or put the shared fixtures at ../shared/fixtures';

async function bambam(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk) => out.push(chunk));
  stderr.on('data', (chunk) => err.push(chunk));
  const io: CommandIO = { stdin: new PassThrough(), stdout, stderr, cwd: process.cwd(), env: {} };
  const code = await main(argv, io);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

test('tracks the stroke clip into a recording: one Frame per line, the hand going down four times', async (t) => {
  if (!fixtures) return t.skip(MISSING);
  const { code, stdout, stderr } = await bambam(['track', join(fixtures, 'clips/open-hand-4-strokes.mjpeg')]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /120 frames, hands in 120/);
  const frames = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Frame);
  assert.equal(frames.length, 120);
  assert.deepEqual([frames[0]!.t, frames[3]!.t], [0, 100], 'a raw mjpeg is taken as 30 fps');
  for (const frame of frames) {
    assert.equal(frame.width, 640);
    assert.equal(frame.hands.length, 1);
    assert.equal(frame.hands[0]!.landmarks.length, 21);
  }
  // Each second the wrist drops ~35% of the frame height between 0.1 s and 0.25 s.
  for (let k = 0; k < 4; k++) {
    const wristAt = (ms: number) => frames.find((f) => f.t >= 1000 * k + ms)!.hands[0]!.landmarks[0]!.y;
    assert.ok(wristAt(300) - wristAt(50) > 0.25, `stroke ${k}: ${wristAt(50)} → ${wristAt(300)}`);
  }
});

test('--out writes a file; --max-frames, --model lite, --images and --quiet are honoured', async (t) => {
  if (!fixtures) return t.skip(MISSING);
  const dir = await mkdtemp(join(tmpdir(), 'bambam-track-'));
  try {
    const file = join(dir, 'hands.jsonl');
    const clip = join(fixtures, 'clips/open-hand-4-strokes.mjpeg');
    const args = [
      'track',
      clip,
      '-o',
      file,
      '--max-frames',
      '5',
      '--model',
      'lite',
      '--images',
      '-q',
      '--fps',
      '10',
    ];
    const { code, stdout, stderr } = await bambam(args);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
    assert.equal(stderr, '');
    const frames = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Frame);
    assert.deepEqual(
      frames.map((f) => f.t),
      [0, 100, 200, 300, 400],
    );
    // In image mode each frame is detected afresh: a new id every time.
    assert.equal(new Set(frames.map((f) => f.hands[0]?.id)).size, 5);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an image gives one frame', async (t) => {
  if (!fixtures) return t.skip(MISSING);
  const { code, stdout } = await bambam(['track', join(fixtures, 'hands/images/pic00074.jpg'), '-q']);
  assert.equal(code, 0);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const frame = JSON.parse(lines[0]!) as Frame;
  assert.deepEqual([frame.width, frame.height, frame.hands.length], [800, 600, 1]);
});

test('--hands limits how many hands are followed', async (t) => {
  if (!fixtures) return t.skip(MISSING);
  const photo = join(fixtures, 'hands/images/96_pic00005.jpg'); // two hands
  const count = async (...extra: string[]) => {
    const { code, stdout } = await bambam(['track', photo, '-q', ...extra]);
    assert.equal(code, 0);
    return (JSON.parse(stdout) as Frame).hands.length;
  };
  assert.equal(await count(), 2);
  assert.equal(await count('--hands', '1'), 1);
});

test('bad arguments are usage errors (exit 2); unreadable input is exit 1 with the reason', async () => {
  for (const argv of [
    ['track'],
    ['track', 'a', 'b'],
    ['track', 'x', '--model', 'heavy'],
    ['track', 'x', '--hands', '0'],
    ['track', 'x', '--hands', '9'],
    ['track', 'x', '--fps', 'fast'],
    ['track', 'x', '--bogus'],
  ]) {
    const { code, stderr } = await bambam(argv);
    assert.equal(code, 2, `${argv.join(' ')}: ${stderr}`);
    assert.match(stderr, /Usage: bambam track/);
  }
  const missing = await bambam(['track', '/nonexistent/clip.mp4']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /bambam track: cannot read \/nonexistent\/clip.mp4: no such file/);
  const notVideo = await bambam(['track', fileURLToPath(import.meta.url)]);
  assert.equal(notVideo.code, 1);
  assert.match(notVideo.stderr, /bambam track: (cannot open|.* has no video)/);
});
