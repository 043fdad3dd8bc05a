/**
 * The hand tracker is an optional peer of `@bambam/cli` (onnxruntime and FFmpeg: hundreds of MB
 * of native code), needed only by `bambam track`: loaded on demand, with the fix when absent.
 */
import { CommandError } from './command.ts';

export type HandTrackerModule = typeof import('@bambam/hand-tracker');

export const HAND_TRACKER_PACKAGE = '@bambam/hand-tracker';

/** How to get the tracker beside the CLI, whichever way the CLI was installed. */
export const HAND_TRACKER_FIX = [
  `Install it beside the CLI: \`npm install --save-dev ${HAND_TRACKER_PACKAGE} @bambam/cli\`,`,
  `or run the CLI with it: \`npm exec --package=@bambam/cli --package=${HAND_TRACKER_PACKAGE} -- bambam track …\`.`,
].join('\n');

/** Imports the tracker (`specifier` is for tests); a {@link CommandError} naming the fix when it is not installed. */
export async function loadHandTracker(specifier = HAND_TRACKER_PACKAGE): Promise<HandTrackerModule> {
  try {
    return (await import(specifier)) as HandTrackerModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(specifier)) {
      throw new CommandError(
        `bambam track needs the hand tracker (${specifier}), an optional peer dependency of @bambam/cli that is not installed.\n${HAND_TRACKER_FIX}`,
      );
    }
    throw error;
  }
}
