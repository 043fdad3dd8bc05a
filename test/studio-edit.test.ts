/**
 * The studio's editor end to end, in real headless Chromium against a real engine and the built
 * studio, with the fake camera playing the fixture clip (4 down-strokes per loop) in the split
 * view's player:
 * - Monaco has the SDK's types (bam-drum type-checks clean; a type error becomes a marker);
 * - changing bam-drum's sound and saving (Ctrl+S) changes what is heard, without reconnecting;
 * - a syntax error shows a marker at its line and the old instrument keeps playing;
 * - a plugin that throws at run time shows its error, with its line, in the console pane.
 * Screenshots: test/test-results/studio-edit*.png.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { median } from './lib/studio-audio.ts';
import {
  type ConnectionIdentity,
  connectionIdentity,
  listenToStudio,
  startStudioRecorder,
  waitForEditorSource,
  waitForLive,
} from './lib/studio-page.ts';
import { StudioSuite } from './lib/studio-suite.ts';

const RESULTS = path.join(import.meta.dirname, 'test-results');
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// biome-ignore lint/suspicious/noExplicitAny: the page's objects are reached through `window`
type Any = any;

/** bam-drum's default `bam` drum (a low MembraneSynth) becomes white noise: a much brighter hit. */
const BRIGHT_BAM = `bam: {
    kind: 'tone',
    instrument: 'NoiseSynth',
    duration: 0.15,
    length: 0.4,
    options: { noise: { type: 'white' }, envelope: { attack: 0.001, decay: 0.15, sustain: 0, release: 0.05 } },
  },
  kick: {`;

function brightBamDrum(source: string): string {
  const replaced = source
    .replace(/bam: \{[\s\S]*?\n {2}kick: \{/, BRIGHT_BAM)
    .replace(/version: '1\.0\.0'/, "version: '1.0.1'");
  assert.notEqual(replaced, source, "could not find bam-drum's `bam` sound in its source to change it");
  assert.match(replaced, /version: '1\.0\.1'/, "could not find bam-drum's version in its source");
  return replaced;
}

/** A plugin that loads fine and throws on every frame, from line 11. */
const THROWING_PLUGIN = `import { definePlugin } from '@bambam/sdk';

export default definePlugin({
  name: 'thrower',
  version: '0.0.1',
  description: 'Throws at run time, to show where.',
  sounds: { click: { kind: 'tone', instrument: 'Synth', note: 'C5', duration: 0.05 } },
  onFrame(frame, ctx) {
    ctx.log('frame', frame.t);
    if (frame.t >= 0) {
      throw new Error('boom from onFrame');
    }
  },
});
`;
const THROW_LINE = 11;

describe('studio editor in Chromium (live coding against the running session)', { timeout: 300_000 }, () => {
  const suite = new StudioSuite();
  let page: Page | undefined;
  let identity: ConnectionIdentity | undefined;

  before(() =>
    suite.setup(async () => {
      ({ page } = await suite.open({ path: '/edit?autostart=1', viewport: { width: 1400, height: 860 } }));
      await waitForLive(page);
      await waitForEditorSource(page);
      await startStudioRecorder(page);
      identity = await connectionIdentity(page);
    }),
  );

  after(() => suite.teardown());

  const ready = (t: TestContext) => suite.ready(t, page);
  const guard = (run: () => Promise<void>) => suite.guard(run);

  /** Monaco's markers on the editor's model: TypeScript's and the studio's own. */
  function markers(p: Page): Promise<{ owner: string; line: number; severity: number; message: string }[]> {
    return p.evaluate(() => {
      const { monaco, editor } = (window as Any).__bambamEditor;
      return monaco.editor.getModelMarkers({ resource: editor.getModel().uri }).map((m: Any) => ({
        owner: m.owner,
        line: m.startLineNumber,
        severity: m.severity,
        message: m.message,
      }));
    });
  }

  /** Waits for TypeScript's diagnostics to settle (they run in a worker, after a short delay). */
  async function settledMarkers(p: Page, want: (m: Awaited<ReturnType<typeof markers>>) => boolean) {
    let last = await markers(p);
    for (let i = 0; i < 50 && !want(last); i++) {
      await delay(200);
      last = await markers(p);
    }
    return last;
  }

  async function setSource(p: Page, source: string): Promise<void> {
    await p.evaluate((s) => (window as Any).__bambamEditor.editor.setValue(s), source);
  }

  /** Saves with the keyboard shortcut, then waits for the studio to report the result. */
  async function saveWithShortcut(p: Page): Promise<{ tone: string; text: string }> {
    const status = p.locator('[data-testid="save-status"]');
    const before = Number(await status.getAttribute('data-saves'));
    await p.evaluate(() => (window as Any).__bambamEditor.editor.focus());
    await p.keyboard.press('Control+KeyS');
    await p.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="save-status"]')?.getAttribute('data-saves')) > n,
      before,
      { timeout: 30_000, polling: 100 },
    );
    return { tone: (await status.getAttribute('data-tone')) ?? '', text: (await status.textContent()) ?? '' };
  }

  it('gives Monaco the SDK types: bam-drum type-checks clean, a type error becomes a marker', async (t) => {
    const p = ready(t);
    if (!p) return;
    await guard(async () => {
      const clean = await settledMarkers(p, (m) => m.length === 0);
      const errors = clean.filter((m) => m.severity >= 8);
      assert.deepEqual(errors, [], 'bam-drum should have no type errors with the SDK types loaded');
      // Hover/completion need the same types: a wrong use of the SDK must be caught.
      const original = await p.evaluate(() => (window as Any).__bambamEditor.editor.getValue());
      await setSource(p, `${original}\nconst wrong: number = LANDMARK_DOES_NOT_EXIST;\n`);
      const withError = await settledMarkers(p, (m) => m.some((x) => x.severity >= 8));
      assert.ok(
        withError.some((m) => m.owner === 'typescript' && /LANDMARK_DOES_NOT_EXIST/.test(m.message)),
        `expected a TypeScript marker, got ${JSON.stringify(withError)}`,
      );
      await setSource(p, original);
    });
  });

  it('hot-swaps an edited bam-drum on Ctrl+S: a different sound is heard, the connection unchanged', async (t) => {
    const p = ready(t);
    const initial = identity;
    if (!p || !initial) return;
    await guard(async () => {
      const beforeEdit = await listenToStudio(p, 4500);
      assert.ok(
        beforeEdit.features.length >= 2,
        `only ${beforeEdit.features.length} hits heard before the edit`,
      );
      const original = await p.evaluate(() => (window as Any).__bambamEditor.editor.getValue());
      await setSource(p, brightBamDrum(original));
      const result = await saveWithShortcut(p);
      assert.equal(result.tone, 'ok', `save failed: ${result.text}`);
      await p.waitForFunction(
        () => (window as Any).__bambamStudio.snapshot.plugin?.version === '1.0.1',
        undefined,
        {
          timeout: 10_000,
        },
      );
      await delay(500); // let the last old hit's tail pass
      const afterEdit = await listenToStudio(p, 4500);
      assert.ok(
        afterEdit.features.length >= 2,
        `only ${afterEdit.features.length} hits heard after the edit`,
      );
      const c0 = median(beforeEdit.features.map((f) => f.centroidHz));
      const c1 = median(afterEdit.features.map((f) => f.centroidHz));
      assert.ok(
        c1 > c0 * 2,
        `the hits should sound brighter after the edit: centroid ${c0.toFixed(0)} → ${c1.toFixed(0)} Hz`,
      );
      const now = await connectionIdentity(p);
      assert.equal(now.socketId, initial.socketId, 'the socket reconnected');
      assert.equal(now.sessionId, initial.sessionId, 'the session changed');
      assert.equal(now.peerMark, initial.peerMark, 'the peer connection was replaced');
      assert.equal(now.peerState, 'connected');
      t.diagnostic(
        `median hit centroid ${c0.toFixed(0)} Hz → ${c1.toFixed(0)} Hz; energy ${median(beforeEdit.features.map((f) => f.energy)).toFixed(2)} → ${median(afterEdit.features.map((f) => f.energy)).toFixed(2)}`,
      );
    });
  });

  it('shows a syntax error as a marker at its line and keeps the old instrument playing', async (t) => {
    const p = ready(t);
    const initial = identity;
    if (!p || !initial) return;
    await guard(async () => {
      const playing = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.plugin);
      const beforeError = await listenToStudio(p, 4500);
      const good = await p.evaluate(() => (window as Any).__bambamEditor.editor.getValue());
      const lines = good.split('\n');
      const at = lines.findIndex((l: string) => l.startsWith('export default definePlugin'));
      assert.ok(at > 0, 'no `export default definePlugin` line in the source');
      lines.splice(at, 0, 'const broken = ;');
      await setSource(p, lines.join('\n'));
      const result = await saveWithShortcut(p);
      assert.equal(result.tone, 'bad', `a syntax error should not load: ${result.text}`);
      assert.match(result.text, /previous instrument keeps playing/);
      const marks = await markers(p);
      const ours = marks.find((m) => m.owner === 'bambam');
      assert.ok(ours, `no studio marker; markers: ${JSON.stringify(marks)}`);
      assert.equal(ours.line, at + 1, `marker at line ${ours.line}, the error is on line ${at + 1}`);
      const consoleText = (await p.locator('[data-testid="console"]').textContent()) ?? '';
      assert.match(
        consoleText,
        new RegExp(`:${at + 1}:\\d+`),
        'the console should show the error with line:column',
      );
      await mkdir(RESULTS, { recursive: true });
      await p.screenshot({ path: path.join(RESULTS, 'studio-edit-syntax-error.png') });

      // Still the same instrument, still playing and sounding the same, same connection.
      const plugin = await p.evaluate(() => (window as Any).__bambamStudio.snapshot.plugin);
      assert.equal(plugin.name, playing.name);
      assert.equal(plugin.version, playing.version);
      const heard = await listenToStudio(p, 4500);
      assert.ok(
        beforeError.features.length >= 2,
        `only ${beforeError.features.length} hits heard before the failed save`,
      );
      assert.ok(heard.features.length >= 2, `only ${heard.features.length} hits heard after the failed save`);
      const c0 = median(beforeError.features.map((f) => f.centroidHz));
      const c1 = median(heard.features.map((f) => f.centroidHz));
      assert.ok(
        c1 > c0 / 1.5 && c1 < c0 * 1.5,
        `the sound changed: centroid ${c0.toFixed(0)} → ${c1.toFixed(0)} Hz`,
      );
      const now = await connectionIdentity(p);
      assert.equal(now.peerMark, initial.peerMark, 'the peer connection was replaced');
      assert.equal(now.socketId, initial.socketId, 'the socket reconnected');
    });
  });

  it('creates a plugin from the template, and shows its run-time error in the console pane with its line', async (t) => {
    const p = ready(t);
    if (!p) return;
    await guard(async () => {
      await p.locator('button', { hasText: '+ New' }).click();
      await p.locator('input[aria-label="New plugin name"]').fill('thrower');
      await p.locator('button', { hasText: 'Create' }).click();
      await p.waitForFunction(() => /thrower/.test((window as Any).__bambamEditor?.editor.getValue() ?? ''));
      // The template itself type-checks against the SDK and runs.
      const templateMarkers = await settledMarkers(p, (m) => m.length === 0);
      assert.deepEqual(
        templateMarkers.filter((m) => m.severity >= 8),
        [],
        'the new-plugin template should have no type errors',
      );
      const template = await saveWithShortcut(p);
      assert.equal(template.tone, 'ok', `the template should load: ${template.text}`);
      assert.match(template.text, /Running thrower v0\.1\.0/);
      await setSource(p, THROWING_PLUGIN);
      const result = await saveWithShortcut(p);
      assert.equal(result.tone, 'ok', `the throwing plugin should load: ${result.text}`);
      const line = p
        .locator('[data-testid="console"] .console-line.error', { hasText: 'boom from onFrame' })
        .first();
      await line.waitFor({ timeout: 20_000 });
      const text = (await line.textContent()) ?? '';
      assert.match(
        text,
        new RegExp(`:${THROW_LINE}:\\d+`),
        `the error should point at line ${THROW_LINE}: ${text}`,
      );
      const logLine = p.locator('[data-testid="console"] .console-line.log', { hasText: 'frame' }).first();
      await logLine.waitFor({ timeout: 5000 });
      await p.screenshot({ path: path.join(RESULTS, 'studio-edit-runtime-error.png') });
    });
  });
});
