/**
 * The CLI's own version and the contract (`@bambam/sdk`) version it runs plugins with, from its
 * package.json (one level above both `src/` and the built `dist/`).
 */
import { readFileSync } from 'node:fs';

interface CliPackage {
  version: string;
  dependencies: Record<string, string>;
}

const cliPackage = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as CliPackage;

/** This CLI's version (`bambam --version`). */
export const CLI_VERSION: string = cliPackage.version;

/** The `@bambam/sdk` version this CLI and its runtime are built against. */
export const SDK_VERSION: string = cliPackage.dependencies['@bambam/sdk']!.replace(/^[\^~]/, '');
