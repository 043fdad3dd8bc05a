/**
 * The Node-side runtime that runs plugins: the isolated-vm sandbox and the sound engine
 * (rendering, mixing, the audio clock). The engine and the `bambam` CLI both use it, so a
 * plugin behaves the same in both.
 *
 * @packageDocumentation
 */
export * from './sandbox/index.ts';
export * from './sound/index.ts';
