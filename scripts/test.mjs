// `npm test`'s entry: plain JavaScript, so that an old Node gets the version message (not
// ERR_UNKNOWN_FILE_EXTENSION on test.ts), then the real test script.
import { requireNode24 } from '../sdk/cli/bin/require-node.js';

requireNode24(
  'Bam Bam',
  "Fix: run `source scripts/node24.sh` (it installs Node 24 from the npm registry into .tools/ and puts it on this shell's PATH), then `npm test` again.",
);
await import('./test.ts');
