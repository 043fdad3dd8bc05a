/**
 * The plugin contract: what an instrument module exports and what it may call.
 *
 * @packageDocumentation
 */
import type { Frame } from './frame.ts';
import type { ParamSpecs, ParamValues } from './params.ts';
import type { Sound } from './sounds.ts';

/**
 * How far ahead of the current frame a play may be scheduled, in ms: `ctx.play(sound, { at })`
 * with `at` later than `frame.t + MAX_SCHEDULE_AHEAD_MS` is moved back to that bound (with a
 * console warning). Enough for a predicted beat, short enough that the engine never holds much.
 */
export const MAX_SCHEDULE_AHEAD_MS = 250;

/** Options for {@link PluginContext.play}. */
export interface PlayOptions {
  /** Loudness from 0 (silent) to 1 (full). Default `1`. */
  readonly velocity?: number;
  /** Stereo position from -1 (left) to 1 (right). Default `0`. */
  readonly pan?: number;
  /**
   * When the sound should start, in ms on the frame timeline (the clock of `frame.t`).
   * Omitted: now, i.e. the current frame's `t`; the engine then plays it as soon as it can.
   * With `at`, the engine places the sound at the matching sample of its audio, at a steady
   * latency, so `at: frame.t + 40` sounds exactly 40 ms after `at: frame.t` (network jitter
   * does not move it): use it to land a hit on a predicted beat.
   *
   * - In the past (earlier than `frame.t`, or than the audio already sent): played at once, and
   *   counted.
   * - More than {@link MAX_SCHEDULE_AHEAD_MS} after `frame.t`: moved back to that bound, with a
   *   console warning at the call.
   * - Not a finite number (`NaN`, `Infinity`, a string…): the play is refused with a console
   *   error at the call, like a bad velocity (that frame's sounds are dropped).
   *
   * Plays scheduled ahead and still waiting are bounded per session (see the sandbox limits:
   * 64 by default); more are refused with a console error.
   */
  readonly at?: number;
}

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
   * Plays one of the plugin's sounds, now or at a time `at` on the frame clock (up to
   * {@link MAX_SCHEDULE_AHEAD_MS} ahead). The engine mixes it into the audio that goes back to
   * the player; calling it many times in one frame is capped (see the sandbox limits).
   * @param sound - the key of a sound in the plugin's `sounds`.
   * @param options - velocity (0..1, default 1), pan (-1..1, default 0) and `at` (frame-clock
   *   ms, default now): see {@link PlayOptions}.
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
  /**
   * When it should sound, frame-clock ms, as the plugin asked (`PlayOptions.at`, already
   * clamped to `t + MAX_SCHEDULE_AHEAD_MS`); absent when it plays now. May be earlier than `t`
   * (it then plays at once).
   */
  readonly at?: number;
}
