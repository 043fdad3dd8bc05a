import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { compilePlugin } from '@bambam/runtime';
import type { Frame, PlayEvent } from '@bambam/sdk';
import { Instrument } from './instrument.ts';

/** Plays on every frame (its play carries the frame's time, so the test sees which ran). */
const ECHO = `import { definePlugin } from '@bambam/sdk';
export default definePlugin({
  name: 'echo', version: '1.0.0', description: 'one play per frame',
  sounds: { click: { kind: 'tone', instrument: 'MetalSynth', duration: 0.05 } },
  onFrame(frame, ctx) { ctx.play('click'); },
});`;

const frame = (t: number): Frame => ({ t, width: 640, height: 480, hands: [] });
const instruments: Instrument[] = [];
after(() => {
  for (const instrument of instruments) instrument.dispose();
});

async function echo(backlog: ConstructorParameters<typeof Instrument>[0]['backlog']): Promise<Instrument> {
  const instrument = new Instrument({ onConsole: () => {}, onDisabled: () => {}, backlog });
  instruments.push(instrument);
  await instrument.load(await compilePlugin({ source: ECHO, filename: 'echo.ts' }));
  return instrument;
}

const ran = (plays: readonly (PlayEvent[] | undefined)[]) => plays.map((p) => p?.[0]?.t);

test('frames given while the sandbox is busy all run, in order, when they fit the backlog', async () => {
  const instrument = await echo({ maxFrames: 6, budgetMs: 10_000 });
  const plays = await Promise.all([100, 200, 300, 400, 500].map((t) => instrument.onFrame(frame(t))));
  assert.deepEqual(ran(plays), [100, 200, 300, 400, 500]);
  assert.equal(instrument.dropped, 0);
});

test('beyond the backlog the oldest waiting frames are dropped and counted; latest wins at one', async () => {
  const instrument = await echo({ maxFrames: 1 });
  const plays = await Promise.all([100, 200, 300, 400].map((t) => instrument.onFrame(frame(t))));
  assert.deepEqual(ran(plays), [100, undefined, undefined, 400]);
  assert.equal(instrument.dropped, 2);
});
