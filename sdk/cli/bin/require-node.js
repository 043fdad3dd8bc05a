// Plain JavaScript that any Node runs: checks the version before a TypeScript file is loaded
// (older Nodes die on `.ts` with a raw ERR_UNKNOWN_FILE_EXTENSION instead).
import process from 'node:process';

export const REQUIRED_NODE_MAJOR = 24;

/**
 * Exits with code 1 and a message naming the fix when this Node is older than 24.
 * `fix` is the one command that gets Node 24 where it applies (the repository's script).
 */
export function requireNode24(what, fix) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= REQUIRED_NODE_MAJOR) return;
  process.stderr.write(
    `${what} needs Node ${REQUIRED_NODE_MAJOR} or newer; this is Node ${process.version} (${process.execPath}).\n` +
      `${fix}\n`,
  );
  process.exit(1);
}
