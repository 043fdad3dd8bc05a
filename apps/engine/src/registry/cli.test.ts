import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.ts';
import { databasePath } from './index.ts';
import { SqliteRegistryStore } from './store/sqlite.ts';
import { removeDir } from './test-support.ts';
import { authenticate } from './tokens.ts';

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await runCli(args, { stdout, stderr, env });
  return { code, out, err };
}

test('token create, list and revoke work on the data dir database', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bambam-cli-'));
  t.after(() => removeDir(dataDir));
  const created = await cli(['token', 'create', 'alice', '--label', 'laptop', '--data-dir', dataDir]);
  assert.equal(created.code, 0, created.err);
  const token = created.out.trim();
  assert.match(token, /^bbt_/);
  assert.match(created.err, /Created token [0-9a-f]{12} for owner 'alice'/);

  const listed = await cli(['token', 'list'], { BAMBAM_DATA_DIR: dataDir });
  assert.match(listed.out, /\talice\tlaptop\t.*active/);
  assert.ok(!listed.out.includes(token), 'list never shows tokens');
  const id = listed.out.split('\t')[0]!;

  const store = new SqliteRegistryStore(databasePath(dataDir));
  assert.ok((await authenticate(store, `Bearer ${token}`)).ok);
  assert.equal((await cli(['token', 'revoke', id, '--data-dir', dataDir])).code, 0);
  assert.ok(!(await authenticate(store, `Bearer ${token}`)).ok);
  await store.close();
  assert.match((await cli(['token', 'list', '--data-dir', dataDir])).out, /revoked/);
  assert.equal((await cli(['token', 'revoke', 'nope', '--data-dir', dataDir])).code, 1);
});

test('bad usage exits 2 with the usage text', async () => {
  for (const args of [
    [],
    ['tokens'],
    ['token', 'create'],
    ['token', 'list', 'extra'],
    ['token', 'make', 'x'],
    ['--bogus'],
  ]) {
    const { code, err } = await cli(args);
    assert.equal(code, 2, `args ${args.join(' ')}`);
    assert.match(err, /Usage:/);
  }
});

test('runs as a script', (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bambam-cli-'));
  t.after(() => removeDir(dataDir));
  const script = fileURLToPath(new URL('./cli.ts', import.meta.url));
  const out = execFileSync(process.execPath, [script, 'token', 'create', 'dora', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.match(out.toString(), /^bbt_\S+\n$/);
});
