/**
 * The manifest that `bambam build` writes beside a bundle (`dist/manifest.json`) and that a
 * publish carries. Its schema lives in `@bambam/protocol`, one definition for the CLI, the
 * registry and the studio; re-exported here for the registry's modules.
 */
export { type Manifest, PLUGIN_NAME, parseManifest } from '@bambam/protocol';

/** JSON with object keys sorted, so two equal values give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
