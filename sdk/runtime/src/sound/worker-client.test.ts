import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ToneSound } from '@bambam/sdk';
import { SoundBank } from './bank.ts';
import { SoundError } from './errors.ts';
import { validateSound } from './validate.ts';
import { RenderPool } from './worker-client.ts';

const pools: RenderPool[] = [];
function pool(limits: ConstructorParameters<typeof RenderPool>[0]): RenderPool {
  const made = new RenderPool(limits);
  pools.push(made);
  return made;
}
after(() => Promise.all(pools.map((p) => p.close())));

const kick = validateSound('kick', { kind: 'tone', instrument: 'MembraneSynth', note: 'C1', duration: 0.2 });
/** The finding's patch, which the validator refuses: sent straight to the pool it never finishes. */
const stuck: ToneSound = {
  kind: 'tone',
  instrument: 'Synth',
  options: { oscillator: { type: 'fatsawtooth', count: 1000 } },
  note: 'C2',
  duration: 0.1,
  length: 1.1,
  gain: 1,
};

test('a render past its timeout is stopped: its worker is terminated, the error says so, the next render works', async () => {
  const renders = pool({ warmWorkers: 1 });
  await renders.warm();
  assert.equal(renders.stats.started, 1);
  await assert.rejects(renders.render('kick', kick, { timeoutMs: 5 }), (error: unknown) => {
    assert.ok(error instanceof SoundError);
    assert.equal(error.sound, 'kick');
    assert.equal(error.message, "sound 'kick': rendering took longer than 0.005 s and was stopped");
    return true;
  });
  assert.equal(renders.stats.started, 2, 'the worker was replaced by a new one');
  const again = await renders.render('kick', kick);
  assert.ok(again.left.length > 1000);
});

test('a stuck render (fatsawtooth × 1000, past the validator) is killed at its timeout; another caller is not held up', async (t) => {
  const renders = pool({ warmWorkers: 2 });
  await renders.warm();
  const timeoutMs = 4000;
  const start = performance.now();
  let stuckSettled = false;
  const stuckRender = renders.render('evil', stuck, { timeoutMs }).finally(() => {
    stuckSettled = true;
  });
  const normal = await renders.render('kick', kick);
  const normalMs = performance.now() - start;
  assert.ok(normal.left.length > 1000);
  assert.equal(stuckSettled, false, 'the stuck render is still running');
  assert.ok(normalMs < timeoutMs, `the other caller's render finished after ${normalMs} ms`);
  t.diagnostic(`the other caller's render took ${normalMs.toFixed(0)} ms beside the stuck one`);
  await assert.rejects(
    stuckRender,
    /^SoundError: sound 'evil': rendering took longer than 4 s and was stopped$/m,
  );
  // Terminated, not abandoned: once its replacement has started, the process is idle (the
  // stuck render alone would burn a whole core).
  await renders.warm();
  const cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const used = process.cpuUsage(cpu);
  const usedMs = (used.user + used.system) / 1000;
  assert.ok(usedMs < 300, `${usedMs} ms of CPU in the second after the stop`);
  assert.ok((await renders.render('kick', kick)).left.length > 1000, 'the pool still renders');
});

test('callers are served fairly: one caller queued first does not hold another back', async () => {
  const renders = pool({ maxWorkers: 1, warmWorkers: 1 });
  await renders.warm();
  const a = {};
  const b = {};
  const finished: string[] = [];
  const notes = ['C1', 'D1', 'E1', 'F1', 'G1'];
  const jobs = notes.map((note) =>
    renders
      .render(note, validateSound(note, { kind: 'tone', instrument: 'Synth', note, duration: 0.05 }), {
        caller: a,
      })
      .then(() => finished.push(`a:${note}`)),
  );
  jobs.push(renders.render('kick', kick, { caller: b }).then(() => finished.push('b:kick')));
  await Promise.all(jobs);
  assert.deepEqual(finished.slice(0, 2), ['a:C1', 'b:kick'], `order ${finished.join(' ')}`);
});

test('a SoundBank past its budget is stopped with a clear error; the next bank renders', async () => {
  const renders = pool({ warmWorkers: 1 });
  const sounds = {
    low: { kind: 'tone', instrument: 'MembraneSynth', note: 'C1', duration: 0.3, length: 2 },
    high: { kind: 'tone', instrument: 'MembraneSynth', note: 'C2', duration: 0.3, length: 2 },
  } as const;
  await assert.rejects(
    SoundBank.render(sounds, { pool: renders, bankTimeoutMs: 5 }),
    (error: unknown) =>
      error instanceof SoundError &&
      error.message ===
        "sound 'low': the plugin's sounds took longer than 0.005 s to render and were stopped",
  );
  const bank = await SoundBank.render(sounds, { pool: renders });
  assert.deepEqual(bank.names, ['low', 'high']);
});
