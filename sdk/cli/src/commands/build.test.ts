// `bambam build` on someone else's plugin runs on its author's machine: it compiles through the
// same guard as the engine, so a hostile plugin cannot bundle the builder's files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pluginSource } from '@bambam/runtime/testing';
import { bambam, workspace } from './cli-test-support.ts';

const MARKER = `s3cret-${randomBytes(12).toString('hex')}`;
let root: string;

before(() => {
  root = workspace();
  // The builder's secret, beside the plugin it was given.
  writeFileSync(join(root, 'config.json'), JSON.stringify({ token: MARKER }));
});
after(() => rmSync(root, { recursive: true, force: true }));

function plugin(name: string, prelude = ''): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'src/index.ts' }));
  writeFileSync(join(dir, 'src', 'index.ts'), pluginSource({ name, prelude }));
  return dir;
}

describe('bambam build', () => {
  test('builds a plugin into dist/', async () => {
    const dir = plugin('fine');
    const result = await bambam(['build', dir], root);
    assert.equal(result.code, 0, result.err);
    assert.ok(existsSync(join(dir, 'dist', 'plugin.js')));
    assert.match(readFileSync(join(dir, 'dist', 'manifest.json'), 'utf8'), /"name": "fine"/);
  });

  for (const [name, prelude] of [
    ['static', `import s from '../../config.json' with { type: 'text' };\n(globalThis as any).s = s;`],
    ['glob', `const f: string = (globalThis as any).f;\n(globalThis as any).s = require(\`../../\${f}\`);`],
  ] as const) {
    test(`refuses a plugin that reads the builder's files (${name}): exit 1, no dist/, no secret shown`, async () => {
      const dir = plugin(`hostile-${name}`, prelude);
      const result = await bambam(['build', dir], root);
      assert.equal(result.code, 1);
      assert.match(
        result.err,
        /does not compile: .*(outside the plugin|string literal path).*\(src\/index\.ts:\d+:\d+\)/,
      );
      assert.ok(!`${result.out}${result.err}`.includes(MARKER));
      assert.ok(!existsSync(join(dir, 'dist')));
    });
  }
});
