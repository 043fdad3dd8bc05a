import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { decodeWav } from '@bambam/runtime';
import { main } from '../main.ts';

const REPO = resolve(import.meta.dirname, '../../../..');
let dir: string;

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _: BufferEncoding, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

async function bambam(args: string[], stdin = '') {
  const stdout = new Capture();
  const stderr = new Capture();
  const input = new PassThrough();
  input.end(stdin);
  const code = await main(args, { stdin: input, stdout, stderr, cwd: dir, env: {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A hand with its palm (all 21 landmarks) at (x, y). */
function hand(x: number, y: number) {
  return { handedness: 'Right', score: 0.9, landmarks: Array.from({ length: 21 }, () => ({ x, y, z: 0 })) };
}

/** 30 fps frames: a hand resting at y = 0.3 that comes down to 0.65 in 150 ms at 250 ms and 1250 ms. */
function strokes(): string {
  const lines: string[] = [];
  for (let i = 0; i <= 60; i++) {
    const t = Math.round(i * 33.333);
    const local = t % 1000;
    const y = local < 250 ? 0.3 : local < 400 ? 0.3 + (0.35 * (local - 250)) / 150 : local < 600 ? 0.65 : 0.3;
    lines.push(JSON.stringify({ t, width: 640, height: 480, hands: [hand(0.5, y)] }));
  }
  return `${lines.join('\n')}\n`;
}

const COUNTER = `
import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'counter',
  version: '1.0.0',
  description: 'Plays a click whenever the number of hands grows.',
  sounds: { click: { kind: 'tone', instrument: 'MembraneSynth', note: 'C3', duration: 0.05, length: 0.2 } },
  params: { loud: { type: 'boolean', default: false }, level: { type: 'number', min: 0, max: 1, default: 0.5 } },
  state: () => ({ hands: 0 }),
  onFrame(frame, ctx) {
    if (frame.hands.length > ctx.state.hands) ctx.play('click', { velocity: ctx.params.loud ? 1 : ctx.params.level, pan: -0.5 });
    ctx.state.hands = frame.hands.length;
  },
});
`;

const THROWS = `
import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'thrower',
  version: '1.0.0',
  description: 'Throws on the third frame.',
  sounds: { click: { kind: 'tone', instrument: 'Synth' } },
  state: () => ({ n: 0 }),
  onFrame(frame, ctx) {
    if (++ctx.state.n === 3) {
      throw new Error('third frame');
    }
  },
});
`;

const SCHEDULER = `
import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'scheduler',
  version: '1.0.0',
  description: 'Plays with and without at.',
  sounds: { click: { kind: 'tone', instrument: 'MembraneSynth', note: 'C3', duration: 0.05, length: 0.1 } },
  onFrame(frame, ctx) {
    if (frame.t === 0) ctx.play('click', { at: -50 });
    if (frame.t === 500) ctx.play('click');
    if (frame.t === 1000) {
      ctx.play('click', { at: frame.t + 7.3 });
      ctx.play('click', { at: frame.t + 1e6 });
    }
  },
});
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bambam-run-'));
  await writeFile(join(dir, 'scheduler.ts'), SCHEDULER);
  const ticks = [0, 500, 1000].map((t) => JSON.stringify({ t, width: 640, height: 480, hands: [] }));
  await writeFile(join(dir, 'ticks.jsonl'), `${ticks.join('\n')}\n`);
  await writeFile(join(dir, 'counter.ts'), COUNTER);
  await writeFile(join(dir, 'thrower.ts'), THROWS);
  await writeFile(join(dir, 'strokes.jsonl'), strokes());
  const appear = [0, 100, 200, 300].map((t, i) =>
    JSON.stringify({ t, width: 640, height: 480, hands: i % 2 ? [hand(0.5, 0.5)] : [] }),
  );
  await writeFile(join(dir, 'appear.jsonl'), `${appear.join('\n')}\n`);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('--help describes the command', async () => {
  const { code, stdout } = await bambam(['run', '--help']);
  assert.equal(code, 0);
  assert.match(stdout, /Usage: bambam run <plugin dir or file> --landmarks/);
  assert.match(stdout, /--out <file.wav>/);
});

test('missing arguments are usage errors (exit 2)', async () => {
  assert.equal((await bambam(['run', 'counter.ts'])).code, 2);
  const none = await bambam(['run', '--landmarks', 'appear.jsonl']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /expected one plugin/);
  const budget = await bambam(['run', 'counter.ts', '--landmarks', 'appear.jsonl', '--frame-budget', 'soon']);
  assert.equal(budget.code, 2);
  assert.match(budget.stderr, /--frame-budget must be a number of ms/);
});

test('plays bam-drum on a recording: one event per stroke, a WAV with the hits in it', async () => {
  const { code, stdout, stderr } = await bambam([
    'run',
    join(REPO, 'plugins/bam-drum'),
    '--landmarks',
    'strokes.jsonl',
    '--out',
    'strokes.wav',
  ]);
  assert.equal(code, 0, stderr);
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.equal(events.length, 2, stdout);
  // bam-drum schedules each hit at the stroke's predicted landing.
  assert.deepEqual(Object.keys(events[0]), ['t', 'sound', 'velocity', 'pan', 'at']);
  assert.ok(Math.abs(events[0].at - events[0].t) <= 250, `at ${events[0].at} near t ${events[0].t}`);
  assert.ok(events[0].t >= 250 && events[0].t <= 350, `first hit at ${events[0].t}`);
  assert.ok(events[1].t >= 1250 && events[1].t <= 1350, `second hit at ${events[1].t}`);
  assert.equal(events[0].sound, 'bam');
  const wav = decodeWav(new Uint8Array(await readFile(join(dir, 'strokes.wav'))));
  assert.equal(wav.sampleRate, 48000);
  assert.equal(wav.channels.length, 2);
  const [left] = wav.channels;
  const level = (fromMs: number, toMs: number) => {
    let peak = 0;
    for (let i = Math.round(fromMs * 48); i < Math.round(toMs * 48); i++)
      peak = Math.max(peak, Math.abs(left![i] ?? 0));
    return peak;
  };
  // The hit sounds at its predicted landing (`at`), never before its frame.
  const start = Math.max(events[0].t, events[0].at);
  assert.equal(level(0, start - 1), 0, 'silence before the first hit');
  assert.ok(level(start, start + 50) > 0.1, 'the hit is audible');
  assert.ok(left!.length / 48000 >= 2, 'covers the recording');
});

test('plays with at: "at" in the events, each sound at its sample in the WAV', async () => {
  const { code, stdout, stderr } = await bambam([
    'run',
    'scheduler.ts',
    '--landmarks',
    'ticks.jsonl',
    '--out',
    'at.wav',
  ]);
  assert.equal(code, 0, stderr);
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(events, [
    { t: 0, sound: 'click', velocity: 1, pan: 0, at: -50 },
    { t: 500, sound: 'click', velocity: 1, pan: 0 },
    { t: 1000, sound: 'click', velocity: 1, pan: 0, at: 1007.3 },
    { t: 1000, sound: 'click', velocity: 1, pan: 0, at: 1250 },
  ]);
  assert.match(stderr, /moved|at most 250 ms ahead/);
  assert.match(stderr, /4 events \(3 scheduled with at, 1 of them in the past\)/);
  const [left] = decodeWav(new Uint8Array(await readFile(join(dir, 'at.wav')))).channels;
  /** First sample after ≥ 200 samples of silence, from each silence. */
  const onsets: number[] = [];
  let quiet = 200;
  left!.forEach((s, i) => {
    if (s !== 0 && quiet >= 200) onsets.push(i);
    quiet = s === 0 ? quiet + 1 : 0;
  });
  assert.equal(onsets.length, 4, `onsets ${onsets}`);
  // The same sound everywhere: placements relative to the unscheduled play at t = 500 (sample 24000).
  const reference = onsets[1]! - 24000;
  const expected = [0, 24000, 1007.3 * 48, 1250 * 48]; // at -50 is in the past: at its frame's t = 0
  onsets.forEach((onset, i) => {
    assert.ok(
      Math.abs(onset - reference - expected[i]!) <= 1,
      `sound ${i} at ${onset - reference}, expected ${expected[i]}`,
    );
  });
});

test('--events writes a file; --params reach the plugin; "-" reads stdin', async () => {
  const recording = await readFile(join(dir, 'appear.jsonl'), 'utf8');
  const { code, stdout, stderr } = await bambam(
    ['run', 'counter.ts', '--landmarks', '-', '--events', 'events.jsonl', '--params', 'level=0.25'],
    recording,
  );
  assert.equal(code, 0, stderr);
  assert.equal(stdout, '');
  const lines = (await readFile(join(dir, 'events.jsonl'), 'utf8')).trim().split('\n');
  assert.deepEqual(
    lines.map((line) => JSON.parse(line)),
    [
      { t: 100, sound: 'click', velocity: 0.25, pan: -0.5 },
      { t: 300, sound: 'click', velocity: 0.25, pan: -0.5 },
    ],
  );
  const loud = await bambam([
    'run',
    'counter.ts',
    '--landmarks',
    'appear.jsonl',
    '--params',
    'loud=true',
    'level=0',
  ]);
  assert.equal(JSON.parse(loud.stdout.split('\n')[0]!).velocity, 1);
});

test('bad --params are clear errors', async () => {
  const unknown = await bambam(['run', 'counter.ts', '--landmarks', 'appear.jsonl', '--params', 'volume=1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown param 'volume' \(the plugin has: loud, level\)/);
  const range = await bambam(['run', 'counter.ts', '--landmarks', 'appear.jsonl', '--params', 'level=7']);
  assert.equal(range.code, 1);
  assert.match(range.stderr, /level/);
  const type = await bambam(['run', 'counter.ts', '--landmarks', 'appear.jsonl', '--params', 'loud=yes']);
  assert.match(type.stderr, /param 'loud' must be true or false/);
});

test('a bad JSON line is reported with its line number', async () => {
  await writeFile(
    join(dir, 'broken.jsonl'),
    `${JSON.stringify({ t: 0, width: 1, height: 1, hands: [] })}\n\n{"t": 1,\n`,
  );
  const { code, stderr } = await bambam(['run', 'counter.ts', '--landmarks', 'broken.jsonl']);
  assert.equal(code, 1);
  assert.match(stderr, /broken\.jsonl:3: not valid JSON/);
  await writeFile(
    join(dir, 'shape.jsonl'),
    `${JSON.stringify({ t: 0, width: 1, height: 1, hands: 'none' })}\n`,
  );
  const shape = await bambam(['run', 'counter.ts', '--landmarks', 'shape.jsonl']);
  assert.equal(shape.code, 1);
  assert.match(shape.stderr, /shape\.jsonl:1: bad frame: frame\.hands must be an array/);
});

test('a plugin error is printed with plugin, message and file:line:column, exit 1', async () => {
  const { code, stderr } = await bambam(['run', 'thrower.ts', '--landmarks', 'strokes.jsonl']);
  assert.equal(code, 1);
  assert.match(stderr, /plugin error \(frame\)/);
  assert.match(stderr, /thrower/);
  assert.match(stderr, /third frame/);
  assert.match(stderr, /thrower\.ts:11:\d+/);
  assert.match(stderr, /strokes\.jsonl:3/);
});

test('a plugin that does not compile is reported with its location', async () => {
  await writeFile(join(dir, 'syntax.ts'), 'export default {\n  name: ,\n};\n');
  const { code, stderr } = await bambam(['run', 'syntax.ts', '--landmarks', 'appear.jsonl']);
  assert.equal(code, 1);
  assert.match(stderr, /plugin error \(compile\)/);
  assert.match(stderr, /syntax\.ts:2:\d+/);
});

test('a reader that goes away (EPIPE) ends the output quietly', async () => {
  const stdout = new Writable({
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  const stderr = new Capture();
  const code = await main(['run', join(REPO, 'plugins/bam-drum'), '--landmarks', 'strokes.jsonl'], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    cwd: dir,
    env: {},
  });
  assert.equal(code, 0, stderr.text);
  assert.match(stderr.text, /61 frames, 2 events/);
});

test('missing files are clear errors', async () => {
  const plugin = await bambam(['run', 'nope.ts', '--landmarks', 'appear.jsonl']);
  assert.match(plugin.stderr, /no such plugin/);
  const recording = await bambam(['run', 'counter.ts', '--landmarks', 'nope.jsonl']);
  assert.match(recording.stderr, /no such recording/);
  const events = await bambam([
    'run',
    'counter.ts',
    '--landmarks',
    'appear.jsonl',
    '--events',
    'no/dir/e.jsonl',
  ]);
  assert.equal(events.code, 1);
  assert.match(events.stderr, /--events: no such directory/);
});

test('runs a built plugin (manifest.json + plugin.js), and refuses one whose bundle does not match', async () => {
  const { compilePlugin } = await import('@bambam/runtime');
  const compiled = await compilePlugin({ entry: join(dir, 'counter.ts') });
  const built = join(dir, 'built');
  await mkdir(built);
  await writeFile(join(built, 'plugin.js'), compiled.code);
  await writeFile(join(built, 'plugin.js.map'), compiled.sourceMap);
  const sha256 = createHash('sha256').update(compiled.code).digest('hex');
  await writeFile(
    join(built, 'manifest.json'),
    JSON.stringify({ name: 'counter', version: '1.0.0', bundle: { sha256, size: compiled.code.length } }),
  );
  const ok = await bambam(['run', 'built', '--landmarks', 'appear.jsonl']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(
    ok.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).t),
    [100, 300],
  );
  await writeFile(join(built, 'plugin.js'), `${compiled.code}\n// tampered`);
  const bad = await bambam(['run', 'built', '--landmarks', 'appear.jsonl']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /does not match the SHA-256 in manifest\.json/);
  assert.equal(bad.stdout, '');
});

test('--midi writes a Standard MIDI File: one note per play at its sounding time, velocity, GM note', async () => {
  const { code, stderr } = await bambam([
    'run',
    'scheduler.ts',
    '--landmarks',
    'ticks.jsonl',
    '--midi',
    'take.mid',
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /wrote take\.mid \(4 notes\)/);
  const toneMidi = (await import('@tonejs/midi')).default as unknown as {
    Midi: new (
      bytes: Uint8Array,
    ) => {
      tracks: Array<{ channel: number; notes: Array<{ midi: number; time: number; velocity: number }> }>;
    };
  };
  const parsed = new toneMidi.Midi(new Uint8Array(await readFile(join(dir, 'take.mid'))));
  // Note's time is a getter (from ticks): copy the fields, don't spread.
  const notes = parsed.tracks.flatMap((track) =>
    track.notes.map((note) => ({
      midi: note.midi,
      time: note.time,
      velocity: note.velocity,
      channel: track.channel,
    })),
  );
  assert.equal(notes.length, 4);
  // Sounding times: at -50 is in the past (its frame's t = 0), then 500, 1007.3, 1250 ms.
  const times = notes.map((note) => note.time).sort((a, b) => a - b);
  [0, 0.5, 1.0073, 1.25].forEach((expected, i) => {
    assert.ok(Math.abs(times[i]! - expected) < 0.002, `note ${i} at ${times[i]} s, expected ${expected}`);
  });
  for (const note of notes) {
    assert.equal(note.channel, 9, 'General MIDI drums: channel 10 (9 in the file)');
    assert.equal(note.midi, 82, "'click' names no drum: the first free key above GM's percussion");
    assert.ok(Math.abs(note.velocity - 1) < 0.01);
  }
});
