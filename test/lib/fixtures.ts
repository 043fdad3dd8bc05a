/**
 * Where the shared test media lives. Fixtures are never copied into the repository: they are
 * read from `$BAMBAM_FIXTURES`, else from `<repo>/../shared/fixtures`. Tests that need a
 * fixture call {@link requireFixture}, which skips the test with a clear message when it is
 * absent instead of failing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the monorepo (this file is `<repo>/test/lib/fixtures.ts`). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The fixture clip the end-to-end tests play as the fake camera. */
export const FOUR_STROKES_CLIP = 'clips/open-hand-4-strokes.mjpeg';

/** Facts about {@link FOUR_STROKES_CLIP} (from the fixtures README). */
export const FOUR_STROKES = {
  /** Clip length; Chromium loops it. */
  durationMs: 4000,
  fps: 30,
  width: 640,
  height: 480,
  /** One down-stroke per period. */
  periodMs: 1000,
  /** Each down-stroke ends this long after its period starts (rest high 0.1 s, down in 0.15 s). */
  strokeEndMs: 250,
} as const;

/** The fixtures directory, or undefined when there is none on this machine. */
export function fixturesDir(): string | undefined {
  const fromEnv = process.env.BAMBAM_FIXTURES;
  const dir = fromEnv ? path.resolve(fromEnv) : path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
  return existsSync(dir) ? dir : undefined;
}

/** Absolute path of a fixture (relative to the fixtures dir), or undefined when it is missing. */
export function fixturePath(relative: string): string | undefined {
  const dir = fixturesDir();
  if (!dir) return undefined;
  const file = path.join(dir, relative);
  return existsSync(file) ? file : undefined;
}

/** The part of node:test's TestContext this module needs. */
export interface Skippable {
  skip(message?: string): void;
}

/**
 * Returns the fixture's absolute path, or skips the test (with a message naming what is missing
 * and how to provide it) and returns undefined. Use as
 * `const clip = requireFixture(t, FOUR_STROKES_CLIP); if (!clip) return;`.
 */
export function requireFixture(t: Skippable, relative: string): string | undefined {
  const file = fixturePath(relative);
  if (!file) {
    const where = process.env.BAMBAM_FIXTURES ?? path.resolve(REPO_ROOT, '..', 'shared', 'fixtures');
    t.skip(`fixture ${relative} not found under ${where} (set BAMBAM_FIXTURES to the fixtures directory)`);
  }
  return file;
}
