/**
 * Helpers for the sandbox's tests (and anyone testing plugins): plugin sources from a body,
 * frames with hands, positions of text in a source.
 */
import type { Frame, Hand } from '@bambam/sdk';
import { compilePlugin } from './compile.ts';
import { type LogEntry, PluginSandbox, type SandboxIsolation, type SandboxOptions } from './sandbox.ts';

let defaultIsolation: SandboxIsolation = 'process';

/** Which isolation {@link loadSource} uses unless told: test files run the same suites in both. */
export function setTestIsolation(isolation: SandboxIsolation): void {
  defaultIsolation = isolation;
}

export function testIsolation(): SandboxIsolation {
  return defaultIsolation;
}

export interface PluginSourceParts {
  name?: string;
  /** Body of `onFrame(frame, ctx) { … }`. */
  onFrame?: string;
  /** More members of the definition, e.g. `setup(ctx) { … },`. */
  members?: string;
  /** Code before `export default`. */
  prelude?: string;
}

/** A plugin's TypeScript source with two tone sounds, `kick` and `snare`. */
export function pluginSource(parts: PluginSourceParts = {}): string {
  return [
    `import { definePlugin } from '@bambam/sdk';`,
    parts.prelude ?? '',
    `export default definePlugin({`,
    `  name: '${parts.name ?? 'test-plugin'}',`,
    `  version: '1.0.0',`,
    `  description: 'A plugin under test.',`,
    `  sounds: {`,
    `    kick: { kind: 'tone', instrument: 'MembraneSynth', note: 'C1' },`,
    `    snare: { kind: 'tone', instrument: 'NoiseSynth' },`,
    `  },`,
    parts.members ?? '',
    `  onFrame(frame, ctx) {`,
    parts.onFrame ?? '',
    `  },`,
    `});`,
    '',
  ].join('\n');
}

/** 1-based line and column of the first occurrence of `needle` in `source`. */
export function locate(source: string, needle: string): { line: number; column: number } {
  const index = source.indexOf(needle);
  if (index < 0) throw new Error(`'${needle}' is not in the source`);
  const before = source.slice(0, index).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/**
 * Compiles `source` (as `filename`) and loads it; logs are collected into the returned array.
 * Tests get a roomy frame budget unless they set one: the per-call budget is wall-clock time,
 * and a shared 2-core machine can stall a well-behaved call past 5 ms.
 */
export async function loadSource(
  source: string,
  options: SandboxOptions & { filename?: string } = {},
): Promise<{ sandbox: PluginSandbox; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  const compiled = await compilePlugin({ source, filename: options.filename ?? 'plugin.ts' });
  const sandbox = await PluginSandbox.load(compiled, {
    isolation: defaultIsolation,
    ...options,
    limits: { frameBudgetMs: 200, ...options.limits },
    onLog: (entry) => {
      logs.push(entry);
      options.onLog?.(entry);
    },
  });
  return { sandbox, logs };
}

/** A hand with 21 landmarks around (`x`, `y`). */
export function hand(handedness: Hand['handedness'], x: number, y: number, id?: number): Hand {
  const landmarks = Array.from({ length: 21 }, (_, i) => ({
    x: x + (i % 5) * 0.01,
    y: y - Math.floor(i / 5) * 0.02,
    z: -0.01 * i,
  }));
  return id === undefined
    ? { handedness, score: 0.97, landmarks }
    : { id, handedness, score: 0.97, landmarks };
}

/** A 640×480 frame at `t` ms with two hands (left at y, right at 1 - y). */
export function twoHandFrame(t: number, y = 0.5): Frame {
  return { t, width: 640, height: 480, hands: [hand('Left', 0.3, y, 1), hand('Right', 0.7, 1 - y, 2)] };
}

/** Awaits `promise` and returns what it rejected with; fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
