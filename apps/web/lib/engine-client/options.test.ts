import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_ENGINE_CLIENT_OPTIONS, resolveEngineClientOptions } from './options.ts';

describe('resolveEngineClientOptions', () => {
  it('fills every default and keeps what was given', () => {
    const resolved = resolveEngineClientOptions({ engineUrl: 'http://engine', requestTimeoutMs: 50 });
    assert.equal(resolved.requestTimeoutMs, 50);
    assert.equal(resolved.peerRecoveryMs, DEFAULT_ENGINE_CLIENT_OPTIONS.peerRecoveryMs);
    assert.deepEqual(resolved.video, DEFAULT_ENGINE_CLIENT_OPTIONS.video);
    const video = { width: { ideal: 320 } };
    assert.equal(resolveEngineClientOptions({ engineUrl: 'x', video }).video, video);
  });
});
