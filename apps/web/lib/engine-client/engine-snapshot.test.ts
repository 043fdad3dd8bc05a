import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cameraProblem, connectionLostProblem, engineFullProblem, webrtcProblem } from '../problems.ts';
import { initialSnapshot, problemAfterRecovery } from './engine-snapshot.ts';

describe('problemAfterRecovery', () => {
  it("clears only the recovered area's problems", () => {
    const lost = connectionLostProblem('http://engine');
    // A lost connection is both the link's and the media's; a full engine only the link's.
    assert.equal(problemAfterRecovery(lost, 'link'), null);
    assert.equal(problemAfterRecovery(lost, 'media'), null);
    assert.equal(problemAfterRecovery(engineFullProblem('full'), 'link'), null);
    assert.equal(problemAfterRecovery(engineFullProblem('full'), 'media')?.kind, 'engine-full');
    const denied = cameraProblem(new DOMException('no', 'NotAllowedError'));
    assert.equal(problemAfterRecovery(denied, 'camera'), null);
    assert.equal(problemAfterRecovery(denied, 'link'), denied);
    assert.equal(problemAfterRecovery(webrtcProblem('x', true), 'plugin')?.kind, 'webrtc-failed');
    assert.equal(problemAfterRecovery(null, 'link'), null);
  });

  it('starts connecting, with no media, session or problem', () => {
    const snapshot = initialSnapshot('http://engine');
    assert.equal(snapshot.engineUrl, 'http://engine');
    assert.equal(snapshot.link, 'connecting');
    assert.equal(snapshot.media, 'off');
    assert.equal(snapshot.wantsMedia, false);
    assert.equal(snapshot.problem, null);
  });
});
