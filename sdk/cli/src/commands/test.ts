/**
 * `bambam test [dir]`: runs a plugin's tests (`*.test.ts` outside node_modules and dist) with
 * Node's built-in runner, in the plugin's directory, with the flags the sandbox needs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';

/** Lets the tests import `@bambam/runtime` from this CLI's install (see test-hooks.ts). */
const TEST_HOOKS = new URL(`../test-hooks${extname(import.meta.url)}`, import.meta.url).href;
const SKIP = new Set(['node_modules', 'dist', '.git']);
const TEST_FILE = /\.test\.(ts|mts|js|mjs)$/;

/** Test files under `dir`, relative to it, sorted. */
export async function findTests(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(at: string) {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) await walk(join(at, entry.name));
      } else if (TEST_FILE.test(entry.name)) {
        found.push(relative(dir, join(at, entry.name)));
      }
    }
  }
  await walk(dir);
  return found.sort();
}

const command: Command = {
  name: 'test',
  summary: "Run a plugin's tests (node --test)",
  help: `
Usage: bambam test [dir] [--only PATTERN]

Runs every *.test.ts in [dir] (default: the current directory; node_modules and dist
skipped) with node --test --no-node-snapshot (the sandbox needs that flag), in [dir].

Options:
  --only PATTERN   run only tests whose name matches PATTERN (node --test-name-pattern)

Exit codes: 0 all passed, 1 a test failed or no tests were found, 2 usage.

Example:
  bambam test plugins/my-drum
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { only: { type: 'string' } });
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    if (!existsSync(dir))
      throw new CommandError(
        `no such directory: ${dir} (give the plugin's folder, e.g. \`bambam test plugins/my-drum\`)`,
      );
    const files = await findTests(dir);
    if (files.length === 0)
      throw new CommandError(
        `no *.test.ts files in ${dir}: write one beside the plugin (\`bambam init <name>\` creates src/index.test.ts as an example)`,
      );
    const args = [
      '--no-node-snapshot',
      `--import=${TEST_HOOKS}`,
      '--test',
      '--test-concurrency=1',
      ...(values.only ? [`--test-name-pattern=${values.only}`] : []),
      ...files,
    ];
    // When bambam itself runs under a test runner, NODE_TEST_CONTEXT would make the child report
    // to that runner in its binary protocol instead of printing its results.
    const { NODE_TEST_CONTEXT: _, ...env } = io.env;
    const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(io.stdout, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    const code = await new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (exit, signal) => done(exit ?? (signal ? 1 : 0)));
    });
    return code === 0 ? 0 : 1;
  },
};

export default command;
