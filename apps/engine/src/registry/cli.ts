/**
 * Registry operator's token admin, working directly on the data dir's database:
 *
 *   node apps/engine/src/registry/cli.ts token create <owner> [--label TEXT]
 *   node apps/engine/src/registry/cli.ts token list
 *   node apps/engine/src/registry/cli.ts token revoke <id>
 *
 * Options: --data-dir DIR (default env BAMBAM_DATA_DIR, else <repo>/.data). `create` prints the
 * token once, on stdout alone (so `TOKEN=$(... token create alice)` works); it is stored hashed.
 */
import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { databasePath } from './index.ts';
import { SqliteRegistryStore } from './store/sqlite.ts';
import { createToken } from './tokens.ts';

const USAGE = `Usage: node apps/engine/src/registry/cli.ts token <create <owner> [--label TEXT] | list | revoke <id>> [--data-dir DIR]

Manages the registry's publish tokens in <data dir>/registry.sqlite.
  token create <owner>   create a token for <owner>; prints the token once (store it safely)
  token list             list tokens (id, owner, label, created, revoked), never the tokens
  token revoke <id>      revoke a token: publishes with it are refused (401) from now on
Options:
  --data-dir DIR         data directory (default: env BAMBAM_DATA_DIR, else <repo>/.data)
  --label TEXT           a note to remember what the token is for`;

/** `<repo>/.data`: this file is at <repo>/apps/engine/src/registry/cli.ts. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../../.data', import.meta.url));

export interface CliIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 failure, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [group, action, arg, ...extra] = positionals;
  const usage = (message: string) => {
    io.stderr.write(`${message}\n\n${USAGE}\n`);
    return 2;
  };
  if (group !== 'token') return usage(group ? `Unknown command '${group}'.` : 'Missing command.');
  const dataDir = resolve(values['data-dir'] ?? io.env.BAMBAM_DATA_DIR ?? DEFAULT_DATA_DIR);
  const needs = { create: 1, revoke: 1, list: 0 } as const;
  if (action !== 'create' && action !== 'revoke' && action !== 'list') {
    return usage(action ? `Unknown token action '${action}'.` : 'Missing token action.');
  }
  const count = (arg === undefined ? 0 : 1) + extra.length;
  if (count !== needs[action]) return usage(`'token ${action}' takes ${needs[action]} argument(s).`);
  const store = new SqliteRegistryStore(databasePath(dataDir));
  try {
    if (action === 'create') {
      const { token, record } = await createToken(store, arg!, values.label ?? null);
      io.stdout.write(`${token}\n`);
      io.stderr.write(
        `Created token ${record.id} for owner '${record.owner}' in ${store.path}. It is shown only this once.\n`,
      );
      return 0;
    }
    if (action === 'revoke') {
      if (!(await store.revokeToken(arg!))) {
        io.stderr.write(`No token with id '${arg}' in ${store.path}.\n`);
        return 1;
      }
      io.stderr.write(`Revoked token ${arg}.\n`);
      return 0;
    }
    const tokens = await store.listTokens();
    if (tokens.length === 0) io.stderr.write(`No tokens in ${store.path}.\n`);
    for (const t of tokens) {
      io.stdout.write(
        `${t.id}\t${t.owner}\t${t.label ?? '-'}\tcreated ${t.createdAt}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}\n`,
      );
    }
    return 0;
  } catch (error) {
    io.stderr.write(`registry: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

if (import.meta.main) {
  process.exitCode = await runCli(process.argv.slice(2), process);
}
