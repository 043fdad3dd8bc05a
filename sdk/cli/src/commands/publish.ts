/**
 * `bambam publish [dir]`: a plugin is an npm package. Builds it if `dist/` is missing or stale,
 * checks the build in the sandbox (the bundle matches its manifest, loads, its sounds render,
 * the manifest says what the loaded plugin declares), then runs `npm publish` in the plugin's
 * folder: the registry, auth (`.npmrc`, tokens) and `--dry-run` are npm's own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import process from 'node:process';
import type { Manifest } from '@bambam/protocol';
import { type Command, CommandError, type CommandIO, parseCommandArgs, UsageError } from '../command.ts';
import { BUNDLE_FILE, buildPlugin, DIST, EXIT, MANIFEST_FILE, sha256Hex } from './build.ts';

/** The build in `dir/dist`, or why it must be rebuilt (missing, unreadable, bundle modified). */
async function readBuilt(dir: string): Promise<{ manifest: Manifest; bundle: Buffer } | string> {
  const manifestPath = join(dir, DIST, MANIFEST_FILE);
  const bundlePath = join(dir, DIST, BUNDLE_FILE);
  if (!existsSync(manifestPath) || !existsSync(bundlePath)) return 'not built';
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch {
    return `${MANIFEST_FILE} is not valid JSON`;
  }
  const bundle = await readFile(bundlePath);
  if (sha256Hex(bundle) !== manifest.bundle?.sha256) return `${BUNDLE_FILE} was modified after the build`;
  return { manifest, bundle };
}

/** Loads the built bundle in the sandbox, renders its sounds, and compares it with its manifest. */
export async function checkBuilt(manifest: Manifest, bundle: Buffer): Promise<void> {
  const { PluginSandbox, SoundBank, soundFacts } = await import('@bambam/runtime');
  let sandbox: InstanceType<typeof PluginSandbox>;
  try {
    sandbox = await PluginSandbox.load({
      code: bundle.toString('utf8'),
      sourceMap: '',
      filename: BUNDLE_FILE,
    });
  } catch (error) {
    throw new CommandError(`the built bundle fails to load in the sandbox: ${(error as Error).message}`);
  }
  const loaded = sandbox.description;
  sandbox.dispose();
  const declared = {
    name: loaded.name,
    version: loaded.version,
    description: loaded.description,
    sounds: soundFacts(loaded.sounds),
    params: loaded.params ?? {},
  };
  for (const [key, value] of Object.entries(declared)) {
    if (JSON.stringify(value) !== JSON.stringify(manifest[key as keyof Manifest])) {
      throw new CommandError(
        `${DIST}/${MANIFEST_FILE} does not match the bundle (${key} differs): rebuild with \`bambam build\``,
        EXIT.notBuilt,
      );
    }
  }
  try {
    await SoundBank.render(loaded.sounds);
  } catch (error) {
    throw new CommandError(`a sound fails to render: ${(error as Error).message}`);
  }
}

/** What npm's failure means for the author, with the exit code of bambam's scheme. */
function npmFailure(output: string, registry: string | undefined): CommandError {
  const where = registry ? ` --registry=${registry}` : '';
  if (/ENEEDAUTH|E401|need auth|requires you to be logged in/i.test(output)) {
    return new CommandError(
      `npm publish needs a login for the registry: run \`npm login${where}\` (or \`npm adduser${where}\`), or put a token in .npmrc as \`//<registry host>/:_authToken=\${NPM_TOKEN}\`, then publish again`,
      EXIT.noToken,
    );
  }
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(output)) {
    return new CommandError(
      `npm could not reach the registry${registry ? ` ${registry}` : ' (npm config get registry)'}: is it running, and is the address right?`,
      EXIT.unreachable,
    );
  }
  if (/E403|EPUBLISHCONFLICT|cannot publish over|E409/i.test(output)) {
    return new CommandError(
      'the registry refused the package (see npm\'s message above): versions are immutable (bump "version" in package.json and in the plugin, rebuild, publish again), and a name belongs to its owners',
      EXIT.refused,
    );
  }
  return new CommandError("npm publish failed (see npm's message above)");
}

/** npm itself: the one running this command under `npm exec`, else `npm` on the PATH. */
function npmCommand(env: NodeJS.ProcessEnv): [string, string[]] {
  const cli = env.npm_execpath;
  if (cli && /npm-cli\.[cm]?js$/.test(cli)) return [process.execPath, [cli]];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
}

/** Runs `npm publish` in `dir`, passing its output through; resolves on success. */
async function npmPublish(dir: string, args: string[], io: CommandIO, registry: string | undefined) {
  const [command, prefix] = npmCommand(io.env);
  const { NODE_TEST_CONTEXT: _, ...env } = io.env;
  const child = spawn(command, [...prefix, 'publish', ...args], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => io.stdout.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    io.stderr.write(chunk);
  });
  const code = await new Promise<number>((done, fail) => {
    child.on('error', (error) =>
      fail(new CommandError(`cannot run npm (${error.message}): is npm installed and on the PATH?`)),
    );
    child.on('close', (exit) => done(exit ?? 1));
  });
  if (code !== 0) throw npmFailure(output, registry);
}

const command: Command = {
  name: 'publish',
  summary: 'Check the plugin in the sandbox, then npm publish it',
  help: `
Usage: bambam publish [dir] [--registry URL] [--tag TAG] [--access public|restricted] [--dry-run]

A plugin is an npm package. Builds [dir] (default: the current directory) if dist/ is missing
or stale, checks the build in the sandbox (the bundle matches dist/manifest.json, loads, its
sounds render), then runs \`npm publish\` in [dir]. The registry and the login are npm's: the
package's or your .npmrc (\`npm login --registry URL\`, or an _authToken line), or --registry.

Options:
  --registry URL   publish to this npm registry (passed to npm)
  --tag TAG        dist-tag (passed to npm; default latest)
  --access A       public or restricted (passed to npm; scoped packages)
  --dry-run        everything but the upload: npm lists what the tarball would hold

Exit codes: 0 published, 1 the plugin fails the check or npm failed, 2 usage, 3 the manifest
does not match the bundle, 4 registry unreachable, 5 refused by the registry (version exists,
not your package), 8 no npm login for the registry.

Example:
  npm exec --package=@bambam/cli -- bambam publish --registry http://localhost:4873
`,
  async run(argv, io: CommandIO) {
    const { values, positionals } = parseCommandArgs(argv, {
      registry: { type: 'string' },
      tag: { type: 'string' },
      access: { type: 'string' },
      'dry-run': { type: 'boolean' },
    });
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = resolve(io.cwd, positionals[0] ?? '.');
    const packagePath = join(dir, 'package.json');
    if (!existsSync(packagePath)) {
      throw new CommandError(
        `no package.json in ${dir}: a plugin is an npm package (\`npm exec --package=@bambam/cli -- bambam init <name>\` creates one)`,
      );
    }
    let pkg: { name?: string; version?: string };
    try {
      pkg = JSON.parse(await readFile(packagePath, 'utf8'));
    } catch (error) {
      throw new CommandError(`${packagePath} is not valid JSON: ${(error as Error).message}`);
    }
    let built = await readBuilt(dir);
    if (typeof built === 'string') {
      io.stderr.write(`bambam publish: ${built}; building\n`);
      await buildPlugin(dir);
      built = await readBuilt(dir);
      if (typeof built === 'string')
        throw new CommandError(`the build did not produce a usable dist/: ${built}`);
    }
    const { manifest, bundle } = built;
    if (pkg.version !== manifest.version) {
      throw new CommandError(
        `package.json says version ${pkg.version} but the plugin says ${manifest.version}: make them the same (definePlugin's "version" and package.json's), rebuild, publish again`,
      );
    }
    await checkBuilt(manifest, bundle);
    io.stderr.write(
      `bambam publish: ${manifest.name}@${manifest.version} loads, its sounds render; npm publish${values['dry-run'] ? ' --dry-run' : ''}\n`,
    );
    const args = [
      ...(values.registry ? [`--registry=${values.registry}`] : []),
      ...(values.tag ? [`--tag=${values.tag}`] : []),
      ...(values.access ? [`--access=${values.access}`] : []),
      ...(values['dry-run'] ? ['--dry-run'] : []),
    ];
    await npmPublish(dir, args, io, values.registry);
    io.stdout.write(
      `${values['dry-run'] ? 'Checked (dry run, nothing uploaded)' : 'Published'} ${pkg.name}@${pkg.version}\n`,
    );
    return 0;
  },
};

export default command;
