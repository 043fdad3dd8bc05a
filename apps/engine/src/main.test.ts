import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--no-node-snapshot', MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  return { child, output: () => out };
}

test('main prints where it listens, serves, and stops gracefully on SIGTERM', async () => {
  const { child, output } = start({ ENGINE_PORT: '0' });
  const deadline = Date.now() + 30_000;
  while (!/listening on (http:\/\/\S+)/.test(output()) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /listening on (http:\/\/\S+)/.exec(output())?.[1];
  assert.ok(url, `no listening line in: ${output()}`);
  const health = (await (await fetch(`${url}/api/health`)).json()) as { ok: boolean };
  assert.equal(health.ok, true);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, output());
  assert.match(output(), /stopped/);
});

test('a bad environment value is a clear error, exit code 2', async () => {
  const { child, output } = start({ ENGINE_PORT: 'eighty' });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(output(), /ENGINE_PORT must be an integer/);
});
