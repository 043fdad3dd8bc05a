/**
 * The studio's connection to the engine. The client lives in `engine-client/` in parts
 * (signaling link, camera, peer link with recovery, session settings); this module is the
 * front every view imports.
 */
export { EngineClient } from './engine-client/engine-client.ts';
export type { EngineSnapshot, LinkState, MediaState } from './engine-client/engine-snapshot.ts';
export type { ConsoleLine, EngineClientEvents, ReceivedHit } from './engine-client/events.ts';
export { DEFAULT_ENGINE_CLIENT_OPTIONS, type EngineClientOptions } from './engine-client/options.ts';
export { ENGINE_FULL_CODE } from './engine-client/signaling-link.ts';
