import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessHealth,
  DEFAULT_HEALTH_THRESHOLDS,
  type HealthMeasures,
  type HealthState,
  INITIAL_HEALTH,
} from './health.ts';

/** A healthy second: 30 fps tracked, nothing dropped, 25 ms per frame, a 20 ms audio buffer. */
const HEALTHY: HealthMeasures = {
  liveMs: 20_000,
  windowMs: 5000,
  framesTracked: 150,
  framesDropped: 0,
  engineMs: 25,
  jitterBufferMs: 20,
};

/** Runs the measures through the assessment in order; returns each step's issue kinds. */
function run(series: readonly Partial<HealthMeasures>[], start: HealthState = INITIAL_HEALTH) {
  let state = start;
  const shown: string[][] = [];
  let last = assessHealth(state, HEALTHY);
  for (const m of series) {
    last = assessHealth(state, { ...HEALTHY, ...m });
    state = last.state;
    shown.push(last.issues.map((i) => i.kind));
  }
  return { shown, last, state };
}

describe('assessHealth', () => {
  it('says nothing on a healthy session', () => {
    const { shown } = run([{}, {}, {}, {}]);
    assert.deepEqual(shown, [[], [], [], []]);
  });

  it('calls the engine overloaded when it drops frames, with the share and what to do', () => {
    // 40% dropped over 5 s: 90 tracked, 60 dropped (the issue's example).
    const { shown, last } = run([
      { framesTracked: 90, framesDropped: 60 },
      { framesTracked: 90, framesDropped: 60 },
    ]);
    assert.deepEqual(shown, [[], ['engine-overloaded']], 'shown from the second assessment in a row');
    const issue = last.issues[0]!;
    assert.match(issue.detail, /dropped 40% of the camera frames in the last 5 s/);
    assert.match(issue.detail, /Close other sessions/);
    assert.match(issue.detail, /BAMBAM_TRACKER_MODEL=lite/);
  });

  it('calls the engine overloaded when each frame takes too long, even without drops', () => {
    const { last } = run([{ engineMs: 220 }, { engineMs: 220 }]);
    assert.equal(last.issues[0]?.kind, 'engine-overloaded');
    assert.match(last.issues[0]!.detail, /each frame takes it 220 ms/i);
  });

  it('does not flicker: one bad second shows nothing, and a shown warning needs 3 good seconds to go', () => {
    const bad = { framesTracked: 90, framesDropped: 60 };
    assert.deepEqual(run([bad, {}, bad, {}]).shown, [[], [], [], []], 'alternating bad and good never shows');
    // In between the levels (20% dropped: under enter, over leave) keeps the warning on.
    const between = { framesTracked: 120, framesDropped: 30 };
    const { shown } = run([bad, bad, between, between, {}, {}, {}]);
    assert.deepEqual(shown, [
      [],
      ['engine-overloaded'],
      ['engine-overloaded'],
      ['engine-overloaded'],
      ['engine-overloaded'],
      ['engine-overloaded'],
      [],
    ]);
  });

  it('judges nothing while media warms up, and resets when media stops', () => {
    const bad = { framesTracked: 30, framesDropped: 60, liveMs: 1000, jitterBufferMs: 2000 };
    assert.deepEqual(run([bad, bad, bad]).shown, [[], [], []]);
    const on = run([{ framesDropped: 100 }, { framesDropped: 100 }]);
    assert.equal(on.last.issues.length, 1);
    const off = assessHealth(on.state, { ...HEALTHY, liveMs: 0 });
    assert.deepEqual(off, { state: INITIAL_HEALTH, issues: [] });
  });

  it('says the audio buffer grew, by how much, and to reload', () => {
    const { last } = run([{ jitterBufferMs: 1179 }, { jitterBufferMs: 1179 }]);
    assert.equal(last.issues[0]?.kind, 'audio-buffer');
    assert.match(
      last.issues[0]!.detail,
      /Your audio buffer grew to 1\.2 s: the network or this computer is struggling/,
    );
    assert.equal(last.issues[0]!.action, 'reload-page');
  });

  it('blames the sender or the network when few frames arrive and the engine keeps up', () => {
    const { last } = run([{ framesTracked: 40 }, { framesTracked: 40 }]);
    assert.equal(last.issues[0]?.kind, 'video-starved');
    assert.match(last.issues[0]!.detail, /Only 8 frames per second/);
    // A low rate explained by an overloaded engine is only the engine's warning.
    const both = run([
      { framesTracked: 40, framesDropped: 60 },
      { framesTracked: 40, framesDropped: 60 },
    ]);
    assert.deepEqual(
      both.last.issues.map((i) => i.kind),
      ['engine-overloaded'],
    );
  });

  it('needs a full window of video before calling it starved', () => {
    const early = { framesTracked: 10, liveMs: DEFAULT_HEALTH_THRESHOLDS.warmupMs + 1000, windowMs: 4000 };
    assert.deepEqual(run([early, early, early]).shown, [[], [], []]);
  });
});
