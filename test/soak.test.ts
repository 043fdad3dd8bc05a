/**
 * The soak in CI (issue 18 item 6): players join and leave a real engine for SOAK_MINUTES
 * (default 3; `bench/soak.ts` runs 30). Everything the engine holds comes back each time
 * everyone has left: no session, tracker worker, child process or handle is left over, and
 * RSS does not climb.
 *
 * RSS over 3 minutes: an idle point's RSS moves by several MB with garbage collection alone,
 * and a slope fitted over the ~2.4 warm minutes magnifies that to tens of MB per 10 minutes.
 * What a short run can catch without flaking is a leak per session (a decoder, a peer
 * connection or a sandbox isolate kept: several MB each, ~15–30 sessions here, hundreds of MB
 * per 10 minutes); the 1 MB per 10 minutes target is judged by the 30-minute bench.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOUR_STROKES_CLIP, requireFixture } from './lib/fixtures.ts';
import { describeSoak, runSoak } from './lib/soak.ts';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 3);
/** RSS slope after warm-up that fails the short run, MB per 10 minutes (see above). */
const MAX_RSS_SLOPE_MB_PER_10_MIN = 150;

describe('soak: players join and leave', { timeout: (MINUTES + 3) * 60_000 }, () => {
  it(`returns sessions, workers, processes and handles to their warm baseline over ${MINUTES} min`, async (t) => {
    const clipPath = requireFixture(t, FOUR_STROKES_CLIP);
    if (!clipPath) return;
    const seed = Number(process.env.SOAK_SEED ?? 18);
    const result = await runSoak({ clipPath, minutes: MINUTES, maxPlayers: 3, seed });
    const lines = describeSoak(result, MINUTES);
    for (const line of lines) t.diagnostic(line);
    const why = `\n${lines.join('\n')}`;
    assert.ok(result.joined >= 5, `only ${result.joined} players joined${why}`);
    assert.ok(
      result.failedJoins.length <= result.joined / 4,
      `${result.failedJoins.length} joins failed${why}`,
    );
    assert.equal(result.leaked.sessions, 0, `sessions left after everyone left${why}`);
    assert.ok(result.leaked.workers <= 0, `tracker workers leaked${why}`);
    assert.ok(result.leaked.children <= 0, `child processes leaked${why}`);
    assert.ok(result.leaked.handles <= 0, `handles leaked${why}`);
    assert.ok(
      result.slopesPer10Min.rssMb < MAX_RSS_SLOPE_MB_PER_10_MIN,
      `RSS climbs ${result.slopesPer10Min.rssMb.toFixed(1)} MB per 10 min (bound ${MAX_RSS_SLOPE_MB_PER_10_MIN})${why}`,
    );
  });
});
