/**
 * The stroke corpus: deterministic landmark recordings of air-drumming with labelled stroke
 * bottoms, built from real hand shapes and real tracker jitter (`shapes.json`, extracted from
 * the fixtures by `extract-shapes.ts`). Each pattern reproduces one way real players defeated
 * the old detector: small taps, gentle strokes, fast rolls, far and near hands, two hands at
 * different tempi, heavy jitter, dropped frames, one-frame glitches, hands appearing and
 * leaving, and hands that move without striking (waving, reaching, coming to rest, drifting).
 *
 * Strokes are not straight lines: the down-stroke accelerates into the bottom (a blend of an
 * eased and an accelerating curve, 60–300 ms), stops sharply, rebounds and rises. Each player
 * (seed) has its own depth, speed, tempo and hand, and every landmark gets its own jitter,
 * proportional to the hand's size in the image.
 */
import type { Frame, Hand, Landmark } from '@bambam/sdk';
import shapesFile from './shapes.json' with { type: 'json' };

/** One labelled stroke: the time (ms) its hand reached the bottom. */
export interface StrokeLabel {
  /** Index of the hand in {@link CorpusRecording.hands}. */
  readonly hand: number;
  readonly bottom: number;
}

export interface CorpusRecording {
  readonly pattern: string;
  readonly seed: number;
  readonly frames: Frame[];
  readonly labels: StrokeLabel[];
  /** Where each hand's knuckles are (x, frame units) at time t, for matching hits to hands. */
  readonly hands: ((t: number) => number | undefined)[];
}

const WIDTH = 640;
const HEIGHT = 480;
const ASPECT = WIDTH / HEIGHT;

interface Shape {
  readonly landmarks: readonly (readonly number[])[];
}
const SHAPES: readonly Shape[] = (shapesFile as { shapes: Shape[] }).shapes;
const JITTER: readonly number[] = (shapesFile as { jitter: { perLandmark: number[] } }).jitter.perLandmark;

/** A palm path: the knuckles' centre at time t, or undefined when out of view. */
type Path = (t: number) => { x: number; y: number } | undefined;

interface Stroke {
  start: number;
  downMs: number;
  depth: number;
  /** 0 = eased (slow in, slow out), 1 = accelerating into a sharp stop. */
  snap: number;
  upMs: number;
  rebound: number;
}

/** Position offset (down = +) of a sequence of strokes at time t. */
function strokeOffset(strokes: readonly Stroke[], t: number): number {
  let offset = 0;
  for (const s of strokes) {
    const local = t - s.start;
    if (local < 0) break;
    const bottom = s.downMs;
    if (local <= bottom) {
      const u = local / s.downMs;
      const eased = (1 - Math.cos(Math.PI * u)) / 2;
      const accelerating = 1 - Math.cos((Math.PI / 2) * u);
      offset = s.depth * ((1 - s.snap) * eased + s.snap * accelerating);
    } else if (local <= bottom + s.upMs) {
      // Sharp stop, a small rebound in the first 40% of the upswing, then decelerating rise.
      const u = (local - bottom) / s.upMs;
      const rise = 1 - (1 - u) ** 2;
      offset = s.depth * (1 - rise) * (1 - s.rebound * Math.sin(Math.PI * Math.min(1, u / 0.4)));
    } else offset = 0;
  }
  return offset;
}

interface PlayerOptions {
  x: number;
  top: number;
  depth: [number, number];
  downMs: [number, number];
  /** Time between stroke starts, ms. */
  period: [number, number];
  snap?: [number, number];
  from?: number;
  to: number;
}

function player(random: () => number, options: PlayerOptions): { path: Path; strokes: Stroke[] } {
  const pick = ([a, b]: [number, number]) => a + (b - a) * random();
  const strokes: Stroke[] = [];
  // Each player has a habitual depth and pace; strokes vary ±25% around it.
  const depth = pick(options.depth);
  const downMs = pick(options.downMs);
  const period = pick(options.period);
  let t = (options.from ?? 0) + 400 + 300 * random();
  while (t + period < options.to) {
    const thisPeriod = period * (0.85 + 0.3 * random());
    const down = Math.min(300, Math.max(40, downMs * (0.75 + 0.5 * random())), thisPeriod * 0.6);
    strokes.push({
      start: t,
      downMs: down,
      depth: depth * (0.75 + 0.5 * random()),
      snap: pick(options.snap ?? [0.4, 1]),
      upMs: Math.min(thisPeriod - down, Math.max(80, thisPeriod * 0.5)),
      rebound: 0.1 * random(),
    });
    t += thisPeriod;
  }
  const wobble = random() * 10;
  const path: Path = (time) => ({
    // A little sway, as a real forearm has.
    x: options.x + 0.006 * Math.sin(time / 700 + wobble),
    y: options.top + 0.004 * Math.sin(time / 530 + wobble) + strokeOffset(strokes, time),
  });
  return { path, strokes };
}

interface HandSpec {
  path: Path;
  /** Wrist → middle knuckle, as a fraction of the frame height. */
  scale: number;
  handedness: 'Left' | 'Right';
  shape: number;
  /** Multiplies the measured tracker jitter. */
  jitter: number;
  /** One-frame tracking glitches: chance per frame. */
  glitches?: number;
  /** Chance a frame is dropped (the hand is missing from it). */
  drops?: number;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** The 21 landmarks of a hand whose knuckles' centre is at `palm`. */
function place(
  spec: HandSpec,
  palm: { x: number; y: number },
  random: () => number,
  angle: number,
): Landmark[] {
  const shape = SHAPES[spec.shape % SHAPES.length]!.landmarks;
  const mirror = spec.handedness === 'Left' ? -1 : 1;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const points = shape.map(([x, y, z]) => ({
    x: mirror * (x! * cos - y! * sin),
    y: x! * sin + y! * cos,
    z: z!,
  }));
  const knuckles = [5, 9, 13, 17].map((k) => points[k]!);
  const cx = knuckles.reduce((s, p) => s + p.x, 0) / 4;
  const cy = knuckles.reduce((s, p) => s + p.y, 0) / 4;
  // The measured jitter is an RMS step between frames: independent noise of σ = step / √2.
  const base = spec.scale * spec.jitter * Math.SQRT1_2;
  return points.map((p, k) => ({
    x: round(palm.x + ((p.x - cx) * spec.scale) / ASPECT + (gaussian(random) * base * JITTER[k]!) / ASPECT),
    y: round(palm.y + (p.y - cy) * spec.scale + gaussian(random) * base * JITTER[k]!),
    z: round(p.z * spec.scale),
  }));
}

function render(hands: HandSpec[], durationMs: number, random: () => number, fps = 30): Frame[] {
  const frames: Frame[] = [];
  const angles = hands.map(() => (random() - 0.5) * 0.5);
  for (let i = 0; i * (1000 / fps) <= durationMs; i++) {
    const t = Math.round(i * (1000 / fps) * 1000) / 1000;
    const out: Hand[] = [];
    hands.forEach((spec, h) => {
      const palm = spec.path(t);
      if (!palm) return;
      if (spec.drops && random() < spec.drops) return;
      let landmarks = place(spec, palm, random, angles[h]!);
      if (spec.glitches && random() < spec.glitches) {
        // A one-frame tracking jump: the whole hand, or the wrist alone, lands 0.1–0.2 away.
        const jump = (0.1 + 0.1 * random()) * (random() < 0.5 ? -1 : 1);
        const wristOnly = random() < 0.4;
        landmarks = landmarks.map((p, k) => (wristOnly && k !== 0 ? p : { ...p, y: round(p.y + jump) }));
      }
      out.push({ handedness: spec.handedness, score: 0.95, landmarks });
    });
    frames.push({ t, width: WIDTH, height: HEIGHT, hands: out });
  }
  return frames;
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}

/** A small seeded PRNG, so the corpus is the same on every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DURATION = 10_000;

interface Built {
  hands: HandSpec[];
  strokes: Stroke[][];
}

type PatternBuilder = (random: () => number, seed: number) => Built;

const striking = (
  random: () => number,
  options: Partial<PlayerOptions> & Pick<PlayerOptions, 'depth' | 'downMs' | 'period'>,
  hand: Partial<HandSpec> = {},
): { spec: HandSpec; strokes: Stroke[] } => {
  const { path, strokes } = player(random, { x: 0.5, top: 0.3, to: DURATION, ...options });
  return {
    spec: {
      path,
      scale: 0.1,
      handedness: 'Right',
      shape: Math.floor(random() * SHAPES.length),
      jitter: 2,
      ...hand,
    },
    strokes,
  };
};

const one = (s: { spec: HandSpec; strokes: Stroke[] }): Built => ({ hands: [s.spec], strokes: [s.strokes] });

/** Every pattern, by name. Depths and scales are fractions of the frame height. */
export const PATTERNS: Record<string, PatternBuilder> = {
  standard: (r) => one(striking(r, { depth: [0.12, 0.3], downMs: [80, 180], period: [550, 1000] })),
  'small-taps': (r) =>
    one(striking(r, { top: 0.45, depth: [0.03, 0.07], downMs: [60, 140], period: [220, 450] })),
  gentle: (r) =>
    one(striking(r, { depth: [0.05, 0.12], downMs: [180, 300], period: [650, 1100], snap: [0, 0.5] })),
  'fast-roll': (r) => one(striking(r, { depth: [0.04, 0.1], downMs: [40, 70], period: [100, 200] })),
  'far-hand': (r) =>
    one(striking(r, { depth: [0.025, 0.06], downMs: [70, 180], period: [350, 800] }, { scale: 0.045 })),
  'near-hand': (r) =>
    one(
      striking(
        r,
        { top: 0.25, depth: [0.15, 0.35], downMs: [100, 220], period: [600, 1000] },
        { scale: 0.2 },
      ),
    ),
  'two-hands': (r) => {
    const left = striking(
      r,
      { x: 0.7, depth: [0.06, 0.2], downMs: [70, 160], period: [300, 600] },
      { handedness: 'Left' },
    );
    const right = striking(r, { x: 0.3, depth: [0.06, 0.2], downMs: [70, 200], period: [500, 1100] });
    return { hands: [left.spec, right.spec], strokes: [left.strokes, right.strokes] };
  },
  // Quick, sharp strokes at a moderate tempo: 80–120 ms down-strokes, ~3 frames at 30 fps.
  quick: (r) => one(striking(r, { depth: [0.08, 0.22], downMs: [80, 120], period: [400, 750] })),
  // Fresh sessions: a hand appears, plays three strokes and leaves (a new hand, a new detector
  // that has learned nothing), three times per recording; players differ in size and style.
  'first-strokes': (r) => {
    const hands: HandSpec[] = [];
    const strokes: Stroke[][] = [];
    for (const from of [0, 3300, 6600]) {
      const s = striking(
        r,
        { from, to: from + 3200, depth: [0.08, 0.28], downMs: [70, 200], period: [450, 900] },
        { scale: 0.06 + 0.1 * r() },
      );
      s.strokes.splice(3);
      const path = s.spec.path;
      hands.push({ ...s.spec, path: (t) => (t >= from && t < from + 3000 ? path(t) : undefined) });
      strokes.push(s.strokes.filter((k) => k.start + k.downMs + k.upMs < from + 3000));
    }
    return { hands, strokes };
  },
  jitter: (r) =>
    one(striking(r, { depth: [0.08, 0.2], downMs: [80, 200], period: [400, 900] }, { jitter: 12 })),
  'dropped-frames': (r) =>
    one(striking(r, { depth: [0.06, 0.2], downMs: [70, 200], period: [300, 800] }, { drops: 0.12 })),
  glitches: (r) =>
    one(striking(r, { depth: [0.06, 0.2], downMs: [70, 200], period: [400, 900] }, { glitches: 0.05 })),
  'appear-leave': (r) => {
    // In view from 1.5 s to 6 s, then again from 7 s; it enters moving (not a stroke).
    const inView = (t: number) => (t >= 1500 && t < 6000) || t >= 7000;
    const base = striking(r, { from: 1500, depth: [0.08, 0.2], downMs: [80, 180], period: [450, 900] });
    const strokes = base.strokes.filter(
      (s) => (s.start >= 2000 && s.start + s.downMs + s.upMs < 6000) || s.start >= 7600,
    );
    const entering = (t: number) => (t < 1700 ? 0.15 * (1 - (t - 1500) / 200) : 0);
    const path: Path = (t) => {
      if (!inView(t)) return undefined;
      const p = base.spec.path(t)!;
      const strokeY = strokeOffset(strokes, t) - strokeOffset(base.strokes, t);
      return { x: p.x, y: p.y + strokeY - entering(t) };
    };
    // A second hand that appears and never plays.
    const idle: HandSpec = {
      path: (t) => (t >= 3000 && t < 8000 ? { x: 0.2, y: 0.5 + 0.003 * Math.sin(t / 300) } : undefined),
      scale: 0.09,
      handedness: 'Left',
      shape: Math.floor(r() * SHAPES.length),
      jitter: 3,
    };
    return { hands: [{ ...base.spec, path }, idle], strokes: [strokes, []] };
  },
  waving: (r) => {
    const hz = 1.5 + 1.5 * r();
    const amp = 0.08 + 0.12 * r();
    const path: Path = (t) => ({
      x: 0.5 + amp * Math.sin((2 * Math.PI * hz * t) / 1000),
      y: 0.35 + 0.02 * Math.sin((4 * Math.PI * hz * t) / 1000),
    });
    return {
      hands: [{ path, scale: 0.1, handedness: 'Right', shape: Math.floor(r() * SHAPES.length), jitter: 2 }],
      strokes: [[]],
    };
  },
  reaching: (r) => {
    // Moves between places: 0.15–0.4 of the frame, sideways or diagonally (at most 35° from
    // horizontal), in 450–900 ms, eased, then holds.
    const moves: { at: number; ms: number; dx: number; dy: number }[] = [];
    let at = 500;
    while (at < DURATION - 1000) {
      const ms = 450 + 450 * r();
      const length = 0.15 + 0.25 * r();
      const angle = (r() - 0.5) * ((70 / 180) * Math.PI) + (r() < 0.5 ? 0 : Math.PI);
      moves.push({ at, ms, dx: length * Math.cos(angle), dy: length * Math.sin(angle) });
      at += ms + 400 + 900 * r();
    }
    const path: Path = (t) => {
      let x = 0.5;
      let y = 0.45;
      for (const m of moves) {
        const u = Math.min(1, Math.max(0, (t - m.at) / m.ms));
        const e = (1 - Math.cos(Math.PI * u)) / 2;
        x += m.dx * e;
        y += m.dy * e;
        x = Math.min(0.85, Math.max(0.15, x));
        y = Math.min(0.85, Math.max(0.15, y));
      }
      return { x, y };
    };
    return {
      hands: [{ path, scale: 0.1, handedness: 'Right', shape: Math.floor(r() * SHAPES.length), jitter: 2 }],
      strokes: [[]],
    };
  },
  resting: (r) => {
    // Lowers the hand to rest (0.15–0.3 in 0.5–1.2 s), holds, raises it, again.
    const cycles: { at: number; ms: number; depth: number }[] = [];
    for (let at = 600; at < DURATION - 2500; at += 2500 + 500 * r())
      cycles.push({ at, ms: 500 + 700 * r(), depth: 0.15 + 0.15 * r() });
    const path: Path = (t) => {
      let y = 0.3;
      for (const c of cycles) {
        const down = Math.min(1, Math.max(0, (t - c.at) / c.ms));
        const up = Math.min(1, Math.max(0, (t - c.at - c.ms - 800) / (c.ms * 1.2)));
        y += c.depth * ((1 - Math.cos(Math.PI * down)) / 2 - (1 - Math.cos(Math.PI * up)) / 2);
      }
      return { x: 0.45, y };
    };
    return {
      hands: [{ path, scale: 0.1, handedness: 'Right', shape: Math.floor(r() * SHAPES.length), jitter: 2 }],
      strokes: [[]],
    };
  },
  'still-drift': (r) => {
    const dy = 0.05 + 0.1 * r();
    const path: Path = (t) => ({ x: 0.5, y: 0.3 + (dy * t) / 1000 / 2 + 0.003 * Math.sin(t / 400) });
    const still: HandSpec = {
      path: () => ({ x: 0.2, y: 0.55 }),
      scale: 0.06,
      handedness: 'Left',
      shape: 3,
      jitter: 8,
    };
    return {
      hands: [
        { path, scale: 0.1, handedness: 'Right', shape: Math.floor(r() * SHAPES.length), jitter: 4 },
        still,
      ],
      strokes: [[], []],
    };
  },
};

/** Patterns in which no hand strikes: every hit there is a false one. */
export const SILENT_PATTERNS = ['waving', 'reaching', 'resting', 'still-drift'];

/** Seeds (players) per pattern. */
export const SEEDS = [1, 2, 3, 4];

/** One recording of a pattern, the same for the same seed. */
export function corpusRecording(pattern: string, seed: number): CorpusRecording {
  const builder = PATTERNS[pattern];
  if (!builder) throw new Error(`no corpus pattern '${pattern}' (have: ${Object.keys(PATTERNS).join(', ')})`);
  const random = mulberry32(seed * 7919 + pattern.length * 104729 + pattern.charCodeAt(0));
  const built = builder(random, seed);
  const frames = render(built.hands, DURATION, random);
  const labels: StrokeLabel[] = [];
  built.strokes.forEach((strokes, hand) => {
    for (const s of strokes) {
      const bottom = s.start + s.downMs;
      if (bottom < DURATION - 200) labels.push({ hand, bottom: Math.round(bottom * 10) / 10 });
    }
  });
  labels.sort((a, b) => a.bottom - b.bottom);
  const hands = built.hands.map((spec) => (t: number) => spec.path(t)?.x);
  return { pattern, seed, frames, labels, hands };
}

/** The whole corpus: every pattern × every seed. */
export function corpus(patterns: readonly string[] = Object.keys(PATTERNS)): CorpusRecording[] {
  return patterns.flatMap((pattern) => SEEDS.map((seed) => corpusRecording(pattern, seed)));
}
