/**
 * The Bam Bam SDK: write an instrument that turns hand movement into sound.
 *
 * ```ts
 * import { definePlugin, LANDMARK } from '@bambam/sdk';
 * export default definePlugin({ ... });
 * ```
 *
 * @packageDocumentation
 */
export type { Frame, Hand, Handedness, Landmark } from './frame.ts';
export * from './gesture/index.ts';
export * from './landmarks.ts';
export * from './midi.ts';
export * from './params.ts';
export * from './plugin.ts';
export * from './sounds.ts';
