/**
 * `bambam`: run, test, build and publish Bam Bam plugins. Dispatches to one command module.
 */
import process from 'node:process';
import { type Command, CommandError, type CommandIO, UsageError } from './command.ts';

const COMMANDS: Record<string, () => Promise<{ default: Command }>> = {
  run: () => import('./commands/run.ts'),
  track: () => import('./commands/track.ts'),
  init: () => import('./commands/init.ts'),
  build: () => import('./commands/build.ts'),
  test: () => import('./commands/test.ts'),
  publish: () => import('./commands/publish.ts'),
};

async function loadCommand(name: string): Promise<Command | undefined> {
  const load = COMMANDS[name];
  if (!load) return undefined;
  try {
    return (await load()).default;
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(error).includes(`commands/${name}.`)
    ) {
      return undefined;
    }
    throw error;
  }
}

async function usage(): Promise<string> {
  const lines = ['Usage: bambam <command> [options]', '', 'Commands:'];
  for (const name of Object.keys(COMMANDS)) {
    const command = await loadCommand(name).catch(() => undefined);
    if (command) lines.push(`  ${name.padEnd(9)} ${command.summary}`);
  }
  lines.push('', "Run `bambam <command> --help` for a command's options.");
  return lines.join('\n');
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${await usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    const { CLI_VERSION } = await import('./versions.ts');
    io.stdout.write(`${CLI_VERSION}\n`);
    return 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    io.stderr.write(`bambam: unknown command '${name}'.\n\n${await usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help.trim()}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`bambam ${name}: ${error.message}\n\n${command.help.trim()}\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      io.stderr.write(`bambam ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(
      `bambam ${name}: unexpected error (a bug in bambam: please report it with these lines): ${(error as Error).stack ?? error}\n`,
    );
    return 1;
  }
}

if (import.meta.main) {
  const io: CommandIO = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
