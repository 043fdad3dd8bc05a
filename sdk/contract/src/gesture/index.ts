/**
 * Helpers for gesture code: steady points on a hand, velocities over recent frames, stable hand
 * identities, stroke onsets and smoothing. Pure functions and classes with no Node or browser
 * APIs, so they run inside the plugin sandbox (they are bundled into each plugin).
 *
 * @packageDocumentation
 */
export { centroid, distance2d, handScale, KNUCKLES, PALM, type Point, palmCenter } from './geometry.ts';
export {
  LandmarkHistory,
  type LandmarkHistoryOptions,
  type TimedPoint,
  type Velocity,
  velocity,
} from './history.ts';
export { HandIdentity, type HandIdentityOptions, type IdentifiedHand } from './identity.ts';
export { OneEuroFilter, type OneEuroOptions, OneEuroPointFilter } from './one-euro.ts';
export {
  DEFAULT_STROKE_OPTIONS,
  type Stroke,
  StrokeDetector,
  type StrokeDetectorOptions,
  type StrokeSample,
} from './stroke.ts';
