// A hostile plugin's compile, written as its attacker would: every way found to make esbuild
// read a host file into the bundle (or into an error message) must fail with a PluginError, and
// the planted secret must appear nowhere, neither in the bundle nor in any message.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as esbuild from 'esbuild';
import { type CompileInput, compilePlugin } from './compile.ts';
import { compileGuard } from './compile-guard.ts';
import { type CompileLimits, DEFAULT_COMPILE_LIMITS } from './compile-limits.ts';
import { esbuildServiceRss } from './compile-service.ts';
import { PluginError } from './errors.ts';
import { pluginSource } from './testing.ts';

const MARKER = `s3cret-${randomBytes(12).toString('hex')}`;
let base: string;
let secretDir: string;
let pluginDir: string;

before(() => {
  base = mkdtempSync(path.join(tmpdir(), 'bambam-compile-hostile-'));
  secretDir = path.join(base, 'secret');
  pluginDir = path.join(base, 'plugin');
  mkdirSync(secretDir);
  mkdirSync(path.join(pluginDir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(secretDir, 'secret.txt'), `TOKEN=${MARKER}\n`);
  writeFileSync(path.join(secretDir, 'secret.json'), JSON.stringify({ token: MARKER }));
  writeFileSync(path.join(secretDir, 'secret.ts'), `export default '${MARKER}';\n`);
  writeFileSync(path.join(secretDir, 'secret.wav'), `RIFF${MARKER}`);
  writeFileSync(path.join(secretDir, 'package.json'), JSON.stringify({ name: 'evil', main: 'secret.ts' }));
  // A package in the host's node_modules, above the plugin.
  mkdirSync(path.join(base, 'node_modules', 'hostpkg'), { recursive: true });
  writeFileSync(path.join(base, 'node_modules', 'hostpkg', 'index.js'), `export default '${MARKER}';\n`);
  // Symlinks inside the plugin pointing out of it.
  symlinkSync(path.join(secretDir, 'secret.txt'), path.join(pluginDir, 'link.txt'));
  symlinkSync(path.join(secretDir, 'secret.ts'), path.join(pluginDir, 'link.ts'));
  symlinkSync(secretDir, path.join(pluginDir, 'linkdir'));
  symlinkSync(secretDir, path.join(pluginDir, 'node_modules', 'evil'));
});
after(() => rmSync(base, { recursive: true, force: true }));

/** Attack snippets: each reads the secret into a value the plugin then uses. `SECRET` is its directory. */
const ATTACKS: Record<string, string> = {
  'template import() with type text': `const x: string = (globalThis as any).n;\nconst s = await import(\`../secret/\${x}.txt\`, { with: { type: 'text' } });`,
  'template import() without attributes': `const x: string = (globalThis as any).n;\nconst s = import(\`../secret/\${x}\`);`,
  'template require()': `const x: string = (globalThis as any).n;\nconst s = require(\`../secret/\${x}\`);`,
  'concatenated require()': `const x: string = (globalThis as any).n;\nconst s = require('../secret/' + x);`,
  'concatenated import() as json': `const x: string = (globalThis as any).n;\nconst s = import('../secret/' + x + '.json', { with: { type: 'json' } });`,
  'import() of a variable': `const x: string = (globalThis as any).n;\nconst s = import(x);`,
  'require() of a variable': `const x: string = (globalThis as any).n;\nconst s = require(x);`,
  'conditional with a template branch': `const x: string = (globalThis as any).n;\nconst s = require(x ? \`../secret/\${x}\` : './nothing');`,
  'glob rooted at /': `const x: string = (globalThis as any).n;\nconst s = require(\`${'../'.repeat(30)}\${x}\`);`,
  'static ../ with type text': `import s from '../secret/secret.txt' with { type: 'text' };`,
  'static ../ with type bytes': `import s from '../secret/secret.txt' with { type: 'bytes' };`,
  'static ../ with type json': `import s from '../secret/secret.json' with { type: 'json' };`,
  'static ../ with type file': `import s from '../secret/secret.txt' with { type: 'file' };`,
  'static ../ json by extension': `import s from '../secret/secret.json';`,
  'static ../ wav': `import s from '../secret/secret.wav';`,
  'static ../ ts': `import s from '../secret/secret.ts';`,
  'absolute path': `import s from 'SECRET/secret.ts';`,
  'absolute path with type text': `import s from 'SECRET/secret.txt' with { type: 'text' };`,
  'escape inside a path': `import s from './linkdir/../../secret/secret.ts';`,
  'symlinked file as text': `import s from './link.txt' with { type: 'text' };`,
  'symlinked module': `import s from './link.ts';`,
  'symlinked directory': `import s from './linkdir/secret.ts';`,
  'symlinked node_modules package': `import s from 'evil';`,
  "host's node_modules above the plugin": `import s from 'hostpkg';`,
  'data: URL with a glob inside': `import s from 'data:text/javascript,export default import(\`../secret/\${globalThis.n}\`)';`,
};

function plugin(attack: string): string {
  return pluginSource({
    prelude: `${attack.replaceAll('SECRET', secretDir)}\n(globalThis as any).leak = s;`,
  });
}

/** The compile inputs an attacker controls: a plugin directory (the CLI, the catalog) and source text (the studio, the registry). */
function inputs(source: string): [string, CompileInput][] {
  const entry = path.join(pluginDir, 'index.ts');
  writeFileSync(entry, source);
  return [
    ['{ entry: dir }', { entry: pluginDir }],
    ['{ entry: file }', { entry }],
    ['{ source }', { source, filename: 'index.ts' }],
    ['{ source, resolveDir }', { source, filename: 'index.ts', resolveDir: pluginDir }],
  ];
}

/** Everything a compile's failure shows anyone: message, location, causes, stack. */
function shown(error: PluginError): string {
  const cause = error.cause as { errors?: unknown; message?: unknown } | undefined;
  return JSON.stringify([error.format(), error.stack, error.pluginStack, cause?.message, cause?.errors]);
}

async function compileFailure(input: CompileInput, limits?: Partial<CompileLimits>): Promise<PluginError> {
  let compiled: Awaited<ReturnType<typeof compilePlugin>> | undefined;
  try {
    compiled = await compilePlugin(input, limits);
  } catch (error) {
    assert.ok(error instanceof PluginError, `expected a PluginError, got ${String(error)}`);
    return error;
  }
  assert.ok(!`${compiled.code}${compiled.sourceMap}`.includes(MARKER), 'the secret is in the bundle');
  assert.fail('the hostile plugin compiled');
}

describe('a hostile plugin cannot read the host through the compile', () => {
  for (const [name, attack] of Object.entries(ATTACKS)) {
    test(name, async () => {
      for (const [how, input] of inputs(plugin(attack))) {
        const started = performance.now();
        const error = await compileFailure(input);
        const ms = performance.now() - started;
        assert.equal(error.code, 'compile', `${how}: ${error.message}`);
        if (process.env.SHOW_REASONS) console.log(`${name} / ${how}: ${error.format()}`);
        assert.ok(!shown(error).includes(MARKER), `${how}: the secret is in the error: ${shown(error)}`);
        // Refused, not walked: far inside the time limit (a walk of / takes many seconds).
        assert.ok(ms < DEFAULT_COMPILE_LIMITS.timeoutMs / 2, `${how}: took ${ms} ms`);
      }
    });
  }

  test('computed paths are refused at the author line:column', async () => {
    const source = plugin(ATTACKS['template require()']!);
    for (const [how, input] of inputs(source)) {
      const error = await compileFailure(input);
      assert.match(error.message, /require\(\) needs a string literal path/, how);
      assert.equal(error.location?.file, 'index.ts', how);
      assert.equal(error.location?.line, 3, how);
      assert.equal(error.location?.column, 11, how); // `require` in `const s = require(`
    }
  });

  test('outside the plugin, a file that exists and one that does not get the same answer', async () => {
    const answers = new Set<string>();
    for (const file of [
      path.join(secretDir, 'secret.ts'),
      path.join(secretDir, 'absent.ts'),
      '/etc/passwd',
      '/nope/nothing.ts',
    ]) {
      for (const specifier of [file, path.relative(pluginDir, file)]) {
        for (const [how, input] of inputs(plugin(`import s from '${specifier}';`))) {
          const error = await compileFailure(input);
          answers.add(`${how} ${error.format().replace(specifier, '<specifier>')}`);
        }
      }
    }
    assert.equal(answers.size, 4, [...answers].join('\n')); // One answer per input kind.
    for (const answer of answers) assert.match(answer, /is outside the plugin/);
  });

  test('a package missing and one in the host node_modules get the same answer', async () => {
    const answers = new Set<string>();
    for (const name of ['hostpkg', 'not-installed-anywhere']) {
      const error = await compileFailure({
        entry: path.join(pluginDir, writeEntry(`import s from '${name}';`)),
      });
      answers.add(error.format().replace(name, '<name>'));
    }
    assert.equal(answers.size, 1, [...answers].join('\n'));
  });

  test('tsconfig.json paths and package.json imports/main cannot point out of the plugin', async () => {
    const dir = path.join(base, 'configured');
    mkdirSync(path.join(dir, 'src'), { recursive: true });
    try {
      writeFileSync(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({
          extends: path.join(secretDir, 'secret.json'),
          compilerOptions: { baseUrl: '.', paths: { leak: ['../secret/secret.ts'] } },
        }),
      );
      writeFileSync(
        path.join(dir, 'package.json'),
        JSON.stringify({ imports: { '#leak': '../secret/secret.ts' } }),
      );
      for (const specifier of ['leak', '#leak']) {
        writeFileSync(path.join(dir, 'src', 'index.ts'), plugin(`import s from '${specifier}';`));
        const error = await compileFailure({ entry: dir });
        assert.ok(!shown(error).includes(MARKER), shown(error));
      }
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ main: '../secret/secret.ts' }));
      const error = await compileFailure({ entry: dir });
      assert.match(error.message, /outside the plugin/);
      assert.ok(!shown(error).includes(MARKER));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('files esbuild globs on its own are still refused by the load guard', async () => {
    // Through stdin the computed-path check does not run here: esbuild expands the glob itself.
    const contents = `const x = globalThis.n;\nexport default require(\`../secret/\${x}\`);`;
    await assert.rejects(
      esbuild.build({
        stdin: { contents, resolveDir: pluginDir, loader: 'js' },
        bundle: true,
        write: false,
        logLevel: 'silent',
        plugins: [compileGuard({ pluginRoots: [pluginDir], limits: DEFAULT_COMPILE_LIMITS })],
      }),
      (error: esbuild.BuildFailure) => {
        const text = JSON.stringify(error.errors);
        assert.match(text, /is outside the plugin/);
        assert.ok(!text.includes(MARKER), text);
        return true;
      },
    );
  });

  test('a FIFO in the plugin is refused at once, not waited on', async () => {
    const fifo = path.join(pluginDir, 'pipe.ts');
    execFileSync('mkfifo', [fifo]);
    try {
      const error = await compileFailure({
        entry: path.join(pluginDir, writeEntry(`import s from './pipe.ts';`)),
      });
      assert.match(error.message, /not a regular file/);
    } finally {
      rmSync(fifo);
    }
  });

  test("the plugin's own files still import, as text and bytes too", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bambam-own-'));
    try {
      writeFileSync(path.join(dir, 'notes.txt'), 'own text');
      writeFileSync(path.join(dir, 'data.json'), '{"own":1}');
      mkdirSync(path.join(dir, 'node_modules', 'helper'), { recursive: true });
      writeFileSync(
        path.join(dir, 'node_modules', 'helper', 'package.json'),
        '{"name":"helper","main":"index.js"}',
      );
      writeFileSync(
        path.join(dir, 'node_modules', 'helper', 'index.js'),
        'export const help = "own package";',
      );
      writeFileSync(
        path.join(dir, 'index.ts'),
        pluginSource({
          prelude: [
            `import notes from './notes.txt' with { type: 'text' };`,
            `import raw from './notes.txt' with { type: 'bytes' };`,
            `import data from './data.json';`,
            `import { help } from 'helper';`,
            `(globalThis as any).own = [notes, raw, data, help];`,
          ].join('\n'),
        }),
      );
      const compiled = await compilePlugin({ entry: dir });
      assert.match(compiled.code, /own text/);
      assert.match(compiled.code, /own package/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the compile has a time limit and survives esbuild dying', () => {
  const good = pluginSource({ name: 'good-plugin' });

  test('a compile over its time limit fails clearly, and the next one works', async () => {
    const error = await compileFailure({ source: good, filename: 'slow.ts' }, { timeoutMs: 1 });
    assert.match(error.message, /took longer than 1 ms/);
    assert.match((await compilePlugin({ source: good })).code, /good-plugin/);
  });

  test('a compile that runs while another is stopped for its time limit still succeeds', async () => {
    const [slow, fine] = await Promise.allSettled([
      compilePlugin({ source: good }, { timeoutMs: 1 }),
      compilePlugin({ source: good }),
    ]);
    assert.equal(slow.status, 'rejected');
    assert.equal(fine.status, 'fulfilled');
  });

  test('a compile whose esbuild service holds more memory than allowed is stopped; the next one works', async (t) => {
    if (process.platform !== 'linux') {
      t.skip('the service memory is watched through /proc (Linux)');
      return;
    }
    await compilePlugin({ source: good });
    const rss = esbuildServiceRss();
    assert.ok(rss !== undefined && rss > 1024 * 1024, `esbuild service RSS ${rss}`);
    // ~3 MB of source keeps esbuild busy for longer than one look at its memory.
    const big = `${good}\n${Array.from({ length: 60_000 }, (_, i) => `export const v${i} = { a: ${i}, b: 'x${i}' };`).join('\n')}`;
    const error = await compileFailure(
      { source: big, filename: 'big.ts' },
      { maxServiceRssBytes: 1024 * 1024 },
    );
    assert.match(error.message, /used more than 1 MB of memory and was stopped/);
    assert.match((await compilePlugin({ source: good })).code, /good-plugin/);
  });

  test('after esbuild was stopped from outside, compiles work', async () => {
    await compilePlugin({ source: good });
    await esbuild.stop();
    assert.match((await compilePlugin({ source: good })).code, /good-plugin/);
  });

  test('after the esbuild process was killed, compiles work (restarted once)', async () => {
    await compilePlugin({ source: good });
    const killed = killEsbuildChildren();
    assert.ok(killed > 0, 'no esbuild child process found');
    // Its pipe closes a moment later; until then a compile may still be on its way to it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match((await compilePlugin({ source: good })).code, /good-plugin/);
    assert.match((await compilePlugin({ source: good })).code, /good-plugin/);
  });
});

function writeEntry(attack: string): string {
  writeFileSync(path.join(pluginDir, 'entry.ts'), plugin(attack));
  return 'entry.ts';
}

/** SIGKILLs this process's esbuild children (Linux /proc), as the OOM killer would. */
function killEsbuildChildren(): number {
  let killed = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [comm, rest] = [
        stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        stat.slice(stat.lastIndexOf(')') + 2),
      ];
      if (comm === 'esbuild' && Number(rest.split(' ')[1]) === process.pid) {
        process.kill(Number(pid), 'SIGKILL');
        killed++;
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return killed;
}
