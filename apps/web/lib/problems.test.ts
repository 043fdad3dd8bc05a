import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pluginNameProblem, pluginTemplate } from './plugin-template.ts';
import { cameraProblem, engineUnreachableProblem, pluginDisabledProblem } from './problems.ts';

describe('cameraProblem', () => {
  it('tells a denied camera from a missing or busy one', () => {
    assert.equal(cameraProblem(new DOMException('no', 'NotAllowedError')).kind, 'camera-denied');
    assert.equal(cameraProblem(new DOMException('no', 'NotFoundError')).kind, 'camera-missing');
    assert.equal(cameraProblem(new DOMException('no', 'NotReadableError')).kind, 'camera-busy');
    const other = cameraProblem(new Error('strange'));
    assert.equal(other.kind, 'camera-unavailable');
    assert.match(other.detail, /strange/);
  });
});

describe('engine problems', () => {
  it('says where the engine was looked for and how to start it', () => {
    const p = engineUnreachableProblem('http://localhost:3001', 'connection refused');
    assert.match(p.detail, /http:\/\/localhost:3001/);
    assert.match(p.detail, /npm start/);
    assert.equal(p.retrying, true);
  });
  it('offers to reload a disabled instrument', () => {
    assert.equal(pluginDisabledProblem('bam-drum broke.').action, 'reload-plugin');
  });
});

describe('plugin names and the template', () => {
  it('accepts the names the engine accepts', () => {
    assert.equal(pluginNameProblem('my-bells'), null);
    assert.notEqual(pluginNameProblem(''), null);
    assert.notEqual(pluginNameProblem('My Bells'), null);
    assert.notEqual(pluginNameProblem('-x'), null);
  });
  it('puts the name into the template', () => {
    const source = pluginTemplate('my-bells');
    assert.match(source, /name: 'my-bells'/);
    assert.match(source, /from '@bambam\/sdk'/);
  });
});
