/**
 * `bambam run <plugin> --landmarks <recording.jsonl | ->`: plays a plugin offline on a landmark
 * recording, in the same sandbox the engine uses, and reports what it played (JSON lines) and
 * how it sounds (a WAV rendered with the engine's mixer).
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Frame, PlayEvent } from '@bambam/sdk';
import { type Command, CommandError, type CommandIO, parseCommandArgs, UsageError } from '../command.ts';
import { readBuiltPlugin, readInstalledPlugin } from './built-plugin.ts';

const help = `
Usage: bambam run <plugin dir or file> --landmarks <recording.jsonl | -> [options]

Runs an instrument plugin on a landmark recording (JSON lines, one frame per line, as
\`bambam track\` prints) in the same sandbox the engine uses, and writes every sound it played
as a JSON line: {"t": ms, "sound": name, "velocity": 0..1, "pan": -1..1}, plus "at": ms for
a play scheduled with ctx.play(sound, { at }) (frame-clock ms, as the plugin asked).

Arguments:
  <plugin>             a plugin directory (package.json "source", "main", or src/index.ts), a
                       .ts/.js file, or a built plugin: a folder with manifest.json + plugin.js,
                       as \`bambam build\` writes to dist/, or a plugin installed with npm
                       (node_modules/<name>: its dist/ runs; the bundle is checked against the
                       manifest's SHA-256 first)

Options:
  --landmarks <file>   the recording; "-" reads standard input (required)
  --events <file>      write the events there instead of standard output
  --out <file.wav>     also render the audio the engine would play: 48 kHz stereo 16-bit WAV,
                       starting at the recording's first frame, with the engine's mixer;
                       a play with "at" starts at that sample (one whose "at" is before its
                       frame's t plays at the frame's t, as the engine plays it at once)
  --midi <file.mid>    also write the plays as a Standard MIDI File: one note per play at its
                       sounding time, with its velocity, on the sound's MIDI note (its "midi",
                       else General MIDI drums by name: kick 36, snare 38, hat 42…)
  --params k=v ...     set plugin params (numbers, true/false, or a choice); repeatable
  --frame-budget <ms>  time budget of one onFrame call (default 50: ten times the engine's, so
                       a loaded machine doesn't drop frames; frames over the engine's budget
                       are counted and reported). Pass 5 to enforce the engine's budget.
  -h, --help           this help

The sandbox is the engine's, with its memory and play limits. The CPU budget across frames
does not apply (a recording is played faster than real time).

A plugin error is printed with the plugin's name and file:line:column. After a non-fatal
one (the frame threw, or ran over its budget) the run goes on, as in the engine; a fatal one
(the plugin was disabled) stops it. Either way the exit code is 1.

Exit codes: 0 done, 1 plugin error or bad recording, 2 usage.

Example:
  bambam run plugins/bam-drum --landmarks strokes.jsonl --out strokes.wav --params sound=snare
`;

/** A parsed `--params` value, by the param's declared type. */
function paramValue(
  key: string,
  text: string,
  spec: { type?: string } | undefined,
  known: string[],
): unknown {
  if (!spec)
    throw new CommandError(
      `unknown param '${key}'${known.length ? ` (the plugin has: ${known.join(', ')})` : ''}`,
    );
  if (spec.type === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      throw new CommandError(`param '${key}' must be a number, got '${text}'`);
    return value;
  }
  if (spec.type === 'boolean') {
    if (text !== 'true' && text !== 'false')
      throw new CommandError(`param '${key}' must be true or false, got '${text}'`);
    return text === 'true';
  }
  return text;
}

/** Pulls `--params a=1 b=2` (several values after one flag) out of argv; parseArgs takes one per flag. */
function splitParams(argv: readonly string[]): { rest: string[]; params: string[] } {
  const rest: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--params' || arg === '--param') {
      if (i + 1 >= argv.length || argv[i + 1]!.startsWith('--'))
        throw new UsageError(`${arg} needs k=v values`);
      while (i + 1 < argv.length && /^[^-=][^=]*=/.test(argv[i + 1]!)) params.push(argv[++i]!);
    } else if (arg.startsWith('--params=')) {
      params.push(arg.slice('--params='.length));
    } else {
      rest.push(arg);
    }
  }
  return { rest, params };
}

/** Reads a recording line by line; bad lines throw with their number. */
async function* readFrames(
  input: NodeJS.ReadableStream,
  name: string,
): AsyncGenerator<{ frame: Frame; line: number }> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      throw new CommandError(`${name}:${line}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      throw new CommandError(`${name}:${line}: expected a frame object {t, width, height, hands}`);
    }
    yield { frame: frame as Frame, line };
  }
}

/**
 * Writes event lines with back-pressure. A reader that goes away (EPIPE, e.g. `| head`) ends
 * the output, not the run; any other write error (a bad --events path, a full disk) is reported.
 */
class LineWriter {
  private readonly stream: NodeJS.WritableStream;
  private closed = false;
  private error: Error | undefined;

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
    stream.on('error', this.onError);
  }

  private onError = (error: NodeJS.ErrnoException): void => {
    this.closed = true;
    if (error.code !== 'EPIPE') this.error ??= error;
  };

  async write(text: string): Promise<void> {
    this.throwIfFailed();
    if (this.closed) return;
    if (this.stream.write(`${text}\n`)) return;
    await new Promise<void>((done) => {
      const finish = () => {
        this.stream.off('drain', finish);
        this.stream.off('error', finish);
        this.stream.off('close', finish);
        done();
      };
      this.stream.on('drain', finish);
      this.stream.on('error', finish);
      this.stream.on('close', finish);
    });
  }

  /** Ends the stream if we own it (a file), then reports any write error. */
  async close(own: boolean): Promise<void> {
    if (own && !this.error) await new Promise<void>((done) => this.stream.end(() => done()));
    this.stream.off('error', this.onError);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.error) throw new CommandError(`can't write the events: ${this.error.message}`);
  }
}

const command: Command = {
  name: 'run',
  summary: 'Run a plugin on a landmark recording: events as JSON lines, audio as WAV',
  help,
  async run(argv, io: CommandIO) {
    const { rest, params } = splitParams(argv);
    const { values, positionals } = parseCommandArgs(rest, {
      landmarks: { type: 'string' },
      events: { type: 'string' },
      out: { type: 'string' },
      midi: { type: 'string' },
      'frame-budget': { type: 'string' },
    });
    const frameBudgetMs = values['frame-budget'] === undefined ? 50 : Number(values['frame-budget']);
    if (!Number.isFinite(frameBudgetMs) || frameBudgetMs <= 0 || frameBudgetMs > 10000) {
      throw new UsageError(
        `--frame-budget must be a number of ms in (0, 10000], got '${values['frame-budget']}'`,
      );
    }
    if (positionals.length !== 1) throw new UsageError('expected one plugin (a directory or a file)');
    if (!values.landmarks) throw new UsageError('--landmarks <recording.jsonl | -> is required');
    const pluginPath = resolve(io.cwd, positionals[0]!);
    if (!existsSync(pluginPath)) throw new CommandError(`no such plugin: ${pluginPath}`);
    const recordingName = values.landmarks === '-' ? '<stdin>' : values.landmarks;
    const recordingPath = values.landmarks === '-' ? undefined : resolve(io.cwd, values.landmarks);
    if (recordingPath && !existsSync(recordingPath)) {
      throw new CommandError(`no such recording: ${recordingPath}`);
    }
    for (const [flag, file] of [
      ['--events', values.events],
      ['--out', values.out],
      ['--midi', values.midi],
    ] as const) {
      const folder = file && file !== '-' ? dirname(resolve(io.cwd, file)) : undefined;
      if (folder && !existsSync(folder)) throw new CommandError(`${flag}: no such directory: ${folder}`);
    }

    // Loaded lazily: esbuild, isolated-vm and Tone are heavy, and `--help` needs none of them.
    const { compilePlugin, PluginError, PluginSandbox, DEFAULT_SANDBOX_LIMITS } = await import(
      '@bambam/runtime'
    );
    const reportPluginError = (error: unknown): number => {
      if (!(error instanceof PluginError)) throw error;
      io.stderr.write(`bambam run: plugin error (${error.code}): ${error.format()}\n`);
      if (error.pluginStack) io.stderr.write(`${error.pluginStack}\n`);
      return 1;
    };
    // The engine's limits, except: no CPU budget across frames (a recording plays faster than
    // real time) and a roomier per-frame budget (see --frame-budget).
    const engineBudgetMs = DEFAULT_SANDBOX_LIMITS.frameBudgetMs;
    const limits = {
      frameBudgetMs,
      cpuBudget: {
        windowMs: DEFAULT_SANDBOX_LIMITS.cpuBudget.windowMs,
        maxMs: DEFAULT_SANDBOX_LIMITS.cpuBudget.windowMs,
      },
    };
    const onLog = (entry: {
      level: string;
      message: string;
      location?: { file?: string; line: number; column: number };
    }) => {
      const where = entry.location
        ? ` (${entry.location.file ?? ''}:${entry.location.line}:${entry.location.column})`
        : '';
      io.stderr.write(`[plugin ${entry.level}] ${entry.message}${where}\n`);
    };

    const built = (await readBuiltPlugin(pluginPath)) ?? (await readInstalledPlugin(pluginPath));
    let loaded: InstanceType<typeof PluginSandbox> | undefined;
    try {
      const compiled = built ?? (await compilePlugin({ entry: pluginPath }));
      loaded = await PluginSandbox.load(compiled, { limits, onLog });
      if (params.length > 0) {
        const specs = loaded.description.params as Record<string, { type?: string }>;
        const parsed: Record<string, unknown> = {};
        for (const pair of params) {
          const at = pair.indexOf('=');
          const key = pair.slice(0, at);
          parsed[key] = paramValue(key, pair.slice(at + 1), specs[key], Object.keys(specs));
        }
        try {
          loaded.setParams(parsed); // validates ranges and choices
        } catch (error) {
          if (error instanceof PluginError) throw error;
          throw new CommandError(`bad --params: ${(error as Error).message}`);
        }
        // Reload so that state() and setup() see the params, as they would in the engine.
        loaded.dispose();
        loaded = await PluginSandbox.load(compiled, { limits, onLog, params: parsed });
      }
    } catch (error) {
      loaded?.dispose();
      return reportPluginError(error);
    }
    const sandbox = loaded;
    const sounds = sandbox.description.sounds;

    const bankPromise = values.out
      ? import('@bambam/runtime').then(({ SoundBank }) => SoundBank.render(sandbox.description.sounds))
      : undefined;
    bankPromise?.catch(() => {}); // awaited below; don't let it be unhandled meanwhile

    const ownEventsFile = values.events !== undefined && values.events !== '-';
    const eventsOut = new LineWriter(
      ownEventsFile ? createWriteStream(resolve(io.cwd, values.events!)) : io.stdout,
    );
    const played: PlayEvent[] = [];
    let frames = 0;
    let scheduled = 0;
    let past = 0;
    let overBudget = 0;
    let slowestMs = 0;
    let firstT: number | undefined;
    let lastT = 0;
    let exitCode = 0;
    try {
      const input = recordingPath ? createReadStream(recordingPath) : io.stdin;
      for await (const { frame, line } of readFrames(input, recordingName)) {
        let events: PlayEvent[];
        try {
          events = await sandbox.onFrame(frame);
        } catch (error) {
          if (error instanceof PluginError) {
            // Like the engine: a non-fatal error loses that frame's plays and the run goes on.
            io.stderr.write(`bambam run: at ${recordingName}:${line} (t = ${frame.t} ms)\n`);
            exitCode = reportPluginError(error);
            if (error.fatal || sandbox.disabled) break;
            continue;
          }
          throw new CommandError(
            `${recordingName}:${line}: bad frame: ${(error as Error).message.replace(/^onFrame: /, '')}`,
          );
        }
        frames++;
        const frameMs = sandbox.stats.lastFrameMs;
        slowestMs = Math.max(slowestMs, frameMs);
        if (frameMs > engineBudgetMs) overBudget++;
        firstT ??= frame.t;
        lastT = Math.max(lastT, frame.t);
        for (const event of events) {
          const line: PlayEvent = {
            t: event.t,
            sound: event.sound,
            velocity: event.velocity,
            pan: event.pan,
          };
          if (event.at !== undefined) {
            (line as { at?: number }).at = event.at;
            scheduled++;
            if (event.at < event.t) past++;
          }
          played.push(line);
          await eventsOut.write(JSON.stringify(line));
        }
      }
    } finally {
      sandbox.dispose();
      await eventsOut.close(ownEventsFile);
    }

    if (values.out) {
      let bank: Awaited<NonNullable<typeof bankPromise>>;
      try {
        bank = await bankPromise!;
      } catch (error) {
        throw new CommandError(`the plugin's sounds can't be rendered: ${(error as Error).message}`);
      }
      const { renderEventsToWav } = await import('@bambam/runtime');
      // Each sound at its time: `at` when scheduled (never before its frame: "in the past" plays at once).
      const timed = played.map((e) => (e.at === undefined ? e : { ...e, t: Math.max(e.at, e.t) }));
      const { wav, seconds } = await renderEventsToWav(timed, bank, firstT ?? 0, lastT);
      await writeFile(resolve(io.cwd, values.out), wav);
      io.stderr.write(`bambam run: wrote ${values.out} (${seconds.toFixed(2)} s)\n`);
    }
    if (values.midi) {
      const { midiFileFromPlays } = await import('./midi-file.ts');
      await writeFile(resolve(io.cwd, values.midi), midiFileFromPlays(played, sounds, firstT ?? 0));
      io.stderr.write(`bambam run: wrote ${values.midi} (${played.length} notes)\n`);
    }
    if (overBudget > 0) {
      io.stderr.write(
        `bambam run: warning: ${overBudget} frame(s) took longer than the engine's ${engineBudgetMs} ms budget ` +
          `(slowest ${slowestMs.toFixed(1)} ms): the engine stops calls that run over it\n`,
      );
    }
    const scheduledNote =
      scheduled > 0
        ? ` (${scheduled} scheduled with at${past > 0 ? `, ${past} of them in the past` : ''})`
        : '';
    io.stderr.write(`bambam run: ${frames} frames, ${played.length} events${scheduledNote}\n`);
    return exitCode;
  },
};

export default command;
