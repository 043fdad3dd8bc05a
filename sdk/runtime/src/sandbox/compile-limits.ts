/**
 * What one plugin compile may take from the host. A hostile plugin's sources are bundled by
 * esbuild inside the engine's machine (and on an author's machine by `bambam build`): these
 * bound its time and how much it can make esbuild read and hold.
 */
export interface CompileLimits {
  /** Wall-clock time of one compile, in ms. Over it, esbuild is stopped (then restarted) and the compile fails. */
  timeoutMs: number;
  /** Largest single file the plugin may import, in bytes. */
  maxFileBytes: number;
  /** Most bytes one compile may load, all files together (the SDK's sources included). */
  maxTotalBytes: number;
  /** Most files one compile may load. */
  maxFiles: number;
  /**
   * Most memory (resident set) esbuild's service may hold during a compile, in bytes. Over it,
   * esbuild is stopped (then restarted) and the compile fails. Watched on Linux (`/proc`); the
   * input limits above bound it elsewhere.
   */
  maxServiceRssBytes: number;
}

/** The limits `compilePlugin` uses unless told otherwise. */
export const DEFAULT_COMPILE_LIMITS: CompileLimits = Object.freeze({
  timeoutMs: 10_000,
  // A plugin is a few source files and some samples. esbuild's service peaked at ~270 MB RSS
  // on 24 MB of TypeScript; these keep it well under that.
  maxFileBytes: 4 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  maxFiles: 2000,
  // The engine's own esbuild service idles at ~20 MB and bundles bam-drum under ~60 MB.
  maxServiceRssBytes: 512 * 1024 * 1024,
});

/** Defaults overlaid with `overrides`, each checked: a bad limit is a host bug and throws a RangeError. */
export function resolveCompileLimits(overrides: Partial<CompileLimits> = {}): CompileLimits {
  const limits: CompileLimits = { ...DEFAULT_COMPILE_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`Compile limit ${name} must be a finite number > 0, got ${String(value)}`);
    }
  }
  return limits;
}
