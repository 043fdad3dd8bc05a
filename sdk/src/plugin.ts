/**
 * The plugin contract: what an instrument module exports and what it may call.
 *
 * @packageDocumentation
 */
import type { Frame } from './frame.ts';
import type { ParamSpecs, ParamValues } from './params.ts';
import type { PlayOptions, Sound } from './sounds.ts';

/**
 * What a plugin can do while it runs. The same object is passed to every call, so
 * `ctx.state` is the place to remember things between frames.
 */
export interface PluginContext<
  SoundName extends string = string,
  Params = Record<string, unknown>,
  // biome-ignore lint/suspicious/noExplicitAny: a plugin without a state() factory may keep anything in ctx.state
  State = any,
> {
  /**
   * Plays one of the plugin's sounds now. The engine mixes it into the audio that goes back to
   * the player; calling it many times in one frame is capped (see the sandbox limits).
   * @param sound - the key of a sound in the plugin's `sounds`.
   * @param options - velocity (0..1, default 1) and pan (-1..1, default 0).
   */
  play(sound: SoundName, options?: PlayOptions): void;
  /** Persistent state for this plugin instance: whatever `state()` returned, kept across frames. */
  state: State;
  /** Current values of the plugin's params (read-only; the player changes them in the studio). */
  readonly params: Readonly<Params>;
  /** Writes to the player's console in the studio (and to stderr in the CLI). */
  log(...args: unknown[]): void;
}

/** A plugin's declaration: pass it to {@link definePlugin} and export the result as default. */
export interface PluginDefinition<
  Sounds extends Readonly<Record<string, Sound>> = Readonly<Record<string, Sound>>,
  Params extends ParamSpecs = ParamSpecs,
  // biome-ignore lint/suspicious/noExplicitAny: a plugin without a state() factory may keep anything in ctx.state
  State = any,
> {
  /** Package-style name, lower case with dashes (e.g. `'bam-drum'`). */
  readonly name: string;
  /** Semantic version, e.g. `'1.0.0'`. */
  readonly version: string;
  /** One sentence saying what the instrument does. */
  readonly description: string;
  /** Who wrote it. */
  readonly author?: string;
  /** The sounds it can play, by name. */
  readonly sounds: Sounds;
  /** Its knobs, by key. */
  readonly params?: Params;
  /** Makes the initial `ctx.state`. Called once at load, and again when the plugin is reset. */
  state?(): State;
  /** Called once after load, before the first frame. */
  setup?(ctx: PluginContext<Extract<keyof Sounds, string>, ParamValues<Params>, State>): void;
  /**
   * Called on every tracked video frame (about 30 times a second). Keep it short: each call
   * has a time budget of a few milliseconds.
   */
  onFrame(frame: Frame, ctx: PluginContext<Extract<keyof Sounds, string>, ParamValues<Params>, State>): void;
}

/**
 * Declares an instrument. The module's default export must be its result.
 *
 * @example
 * ```ts
 * import { definePlugin, LANDMARK } from '@bambam/sdk';
 *
 * export default definePlugin({
 *   name: 'hello-hand',
 *   version: '1.0.0',
 *   description: 'Plays a click whenever a hand appears.',
 *   sounds: { click: { kind: 'tone', instrument: 'MetalSynth', duration: 0.05 } },
 *   state: () => ({ seen: 0 }),
 *   onFrame(frame, ctx) {
 *     if (frame.hands.length > ctx.state.seen) ctx.play('click');
 *     ctx.state.seen = frame.hands.length;
 *   },
 * });
 * ```
 */
export function definePlugin<
  const Sounds extends Readonly<Record<string, Sound>>,
  // biome-ignore lint/complexity/noBannedTypes: "no params" must infer as an empty object type
  const Params extends ParamSpecs = {},
  // biome-ignore lint/suspicious/noExplicitAny: a plugin without a state() factory may keep anything in ctx.state
  State = Record<string, any>,
>(definition: PluginDefinition<Sounds, Params, State>): PluginDefinition<Sounds, Params, State> {
  return definition;
}

/** One `play` call as it leaves a plugin: a line of `bambam run --events`. */
export interface PlayEvent {
  /** Time in ms of the frame during which it was played. */
  readonly t: number;
  /** The sound's name. */
  readonly sound: string;
  /** 0..1 */
  readonly velocity: number;
  /** -1..1 */
  readonly pan: number;
}
