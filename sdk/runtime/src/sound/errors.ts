/** A sound that cannot be validated or rendered. `sound` names it, so the message can point at the plugin's declaration. */
export class SoundError extends Error {
  override name = 'SoundError';
  /** The sound's name (its key in the plugin's `sounds`). */
  readonly sound: string;
  constructor(sound: string, message: string, options?: { cause?: unknown }) {
    super(`sound '${sound}': ${message}`, options);
    this.sound = sound;
  }
}
