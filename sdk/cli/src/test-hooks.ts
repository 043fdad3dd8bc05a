/**
 * Loaded with `--import` into the tests `bambam test` runs: a plugin's tests import
 * `@bambam/runtime` (the sandbox) without depending on it, so it resolves to the copy installed
 * with this CLI. Everything else resolves as usual, from the plugin's own node_modules.
 */
import { registerHooks } from 'node:module';

const PROVIDED = /^@bambam\/runtime(\/.*)?$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    // Resolved as if this file imported it: from the CLI's own install.
    if (PROVIDED.test(specifier)) return nextResolve(specifier, { ...context, parentURL: import.meta.url });
    return nextResolve(specifier, context);
  },
});
