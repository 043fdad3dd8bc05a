/**
 * `bambam track <file>`: finds the hands in a video clip or an image with the same tracker the
 * engine uses and writes a landmark recording: JSON lines, one {@link Frame} per video frame.
 * That recording is what `bambam run --landmarks` plays a plugin against.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import type { ModelVariant } from '@bambam/hand-tracker';
import type { Frame, Hand } from '@bambam/sdk';
import { type Command, CommandError, parseCommandArgs, UsageError } from '../command.ts';
import { loadHandTracker } from '../hand-tracker.ts';

/** Landmark precision kept in recordings: 1e-5 of the frame is 0.04 px at 4K. */
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** A frame as one recording line: rounded so recordings stay small and diffable. */
export function recordingLine(frame: Frame): string {
  const hands = frame.hands.map((hand: Hand) => ({
    id: hand.id,
    handedness: hand.handedness,
    score: round(hand.score, 4),
    landmarks: hand.landmarks.map((l) => ({ x: round(l.x, 5), y: round(l.y, 5), z: round(l.z, 5) })),
  }));
  return JSON.stringify({ t: round(frame.t, 3), width: frame.width, height: frame.height, hands });
}

function positiveNumber(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || (integer && !Number.isInteger(parsed))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  }
  return parsed;
}

/** Writes to a stream, waiting while it is full; false once the reader has gone (e.g. `| head`). */
async function writeLine(out: NodeJS.WritableStream, line: string): Promise<boolean> {
  if ((out as { destroyed?: boolean }).destroyed) return false;
  if (out.write(`${line}\n`)) return true;
  // `once` rejects on 'error' (EPIPE when the reader went away): that means stop, too.
  const drained = once(out, 'drain').then(
    () => true,
    () => false,
  );
  const closed = once(out, 'close').then(
    () => false,
    () => false,
  );
  return Promise.race([drained, closed]);
}

/** Opens the output file, turning an unwritable path into a clear error. */
async function openOutput(path: string): Promise<NodeJS.WritableStream> {
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new CommandError(
      `cannot write ${path}: ${(error as Error).message} (check that its folder exists and is writable, or choose another --out)`,
    );
  }
  return stream;
}

const command: Command = {
  name: 'track',
  summary: 'Find the hands in a clip or image; write a landmark recording (JSON lines)',
  help: `
Usage: bambam track <file> [options]

Runs the hand tracker (MediaPipe's palm and landmark models, on onnxruntime) over every
frame of <file>, a video (mp4, webm, mkv, mjpeg...) or an image (jpg, png...), and writes
one JSON line per frame: { t, width, height, hands: [{ id, handedness, score, landmarks }] },
t in ms, landmarks x/y normalised to the frame, origin top-left. Progress goes to stderr.

Options:
  -o, --out FILE      write the recording to FILE instead of stdout
  --model <name>      landmark model: full (default, more accurate), lite (faster), or their
                       int8 versions full-int8 / lite-int8 (about twice as fast, within ~0.5 px)
  --hands N           most hands to follow, 1-8 (default 2; --max-hands is the same)
  --fps N             frame rate to assume (default: the file's timestamps; 30 for a raw
                      .mjpeg, which has none)
  --max-frames N      stop after N frames
  --images            treat every frame as an unrelated still (no tracking between frames)
  -q, --quiet         no progress or summary on stderr

Needs @bambam/hand-tracker, an optional peer dependency of @bambam/cli (native code, about
450 MB): without it, track stops with how to install it (exit code 1).

Exit codes: 0 done, 1 the file cannot be read, tracking failed or the tracker is not installed,
2 usage.

Examples:
  bambam track clip.mjpeg > hands.jsonl
  bambam track clip.mp4 --model lite | bambam run plugins/bam-drum --landmarks -
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string', short: 'o' },
      model: { type: 'string' },
      hands: { type: 'string' },
      'max-hands': { type: 'string' },
      fps: { type: 'string' },
      'max-frames': { type: 'string' },
      images: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one video or image file');
    const { ensureModels, HandTracker, MODEL_VARIANTS, readVideoFrames, silenceFfmpegWarnings } =
      await loadHandTracker();
    const model = (values.model ?? 'full') as ModelVariant;
    if (!MODEL_VARIANTS.includes(model))
      throw new UsageError(`--model must be one of ${MODEL_VARIANTS.join(', ')}, got '${model}'`);
    const maxHands = positiveNumber('hands', values.hands ?? values['max-hands'], true) ?? 2;
    if (maxHands > 8) throw new UsageError(`--hands must be at most 8, got ${maxHands}`);
    const fps = positiveNumber('fps', values.fps, false);
    const maxFrames = positiveNumber('max-frames', values['max-frames'], true);
    const input = resolve(io.cwd, positionals[0]!);
    const progress = !values.quiet && (io.stderr as { isTTY?: boolean }).isTTY === true;

    silenceFfmpegWarnings();
    const out = values.out ? await openOutput(resolve(io.cwd, values.out)) : io.stdout;
    let readerGone = false;
    // A closed pipe (EPIPE) can surface after a write that looked fine: stop, don't crash.
    out.on('error', () => {
      readerGone = true;
    });
    // First use after install: the models are converted once (a second or so), with progress.
    await ensureModels({
      variants: [model],
      onProgress: (message) => !values.quiet && io.stderr.write(`bambam track: ${message}\n`),
    });
    const tracker = await HandTracker.create({ model, maxHands });
    const started = performance.now();
    let frames = 0;
    let withHands = 0;
    try {
      for await (const { t, image } of readVideoFrames(input, { fps, maxFrames })) {
        const result = await tracker.track(image, t, { mode: values.images ? 'image' : 'video' });
        // Awaiting each frame means none is ever replaced by a newer one.
        if (!result) throw new CommandError('internal error: a frame was dropped');
        frames++;
        if (result.frame.hands.length > 0) withHands++;
        if (readerGone || !(await writeLine(out, recordingLine(result.frame)))) {
          readerGone = true;
          break;
        }
        if (progress && frames % 30 === 0) io.stderr.write(`\rbambam track: ${frames} frames`);
      }
    } catch (error) {
      if (error instanceof CommandError) throw error;
      throw new CommandError((error as Error).message);
    } finally {
      await tracker.dispose();
      if (out !== io.stdout) {
        out.end();
        await once(out, 'close');
      }
    }
    if (frames === 0) throw new CommandError(`${input} has no video frames`);
    const seconds = (performance.now() - started) / 1000;
    const perFrame = ((seconds * 1000) / frames).toFixed(1);
    const where = values.out ? ` to ${values.out}` : '';
    const stopped = readerGone ? ' (the reader closed the output; stopped early)' : '';
    if (!values.quiet) {
      const summary = `bambam track: ${frames} frames, hands in ${withHands}, ${seconds.toFixed(1)} s (${perFrame} ms/frame)`;
      io.stderr.write(`${progress ? '\r' : ''}${summary}${where}${stopped}\n`);
    }
    return 0;
  },
};

export default command;
