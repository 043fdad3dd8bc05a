/**
 * The shape of one `bambam` command. Each command lives in `commands/<name>.ts` and default-
 * exports a {@link Command}; `main.ts` loads only the one asked for, so a slow import (the hand
 * tracker, esbuild) never delays the others.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command writes. Tests pass their own streams. */
export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  /** The word after `bambam`. */
  readonly name: string;
  /** One line for `bambam --help`. */
  readonly summary: string;
  /** Full `--help` text: usage line, arguments, options, an example. */
  readonly help: string;
  /** Runs it; resolves to the process exit code. Throw {@link UsageError} for bad arguments. */
  run(argv: readonly string[], io: CommandIO): Promise<number>;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A failure the user can act on: printed as `bambam <cmd>: <message>`, exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError';
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** `node:util` parseArgs in strict mode, turning its errors into {@link UsageError}s. */
export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
