/**
 * The first minutes on an old Node: `npm start`, `npm test` and the `bambam` bin must say that
 * Node 24 is needed and the one command that fixes it, before any TypeScript is loaded (an old
 * Node dies on `.ts` with a raw ERR_UNKNOWN_FILE_EXTENSION). Runs the real entries with an old
 * Node from this machine (the PATH, /usr/bin, /usr/local/bin); skips when there is none.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function oldNode(): { bin: string; version: string } | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const bin = path.join(dir, 'node');
    if (!dir || !existsSync(bin)) continue;
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
    const major = Number(/^v(\d+)/.exec(version)?.[1]);
    if (major && major < 24) return { bin, version };
  }
  return undefined;
}

const old = oldNode();
const entries: [string, string[], RegExp][] = [
  ['npm start (scripts/start.mjs)', ['scripts/start.mjs'], /`source scripts\/node24\.sh`.*`npm start` again/],
  ['npm test (scripts/test.mjs)', ['scripts/test.mjs'], /`source scripts\/node24\.sh`.*`npm test` again/],
  [
    'the bambam bin',
    ['--no-node-snapshot', 'sdk/cli/bin/bambam.js', 'publish'],
    /`source scripts\/node24\.sh`/,
  ],
];

for (const [what, args, fix] of entries) {
  test(`${what} on ${old?.version ?? 'an old Node'}: the version message and exit code 1`, (t) => {
    if (!old) return t.skip('no Node older than 24 on this machine');
    const run = spawnSync(old.bin, args, { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`needs Node 24 or newer; this is Node ${old.version.replace(/\./g, '\\.')}`),
    );
    assert.match(run.stderr, fix);
    assert.doesNotMatch(run.stderr, /ERR_UNKNOWN_FILE_EXTENSION|TypeError/);
    assert.equal(run.stdout, '');
  });
}

test('the bambam bin on this Node 24 runs the CLI', () => {
  const run = spawnSync(process.execPath, ['--no-node-snapshot', 'sdk/cli/bin/bambam.js', '--version'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
});
