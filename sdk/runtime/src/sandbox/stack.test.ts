import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePlugin } from './compile.ts';
import { parseFrame, StackMapper } from './stack.ts';

test('parses named and anonymous V8 stack frames', () => {
  assert.deepEqual(parseFrame('    at Object.onFrame (bundle.js:12:34)'), {
    name: 'Object.onFrame',
    file: 'bundle.js',
    line: 12,
    column: 34,
  });
  assert.deepEqual(parseFrame('    at bundle.js:1:2'), { file: 'bundle.js', line: 1, column: 2 });
  assert.deepEqual(parseFrame('    at async run (bundle.js:3:4)'), {
    name: 'run',
    file: 'bundle.js',
    line: 3,
    column: 4,
  });
  assert.equal(parseFrame('Error: boom'), undefined);
  assert.equal(parseFrame('    at new Promise (<anonymous>)'), undefined);
});

test('maps bundle positions to the source and drops frames of other scripts', async () => {
  const source = `export default {\n  name: 'x',\n  onFrame() {\n    throw new Error('here');\n  },\n};\n`;
  const compiled = await compilePlugin({ source, filename: 'm.ts' });
  const lines = compiled.code.split('\n');
  const line = lines.findIndex((l) => l.includes('new Error(')) + 1;
  const column = lines[line - 1]!.indexOf('new Error') + 1;
  const mapper = new StackMapper('bundle.js', compiled.sourceMap);
  assert.deepEqual(mapper.map(line, column), { file: 'm.ts', line: 4, column: 11 });
  const mapped = mapper.mapStack(
    [
      'Error: here',
      `    at Object.onFrame (bundle.js:${line}:${column})`,
      '    at frame (runtime.js:10:5)',
    ].join('\n'),
  );
  assert.deepEqual(mapped.location, { file: 'm.ts', line: 4, column: 11 });
  assert.equal(mapped.stack, 'Error: here\n    at Object.onFrame (m.ts:4:11)');
  assert.deepEqual(mapper.mapStack(undefined), {});
});

test('an unreadable source map costs the location, not the error', () => {
  const mapper = new StackMapper('bundle.js', 'not json');
  assert.equal(mapper.map(1, 1), undefined);
  assert.equal(mapper.mapStack('Error: x\n    at bundle.js:1:1').location, undefined);
});
