/**
 * Fake-camera clips whose truth is known: real fixture photos of hands (`hands/images`, boxes in
 * `labels.csv`) composited so that each hand comes down with an ease-in (accelerating) stroke to
 * a known lowest point, then rebounds up and rests. The exact time of each landing (the curve's
 * minimum) is kept as data, and the frame nearest it carries a saturated marker square in a
 * corner (one corner per hand). Every frame also carries its own index as a barcode along the
 * bottom edge, so a page that misses a presented frame still knows where it is in the clip.
 *
 * Encoded as MJPEG 640x480 @ 30 fps with the ffmpeg CLI (`/usr/bin/ffmpeg`, or
 * `$BAMBAM_FFMPEG`), into `<tmpdir>/bambam-motion-clips/`, cached by a hash of the spec, this
 * file and the photos.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Skippable } from './fixtures.ts';

export const CLIP_WIDTH = 640;
export const CLIP_HEIGHT = 480;
export const CLIP_FPS = 30;
export const FRAME_MS = 1000 / CLIP_FPS;

/** Where the marks are drawn, in pixels of the 640x480 clip (the page reads them as fractions). */
export const CLIP_MARKS = {
  /** Frame index bits, least significant first, then one even-parity bit. */
  barcode: { bits: 12, x: 0, y: CLIP_HEIGHT - 24, blockWidth: 24, height: 24 },
  /** One square per hand (hand 0 top-left, hand 1 top-right), saturated magenta on a landing frame. */
  markers: [
    { x: 0, y: 0, size: 40 },
    { x: CLIP_WIDTH - 40, y: 0, size: 40 },
  ],
  markerColor: [255, 0, 255],
  /** Neutral grey in the marker squares on every other frame, so the background never looks like a marker. */
  idleColor: [128, 128, 128],
} as const;

/** One hand drumming: a crop of a photo moving down and up. */
export interface HandMotion {
  /** File in `<fixtures>/hands/images`; its first box in labels.csv is the hand. */
  readonly photo: string;
  /** The crop around the hand box is scaled so the box is this tall, fraction of the frame height. */
  readonly handHeight: number;
  /** Horizontal centre of the crop, fraction of the frame width. */
  readonly centerX: number;
  /** Top of the crop at rest (highest point), fraction of the frame height. */
  readonly topY: number;
  /** How far the hand travels down, fraction of the frame height. */
  readonly travel: number;
  /** Duration of the down-stroke (ease-in, fastest at the bottom), ms. */
  readonly downMs: number;
  /** Duration of the rebound back to the top (ease-out), ms. */
  readonly reboundMs: number;
  /** When the first down-stroke starts, ms into the clip. */
  readonly firstAtMs: number;
  readonly periodMs: number;
  readonly strokes: number;
}

export interface MotionClipSpec {
  readonly name: string;
  readonly durationMs: number;
  readonly hands: readonly HandMotion[];
}

export interface Landing {
  readonly hand: number;
  readonly stroke: number;
  /** The curve's minimum (lowest point), ms from the clip's frame 0: sub-frame truth. */
  readonly timeMs: number;
  /** The frame nearest it, which carries the marker. */
  readonly frame: number;
}

export interface MotionClip {
  readonly spec: MotionClipSpec;
  /** The `.mjpeg` file for `--use-file-for-fake-video-capture`. */
  readonly file: string;
  readonly frames: number;
  readonly fps: number;
  readonly landings: readonly Landing[];
}

const PHOTO_A = 'pic00005.jpg';
const PHOTO_B = 'pic00074.jpg';

function oneHand(name: string, downMs: number, travel: number, periodMs: number): MotionClipSpec {
  const strokes = 8;
  const firstAtMs = 400;
  return {
    name,
    durationMs: firstAtMs + strokes * periodMs,
    hands: [
      {
        photo: PHOTO_A,
        handHeight: 0.45,
        centerX: 0.5,
        topY: 0.06,
        travel,
        downMs,
        reboundMs: 250,
        firstAtMs,
        periodMs,
        strokes,
      },
    ],
  };
}

/** The clips the bench knows, by name. */
export const MOTION_CLIPS: Readonly<Record<string, MotionClipSpec>> = {
  quick: oneHand('quick', 100, 0.18, 1200),
  medium: oneHand('medium', 150, 0.2, 1200),
  slow: oneHand('slow', 250, 0.22, 1300),
  // Two photos side by side, the same tempo, strokes offset by half a period (landings never
  // within 300 ms of each other, so every onset belongs to one landing).
  'two-hands': {
    name: 'two-hands',
    durationMs: 400 + 8 * 1400,
    hands: [
      {
        photo: PHOTO_A,
        handHeight: 0.36,
        centerX: 0.28,
        topY: 0.1,
        travel: 0.2,
        downMs: 150,
        reboundMs: 250,
        firstAtMs: 400,
        periodMs: 1400,
        strokes: 8,
      },
      {
        photo: PHOTO_B,
        handHeight: 0.36,
        centerX: 0.72,
        topY: 0.1,
        travel: 0.2,
        downMs: 110,
        reboundMs: 250,
        firstAtMs: 1100,
        periodMs: 1400,
        strokes: 8,
      },
    ],
  },
};

/** Downward offset of a hand at `t` ms, fraction of the frame height (0 = at rest on top). */
export function handOffset(hand: HandMotion, t: number): number {
  for (let k = 0; k < hand.strokes; k++) {
    const start = hand.firstAtMs + k * hand.periodMs;
    const land = start + hand.downMs;
    if (t >= start && t <= land) return hand.travel * ((t - start) / hand.downMs) ** 2;
    if (t > land && t < land + hand.reboundMs) return hand.travel * (1 - (t - land) / hand.reboundMs) ** 2;
  }
  return 0;
}

/** The landings of a spec, in time order (checks that the strokes fit the clip and don't overlap). */
export function landingsOf(spec: MotionClipSpec): Landing[] {
  const landings: Landing[] = [];
  spec.hands.forEach((hand, h) => {
    if (hand.downMs + hand.reboundMs >= hand.periodMs) {
      throw new RangeError(`${spec.name} hand ${h}: down + rebound must be shorter than the period`);
    }
    for (let k = 0; k < hand.strokes; k++) {
      const timeMs = hand.firstAtMs + k * hand.periodMs + hand.downMs;
      if (timeMs + hand.reboundMs > spec.durationMs) {
        throw new RangeError(`${spec.name} hand ${h}: stroke ${k} does not end inside the clip`);
      }
      landings.push({ hand: h, stroke: k, timeMs, frame: Math.round(timeMs / FRAME_MS) });
    }
  });
  return landings.sort((a, b) => a.timeMs - b.timeMs);
}

export function ffmpegPath(): string | undefined {
  const candidates = [process.env.BAMBAM_FFMPEG, '/usr/bin/ffmpeg'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** Returns ffmpeg's path, or skips the test saying how to install it. */
export function requireFfmpeg(t: Skippable): string | undefined {
  const found = ffmpegPath();
  if (!found) t.skip('ffmpeg not found: apt-get install -y ffmpeg (or set BAMBAM_FFMPEG)');
  return found;
}

function run(ffmpeg: string, args: string[], input?: AsyncIterable<Buffer>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-loglevel', 'error', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
    child.stdin.on('error', () => {}); // reported through the exit code
    if (!input) {
      child.stdin.end();
      return;
    }
    (async () => {
      for await (const chunk of input) {
        if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })().catch(reject);
  });
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

async function handBox(fixtures: string, photo: string): Promise<Box> {
  const csv = await readFile(path.join(fixtures, 'hands', 'labels.csv'), 'utf8');
  const row = csv.split('\n').find((line) => line.startsWith(`${photo},`));
  if (!row) throw new Error(`no box for ${photo} in hands/labels.csv`);
  const [, , , , x0, y0, x1, y1] = row.split(',');
  return { x: Number(x0), y: Number(y0), w: Number(x1) - Number(x0), h: Number(y1) - Number(y0) };
}

interface Sprite {
  readonly width: number;
  readonly height: number;
  readonly rgb: Buffer;
}

/** The hand box plus a margin, cropped from the photo and scaled, as RGB. */
async function handSprite(ffmpeg: string, fixtures: string, hand: HandMotion): Promise<Sprite> {
  const file = path.join(fixtures, 'hands', 'images', hand.photo);
  const box = await handBox(fixtures, hand.photo);
  const mx = Math.round(box.w * 0.3);
  const my = Math.round(box.h * 0.25);
  const x = Math.max(0, box.x - mx);
  const y = Math.max(0, box.y - my);
  const w = Math.min(800 - x, box.w + 2 * mx);
  const h = Math.min(600 - y, box.h + 2 * my);
  const scale = (hand.handHeight * CLIP_HEIGHT) / box.h;
  const width = Math.round((w * scale) / 2) * 2;
  const height = Math.round((h * scale) / 2) * 2;
  const rgb = await run(ffmpeg, [
    '-i',
    file,
    '-vf',
    `crop=${w}:${h}:${x}:${y},scale=${width}:${height}`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
  if (rgb.length !== width * height * 3) throw new Error(`sprite of ${hand.photo}: ${rgb.length} bytes`);
  return { width, height, rgb };
}

/** A heavily blurred, dimmed photo: a room-like background with no hand a detector could find. */
async function background(ffmpeg: string, fixtures: string, photo: string): Promise<Buffer> {
  return run(ffmpeg, [
    '-i',
    path.join(fixtures, 'hands', 'images', photo),
    '-vf',
    `scale=${CLIP_WIDTH}:${CLIP_HEIGHT},boxblur=40:3,eq=brightness=-0.08`,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
}

function fillRect(frame: Buffer, x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
  for (let row = y; row < y + h; row++) {
    for (let col = x; col < x + w; col++) {
      const i = (row * CLIP_WIDTH + col) * 3;
      frame[i] = rgb[0]!;
      frame[i + 1] = rgb[1]!;
      frame[i + 2] = rgb[2]!;
    }
  }
}

/** The barcode's bits for a frame index: `bits` bits LSB first, then even parity. */
export function barcodeBits(index: number): number[] {
  const bits: number[] = [];
  for (let b = 0; b < CLIP_MARKS.barcode.bits; b++) bits.push((index >> b) & 1);
  bits.push(bits.reduce((a, b) => a ^ b, 0));
  return bits;
}

function* renderFrames(
  spec: MotionClipSpec,
  bg: Buffer,
  sprites: readonly Sprite[],
  landings: readonly Landing[],
  frames: number,
): Generator<Buffer> {
  for (let n = 0; n < frames; n++) {
    const frame = Buffer.from(bg);
    const t = n * FRAME_MS;
    spec.hands.forEach((hand, h) => {
      const sprite = sprites[h]!;
      const left = Math.round(hand.centerX * CLIP_WIDTH - sprite.width / 2);
      const top = Math.round((hand.topY + handOffset(hand, t)) * CLIP_HEIGHT);
      for (let row = 0; row < sprite.height; row++) {
        const y = top + row;
        if (y < 0 || y >= CLIP_HEIGHT) continue;
        const from = Math.max(0, -left);
        const to = Math.min(sprite.width, CLIP_WIDTH - left);
        sprite.rgb.copy(
          frame,
          (y * CLIP_WIDTH + left + from) * 3,
          (row * sprite.width + from) * 3,
          (row * sprite.width + to) * 3,
        );
      }
    });
    CLIP_MARKS.markers.forEach((m, h) => {
      const marked = landings.some((l) => l.hand === h && l.frame === n);
      fillRect(frame, m.x, m.y, m.size, m.size, marked ? CLIP_MARKS.markerColor : CLIP_MARKS.idleColor);
    });
    const { barcode } = CLIP_MARKS;
    barcodeBits(n).forEach((bit, b) => {
      const v = bit ? 235 : 16;
      fillRect(frame, barcode.x + b * barcode.blockWidth, barcode.y, barcode.blockWidth, barcode.height, [
        v,
        v,
        v,
      ]);
    });
    yield frame;
  }
}

export interface GenerateOptions {
  /** Default `<tmpdir>/bambam-motion-clips`. */
  readonly cacheDir?: string;
  /** Default the shared fixtures dir. */
  readonly fixturesDir: string;
  /** Default {@link ffmpegPath}. */
  readonly ffmpeg?: string;
}

/** Generates the clip (or finds it in the cache) and returns it with its truth. */
export async function motionClip(spec: MotionClipSpec, options: GenerateOptions): Promise<MotionClip> {
  const ffmpeg = options.ffmpeg ?? ffmpegPath();
  if (!ffmpeg) throw new Error('ffmpeg not found: apt-get install -y ffmpeg (or set BAMBAM_FFMPEG)');
  const landings = landingsOf(spec);
  const frames = Math.round(spec.durationMs / FRAME_MS);
  if (frames >= 2 ** CLIP_MARKS.barcode.bits) throw new RangeError(`${spec.name}: too long for the barcode`);
  const photos = [...new Set(spec.hands.map((h) => h.photo))];
  const hash = createHash('sha256');
  hash.update(JSON.stringify(spec));
  hash.update(await readFile(import.meta.filename));
  for (const photo of photos)
    hash.update(await readFile(path.join(options.fixturesDir, 'hands', 'images', photo)));
  const dir = options.cacheDir ?? path.join(os.tmpdir(), 'bambam-motion-clips');
  const file = path.join(dir, `${spec.name}-${hash.digest('hex').slice(0, 16)}.mjpeg`);
  const clip: MotionClip = { spec, file, frames, fps: CLIP_FPS, landings };
  if (existsSync(file)) return clip;

  await mkdir(dir, { recursive: true });
  const sprites = await Promise.all(spec.hands.map((hand) => handSprite(ffmpeg, options.fixturesDir, hand)));
  const bg = await background(ffmpeg, options.fixturesDir, spec.hands[0]!.photo);
  const partial = `${file}.${process.pid}.partial`;
  async function* chunks() {
    yield* renderFrames(spec, bg, sprites, landings, frames);
  }
  await run(
    ffmpeg,
    [
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${CLIP_WIDTH}x${CLIP_HEIGHT}`,
      '-r',
      String(CLIP_FPS),
      '-i',
      '-',
      '-c:v',
      'mjpeg',
      '-pix_fmt',
      'yuvj420p',
      '-q:v',
      '3',
      '-f',
      'mjpeg',
      '-y',
      partial,
    ],
    chunks(),
  );
  await rename(partial, file);
  await writeFile(`${file}.json`, `${JSON.stringify({ spec, frames, landings }, null, 2)}\n`);
  return clip;
}
