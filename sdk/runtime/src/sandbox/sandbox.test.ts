import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compilePlugin } from './compile.ts';
import { PluginError } from './errors.ts';
import { DEFAULT_SANDBOX_LIMITS, resolveLimits } from './limits.ts';
import { PluginSandbox } from './sandbox.ts';
import { hand, loadSource, locate, pluginSource, rejection, twoHandFrame } from './testing.ts';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
/** The per-call budget is wall-clock time: keep it roomy where timeouts are not the subject. */
const ROOMY = { limits: { frameBudgetMs: 200 } };

const paramsPlugin = pluginSource({
  name: 'param-plugin',
  members: `  params: {
    gain: { type: 'number', default: 0.5, min: 0, max: 1, step: 0.1 },
    loud: { type: 'boolean', default: false },
    drum: { type: 'choice', choices: ['kick', 'snare'], default: 'kick' },
  },
  state: () => ({ frames: 0 }),
  setup(ctx) { ctx.log('setup', ctx.params.drum, typeof ctx.state); },`,
  onFrame: `    ctx.state.frames++;
    for (const h of frame.hands) ctx.play(ctx.params.drum, { velocity: ctx.params.loud ? 1 : ctx.params.gain, pan: h.landmarks[0].x * 2 - 1 });
    if (frame.t === 100) console.warn('frames', ctx.state.frames);`,
});

describe('PluginSandbox', () => {
  let sandbox: PluginSandbox;
  let logs: { level: string; message: string; location?: unknown }[];
  before(async () => {
    ({ sandbox, logs } = await loadSource(paramsPlugin, { filename: 'params.ts' }));
  });
  after(() => sandbox.dispose());

  test('describes the plugin as plain data', () => {
    assert.equal(sandbox.description.name, 'param-plugin');
    assert.equal(sandbox.description.version, '1.0.0');
    assert.equal(sandbox.description.description, 'A plugin under test.');
    assert.deepEqual(Object.keys(sandbox.description.sounds), ['kick', 'snare']);
    assert.deepEqual(sandbox.description.sounds.kick, {
      kind: 'tone',
      instrument: 'MembraneSynth',
      note: 'C1',
    });
    assert.deepEqual(sandbox.description.params.drum, {
      type: 'choice',
      choices: ['kick', 'snare'],
      default: 'kick',
    });
    assert.ok(Object.isFrozen(sandbox.description));
  });

  test('runs setup with the default params and the state, and maps its log line', () => {
    assert.deepEqual(sandbox.params, { gain: 0.5, loud: false, drum: 'kick' });
    assert.equal(logs[0]?.message, 'setup kick object');
    assert.deepEqual(logs[0]?.location, { file: 'params.ts', ...locate(paramsPlugin, "log('setup'") });
  });

  test('returns validated plays stamped with the frame time', async () => {
    const plays = await sandbox.onFrame(twoHandFrame(40));
    assert.deepEqual(plays, [
      { t: 40, sound: 'kick', velocity: 0.5, pan: 0.3 * 2 - 1 },
      { t: 40, sound: 'kick', velocity: 0.5, pan: 0.7 * 2 - 1 },
    ]);
    assert.deepEqual(await sandbox.onFrame({ t: 41, width: 640, height: 480, hands: [] }), []);
  });

  test('setParams: validated, visible to the plugin from the next frame', async () => {
    sandbox.setParams({ drum: 'snare', gain: 0.25 });
    assert.deepEqual(sandbox.params, { gain: 0.25, loud: false, drum: 'snare' });
    assert.ok(Object.isFrozen(sandbox.params));
    const plays = await sandbox.onFrame(twoHandFrame(50));
    assert.deepEqual(
      plays.map((p) => [p.sound, p.velocity]),
      [
        ['snare', 0.25],
        ['snare', 0.25],
      ],
    );
    assert.throws(() => sandbox.setParams({ volume: 1 }), {
      name: 'TypeError',
      message: /no param 'volume'.*gain, loud, drum/,
    });
    assert.throws(() => sandbox.setParams({ gain: 2 }), {
      name: 'RangeError',
      message: /within \[0, 1\], got 2/,
    });
    assert.throws(() => sandbox.setParams({ gain: '1' }), { name: 'TypeError', message: /finite number/ });
    assert.throws(() => sandbox.setParams({ gain: Number.NaN }), TypeError);
    assert.throws(() => sandbox.setParams({ loud: 1 }), { name: 'TypeError', message: /true or false/ });
    assert.throws(() => sandbox.setParams({ drum: 'tom' }), {
      name: 'RangeError',
      message: /one of kick, snare/,
    });
    assert.throws(() => sandbox.setParams({ gain: 0.9, drum: 'tom' }), RangeError);
    assert.equal(sandbox.params.gain, 0.25, 'a rejected update changes nothing');
  });

  test('keeps state across frames; reset() makes a fresh one', async () => {
    await sandbox.onFrame({ ...twoHandFrame(100), hands: [] });
    const before = logs.at(-1)!;
    assert.equal(before.level, 'warn');
    assert.match(before.message, /^frames \d+$/);
    assert.ok(Number(before.message.split(' ')[1]) > 1);
    await sandbox.reset();
    await sandbox.onFrame({ ...twoHandFrame(100), hands: [] });
    assert.equal(logs.at(-1)!.message, 'frames 1');
  });

  test('rejects malformed frames with a TypeError naming the field', async () => {
    const bad = { ...twoHandFrame(1), hands: [{ ...hand('Left', 0.5, 0.5), score: Number.NaN }] };
    const error = await rejection(sandbox.onFrame(bad));
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /frame\.hands\[0\]\.score/);
    assert.ok((await rejection(sandbox.onFrame(null as never))) instanceof TypeError);
    assert.ok(
      (await rejection(sandbox.onFrame({ t: 1, width: 1, height: 1, hands: 'x' } as never))) instanceof
        TypeError,
    );
  });

  test('counts frames and CPU', () => {
    const stats = sandbox.stats;
    assert.equal(stats.frames, 5);
    assert.ok(stats.cpuMs > 0);
    assert.ok(stats.lastFrameMs > 0);
    assert.equal(stats.errors, 0);
  });
});

describe('PluginSandbox options', () => {
  test('initial params are validated over the defaults', async () => {
    const { sandbox } = await loadSource(paramsPlugin, { params: { loud: true } });
    try {
      assert.deepEqual(sandbox.params, { gain: 0.5, loud: true, drum: 'kick' });
      assert.equal((await sandbox.onFrame(twoHandFrame(1)))[0]?.velocity, 1);
    } finally {
      sandbox.dispose();
    }
    await assert.rejects(loadSource(paramsPlugin, { params: { nope: 1 } }), TypeError);
  });

  for (const callMode of ['sync', 'async'] as const) {
    for (const frameTransport of ['copy', 'json'] as const) {
      test(`callMode ${callMode} with frameTransport ${frameTransport} gives the same plays`, async () => {
        const { sandbox } = await loadSource(paramsPlugin, { callMode, frameTransport });
        try {
          const plays = await sandbox.onFrame(twoHandFrame(7));
          assert.deepEqual(plays, [
            { t: 7, sound: 'kick', velocity: 0.5, pan: 0.3 * 2 - 1 },
            { t: 7, sound: 'kick', velocity: 0.5, pan: 0.7 * 2 - 1 },
          ]);
        } finally {
          sandbox.dispose();
        }
      });
    }
  }

  test('bad options are TypeErrors or RangeErrors', async () => {
    const compiled = await compilePlugin({ source: paramsPlugin });
    await assert.rejects(PluginSandbox.load(compiled, { callMode: 'threads' as never }), TypeError);
    await assert.rejects(PluginSandbox.load(compiled, { limits: { memoryMb: 1 } }), RangeError);
    await assert.rejects(PluginSandbox.load({} as never), TypeError);
    assert.throws(() => resolveLimits({ frameBudgetMs: Number.NaN }), RangeError);
    assert.deepEqual(resolveLimits({ cpuBudget: { maxMs: 10 } as never }).cpuBudget, {
      windowMs: 1000,
      maxMs: 10,
    });
    assert.equal(DEFAULT_SANDBOX_LIMITS.maxPlaysPerFrame, 32);
    assert.throws(() => new PluginSandbox(Symbol('x') as never, {} as never), TypeError);
  });

  test('concurrent sync calls run one at a time, in order', async () => {
    const source = pluginSource({
      members: `  state: () => ({ n: 0 }),`,
      onFrame: `ctx.log(frame.t, ++ctx.state.n);`,
    });
    const { sandbox, logs } = await loadSource(source, { callMode: 'sync' });
    try {
      const all = [1, 2, 3].map((t) => sandbox.onFrame(twoHandFrame(t)));
      const reset = sandbox.reset();
      all.push(sandbox.onFrame(twoHandFrame(4)));
      await Promise.all([...all, reset]);
      assert.deepEqual(
        logs.map((l) => l.message),
        ['1 1', '2 2', '3 3', '4 1'],
      );
    } finally {
      sandbox.dispose();
    }
  });

  test('async calls queue behind each other in order', async () => {
    const source = pluginSource({
      members: `  state: () => ({ n: 0 }),`,
      onFrame: `ctx.log(frame.t, ++ctx.state.n);`,
    });
    const { sandbox, logs } = await loadSource(source, { callMode: 'async' });
    try {
      await Promise.all([1, 2, 3, 4].map((t) => sandbox.onFrame(twoHandFrame(t))));
      await Promise.all([sandbox.reset(), sandbox.onFrame(twoHandFrame(5))]);
      assert.deepEqual(
        logs.map((l) => l.message),
        ['1 1', '2 2', '3 3', '4 4', '5 1'],
      );
    } finally {
      sandbox.dispose();
    }
  });
});

describe('dispose', () => {
  test('later calls reject with a disposed PluginError; dispose is idempotent', async () => {
    const { sandbox } = await loadSource(paramsPlugin);
    sandbox.dispose();
    sandbox.dispose();
    const error = await rejection(sandbox.onFrame(twoHandFrame(1)));
    assert.ok(error instanceof PluginError);
    assert.equal(error.code, 'disposed');
    assert.equal(error.plugin, 'param-plugin');
    assert.equal(((await rejection(sandbox.reset())) as PluginError).code, 'disposed');
    assert.equal(sandbox.disabled, undefined, 'disposing is not a failure');
  });
});

describe('plugins from disk', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bambam-sandbox-'));
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'disk-plugin', main: 'src/main.ts' }),
    );
    // A tiny valid WAV header + 2 samples: the bytes only have to arrive intact.
    writeFileSync(
      path.join(dir, 'src', 'clap.wav'),
      Buffer.from('RIFF$\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0', 'latin1'),
    );
    writeFileSync(
      path.join(dir, 'src', 'main.ts'),
      [
        `import { definePlugin, LANDMARK } from '@bambam/sdk';`,
        `import clap from './clap.wav';`,
        `import { threshold } from './util.ts';`,
        `export default definePlugin({`,
        `  name: 'disk-plugin', version: '0.2.0', description: 'From a directory.', author: 'Tests',`,
        `  sounds: { clap: { kind: 'sample', wav: clap, gain: 0.5 } },`,
        `  onFrame(frame, ctx) {`,
        `    for (const h of frame.hands) if (h.landmarks[LANDMARK.WRIST].y > threshold()) ctx.play('clap');`,
        `  },`,
        `});`,
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'src', 'util.ts'),
      `export function threshold(): number {\n  return 0.5;\n}\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a directory: package.json main, relative imports, .wav bytes, the SDK', async () => {
    const compiled = await compilePlugin({ entry: dir });
    assert.equal(compiled.filename, path.join('src', 'main.ts'));
    const sandbox = await PluginSandbox.load(compiled, ROOMY);
    try {
      const sound = sandbox.description.sounds.clap;
      assert.equal(sound?.kind, 'sample');
      assert.ok(sound?.kind === 'sample' && sound.wav instanceof Uint8Array);
      assert.equal(Buffer.from(sound.wav).toString('latin1', 0, 4), 'RIFF');
      assert.equal(sandbox.description.author, 'Tests');
      assert.equal((await sandbox.onFrame(twoHandFrame(1, 0.8))).length, 1);
    } finally {
      sandbox.dispose();
    }
  });

  test('errors point into the right file of a multi-file plugin', async () => {
    writeFileSync(
      path.join(dir, 'src', 'util.ts'),
      `export function threshold(): number {\n  throw new Error('util broke');\n}\n`,
    );
    const sandbox = await PluginSandbox.load(
      await compilePlugin({ entry: path.join(dir, 'src', 'main.ts') }),
      ROOMY,
    );
    try {
      const error = (await rejection(sandbox.onFrame(twoHandFrame(1)))) as PluginError;
      assert.equal(error.code, 'frame');
      assert.deepEqual(error.location, { file: 'util.ts', line: 2, column: 9 });
      assert.match(error.pluginStack ?? '', /util\.ts:2:9[\s\S]*main\.ts:8:/);
    } finally {
      sandbox.dispose();
    }
  });

  test('a missing entry is a compile error', async () => {
    const error = (await rejection(compilePlugin({ entry: path.join(dir, 'nope') }))) as PluginError;
    assert.equal(error.code, 'compile');
    assert.match(error.message, /No plugin at/);
    const empty = mkdtempSync(path.join(tmpdir(), 'bambam-empty-'));
    try {
      assert.match(((await rejection(compilePlugin({ entry: empty }))) as Error).message, /No entry in/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test('an unresolved import is a compile error at the import', async () => {
    const source = `import { x } from './missing.ts';\nexport default x;`;
    const error = (await rejection(
      compilePlugin({ source, filename: 'm.ts', resolveDir: dir }),
    )) as PluginError;
    assert.equal(error.code, 'compile');
    assert.match(error.message, /Could not resolve "\.\/missing\.ts"/);
    assert.deepEqual(error.location, { file: 'm.ts', line: 1, column: 19 });
  });

  test('the reference instrument bam-drum loads and stays quiet on a still hand', async (t) => {
    const entry = path.join(REPO, 'plugins', 'bam-drum');
    let compiled: Awaited<ReturnType<typeof compilePlugin>>;
    try {
      compiled = await compilePlugin({ entry });
    } catch (error) {
      t.skip(`bam-drum does not compile yet: ${(error as Error).message}`);
      return;
    }
    const sandbox = await PluginSandbox.load(compiled, ROOMY);
    try {
      assert.equal(sandbox.description.name, 'bam-drum');
      for (let i = 0; i < 10; i++) assert.deepEqual(await sandbox.onFrame(twoHandFrame(i * 33)), []);
    } finally {
      sandbox.dispose();
    }
  });
});

describe('PluginError', () => {
  test('toInfo maps codes to the wire and keeps plugin and location', () => {
    const error = new PluginError('timeout', 'onFrame ran long', {
      plugin: 'p',
      location: { file: 'a.ts', line: 3, column: 4 },
      fatal: true,
    });
    assert.equal(error.message, "Plugin 'p': onFrame ran long; the plugin is disabled.");
    assert.equal(error.format(), "Plugin 'p': onFrame ran long; the plugin is disabled. (at a.ts:3:4)");
    assert.deepEqual(error.toInfo(), {
      code: 'plugin-runtime',
      message: error.message,
      plugin: 'p',
      location: { file: 'a.ts', line: 3, column: 4 },
    });
    assert.equal(new PluginError('compile', 'x').toInfo().code, 'plugin-compile');
    assert.equal(new PluginError('invalid-plugin', 'x').toInfo().code, 'plugin-load');
  });
});
