/**
 * `bambam init <name>`: scaffolds a plugin package: TypeScript source using `@bambam/sdk`, a
 * landmark recording, a node:test test that runs the plugin on it in the real sandbox, a
 * README and a package.json whose scripts call `bambam build/test/publish`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Frame, Hand } from '@bambam/sdk';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { CLI_VERSION, SDK_VERSION } from '../versions.ts';

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const FPS = 30;

/** An open right hand, palm to the camera, its middle knuckle (landmark 9) at (cx, cy). */
function openHand(cx: number, cy: number): Hand {
  // Offsets from the middle knuckle, in frame units (640x480 camera, hand ~1/4 of the height).
  const shape: [number, number][] = [
    [0, 0.13], // wrist
    [-0.05, 0.1],
    [-0.08, 0.07],
    [-0.1, 0.04],
    [-0.12, 0.01], // thumb
    [-0.03, 0.005],
    [-0.035, -0.04],
    [-0.038, -0.07],
    [-0.04, -0.095], // index
    [0, 0],
    [0, -0.05],
    [0, -0.08],
    [0, -0.105], // middle
    [0.03, 0.005],
    [0.033, -0.04],
    [0.035, -0.068],
    [0.037, -0.09], // ring
    [0.055, 0.02],
    [0.06, -0.015],
    [0.063, -0.037],
    [0.065, -0.055], // pinky
  ];
  return {
    id: 0,
    handedness: 'Right',
    score: 0.98,
    landmarks: shape.map(([dx, dy]) => ({ x: +(cx + dx).toFixed(4), y: +(cy + dy).toFixed(4), z: 0 })),
  };
}

/**
 * A recording of `strokes` down-strokes, one per second: rest at the top, move down 0.3 of the
 * frame height in 0.15 s, rest, rise slowly over 0.4 s. JSON lines, one {@link Frame} each.
 */
export function downStrokeRecording(strokes = 3): string {
  const top = 0.35;
  const bottom = 0.65;
  const lines: string[] = [];
  for (let i = 0; i < strokes * FPS; i++) {
    const t = (i * 1000) / FPS;
    const phase = (t % 1000) / 1000;
    let y = top;
    if (phase >= 0.1 && phase < 0.25) y = top + ((phase - 0.1) / 0.15) * (bottom - top);
    else if (phase >= 0.25 && phase < 0.5) y = bottom;
    else if (phase >= 0.5 && phase < 0.9) y = bottom - ((phase - 0.5) / 0.4) * (bottom - top);
    const frame: Frame = { t: Math.round(t), width: 640, height: 480, hands: [openHand(0.5, y)] };
    lines.push(JSON.stringify(frame));
  }
  return `${lines.join('\n')}\n`;
}

function pluginSource(name: string): string {
  return `import { definePlugin, LANDMARK } from '@bambam/sdk';

/**
 * ${name}: plays a drum hit when a hand moves down fast.
 *
 * Each hand is followed by its middle knuckle. A hit fires when it moves down faster than
 * \`speed\` (frame heights per second); the hand must slow down or rise before it can fire
 * again, so one stroke gives one hit however many frames it lasts.
 */
export default definePlugin({
  name: '${name}',
  version: '0.1.0',
  description: 'Plays a drum hit when a hand moves down fast.',
  sounds: {
    hit: {
      kind: 'tone',
      instrument: 'MembraneSynth',
      options: { pitchDecay: 0.05, octaves: 6, envelope: { attack: 0.001, decay: 0.4, sustain: 0 } },
      note: 'C2',
      duration: 0.3,
    },
  },
  params: {
    speed: {
      type: 'number',
      label: 'Speed to hit',
      description: 'How fast a hand must move down, in frame heights per second.',
      default: 1.2,
      min: 0.3,
      max: 5,
    },
  },
  state: () => ({ last: {} as Record<string, { y: number; t: number }>, armed: {} as Record<string, boolean> }),
  onFrame(frame, ctx) {
    for (const hand of frame.hands) {
      const key = String(hand.id ?? hand.handedness);
      const y = hand.landmarks[LANDMARK.MIDDLE_FINGER_MCP].y;
      const previous = ctx.state.last[key];
      ctx.state.last[key] = { y, t: frame.t };
      if (!previous || frame.t <= previous.t) continue;
      const speed = (y - previous.y) / ((frame.t - previous.t) / 1000); // > 0: moving down
      if (speed > ctx.params.speed && ctx.state.armed[key] !== false) {
        ctx.play('hit', { velocity: Math.min(1, speed / 4), pan: hand.landmarks[LANDMARK.WRIST].x * 2 - 1 });
        ctx.state.armed[key] = false;
      } else if (speed < 0.2) {
        ctx.state.armed[key] = true;
      }
    }
  },
});
`;
}

const TEST_SOURCE = `import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Frame, PlayEvent } from '@bambam/sdk';
// \`bambam test\` provides @bambam/runtime (from @bambam/cli): it is not a dependency of the plugin.
import { compilePlugin, PluginSandbox } from '@bambam/runtime';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Runs the plugin in the same sandbox the engine uses, on a landmark recording (JSON lines).
 * Its limits are the engine's but for time: ten times the 5 ms frame budget and no CPU budget
 * across frames (a recording plays faster than real time), as \`bambam run\` does, so a busy
 * machine does not fail the test.
 */
async function play(recording: string): Promise<PlayEvent[]> {
  const sandbox = await PluginSandbox.load(await compilePlugin({ entry: here('./index.ts') }), {
    limits: { frameBudgetMs: 50, cpuBudget: { windowMs: 1000, maxMs: 1000 } },
  });
  try {
    const frames = readFileSync(here(recording), 'utf8')
      .split('\\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Frame);
    const plays: PlayEvent[] = [];
    for (const frame of frames) plays.push(...(await sandbox.onFrame(frame)));
    return plays;
  } finally {
    sandbox.dispose();
  }
}

test('one hit per down-stroke', async () => {
  const plays = await play('../recordings/down-strokes.jsonl');
  assert.equal(plays.length, 3, \`expected 3 hits, got \${JSON.stringify(plays)}\`);
  for (const [k, hit] of plays.entries()) {
    assert.equal(hit.sound, 'hit');
    // Each stroke moves down between 0.1 s and 0.25 s into its second.
    assert.ok(hit.t > k * 1000 + 100 && hit.t < k * 1000 + 260, \`hit \${k} at \${hit.t} ms\`);
  }
});
`;

function readme(name: string): string {
  return `# ${name}

A Bam Bam instrument: play it with your hands in front of a webcam.

- \`src/index.ts\`: the plugin (\`definePlugin\` from \`@bambam/sdk\`): its sounds, params and \`onFrame\`.
- \`src/index.test.ts\`: runs it in the sandbox on \`recordings/down-strokes.jsonl\` (one JSON \`Frame\` per line).

It is an npm package: \`@bambam/sdk\` (the contract, no native code) is its only dependency
(a peer, and a dev dependency for typing). The \`bambam\` CLI is not a dependency: the scripts
run it with \`npm exec --package=@bambam/cli@${CLI_RANGE} -- bambam …\` (not a bare \`bambam\`,
which npm could resolve to a stranger's package).

## Develop

\`\`\`sh
npm install              # @bambam/sdk only
npm test                 # bambam test: the tests, in the sandbox the engine uses
npm exec --package=@bambam/cli@${CLI_RANGE} -- bambam run . --landmarks recordings/down-strokes.jsonl --out hits.wav
npm run build            # bambam build: dist/plugin.js, dist/plugin.js.map, dist/manifest.json
\`\`\`

## Publish

Publishing is \`npm publish\` after a check in the sandbox, with npm's own login and registry:

\`\`\`sh
npm login --registry http://localhost:4873      # once (or an _authToken line in .npmrc)
npm run release -- --registry http://localhost:4873   # bambam publish (add --dry-run to try)
\`\`\`

Versions are immutable: bump \`version\` in both \`package.json\` and \`src/index.ts\` before
publishing again. Elsewhere: \`npm install ${name}\`, or pick it on the studio's plugins page.
`;
}

/** The CLI version range the scaffold's scripts run (`npm exec --package=@bambam/cli@<range>`). */
const CLI_RANGE = `^${CLI_VERSION}`;

/** `npm exec` of our scoped CLI: never a bare `bambam` that npm could resolve to a stranger's package. */
export function cliCommand(args: string): string {
  return `npm exec --yes --package=@bambam/cli@${CLI_RANGE} -- bambam ${args}`;
}

function packageJson(name: string, sdkVersion: string): string {
  const pkg = {
    name,
    version: '0.1.0',
    description: 'A Bam Bam instrument.',
    keywords: ['bambam-plugin', 'bambam'],
    license: 'UNLICENSED',
    type: 'module',
    // The built bundle is what the package ships; bambam compiles from `source`.
    source: './src/index.ts',
    main: './dist/plugin.js',
    exports: {
      '.': './dist/plugin.js',
      './manifest.json': './dist/manifest.json',
      './package.json': './package.json',
    },
    files: ['dist/plugin.js', 'dist/plugin.js.map', 'dist/manifest.json', 'README.md'],
    engines: { node: '>=24' },
    scripts: {
      test: cliCommand('test'),
      build: cliCommand('build'),
      release: cliCommand('publish'),
    },
    peerDependencies: { '@bambam/sdk': `^${sdkVersion}` },
    devDependencies: { '@bambam/sdk': `^${sdkVersion}` },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'es2024',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      noEmit: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      types: [],
    },
    include: ['src'],
    // The test imports @bambam/runtime, which \`bambam test\` provides (it is not installed here).
    exclude: ['src/**/*.test.ts'],
  },
  null,
  2,
)}\n`;

/** Writes the package into `dir` (which must not exist or be empty); returns the files written. */
export async function scaffold(dir: string, name: string): Promise<string[]> {
  if (!NAME.test(name)) {
    throw new UsageError(
      `invalid plugin name '${name}': use lower case letters, digits and '-' (at most 64)`,
    );
  }
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new CommandError(
      `${dir} already exists and is not empty: choose another name, or remove or empty that folder`,
    );
  }
  const files: Record<string, string> = {
    'package.json': packageJson(name, SDK_VERSION),
    'tsconfig.json': TSCONFIG,
    'README.md': readme(name),
    '.gitignore': 'node_modules/\ndist/\n',
    'src/index.ts': pluginSource(name),
    'src/index.test.ts': TEST_SOURCE,
    'recordings/down-strokes.jsonl': downStrokeRecording(3),
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return Object.keys(files);
}

const command: Command = {
  name: 'init',
  summary: 'Scaffold a new plugin package',
  help: `
Usage: bambam init <name> [--dir DIR]

Creates a plugin package in ./<name> (or DIR): src/index.ts (the instrument), a test that
runs it in the sandbox on a landmark recording, recordings/down-strokes.jsonl, README.md,
package.json and tsconfig.json. <name>: lower case letters, digits and '-'.

Options:
  --dir DIR   where to create it (default: ./<name>); must not exist or be empty

Exit codes: 0 created, 1 the directory is not empty, 2 usage.

Example:
  npm exec --package=@bambam/cli -- bambam init my-drum && cd my-drum && npm install && npm test
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { dir: { type: 'string' } });
    if (positionals.length !== 1) throw new UsageError('expected exactly one <name>');
    const name = positionals[0]!;
    const dir = resolve(io.cwd, values.dir ?? name);
    const files = await scaffold(dir, name);
    const shown = relative(io.cwd, dir) || '.';
    io.stdout.write(
      `Created ${name} in ${shown}:\n${files.map((f) => `  ${f}`).join('\n')}\n\nNext:\n  cd ${shown}\n  npm install\n  npm test         # ${cliCommand('test')}\n  npm run build    # ${cliCommand('build')}\n`,
    );
    return 0;
  },
};

export default command;
