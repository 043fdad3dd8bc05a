/**
 * MediaPipe's 21 hand landmark indices. `hand.landmarks[LANDMARK.INDEX_FINGER_TIP]` is the
 * tip of the index finger.
 */
export const LANDMARK = {
  WRIST: 0,
  THUMB_CMC: 1,
  THUMB_MCP: 2,
  THUMB_IP: 3,
  THUMB_TIP: 4,
  INDEX_FINGER_MCP: 5,
  INDEX_FINGER_PIP: 6,
  INDEX_FINGER_DIP: 7,
  INDEX_FINGER_TIP: 8,
  MIDDLE_FINGER_MCP: 9,
  MIDDLE_FINGER_PIP: 10,
  MIDDLE_FINGER_DIP: 11,
  MIDDLE_FINGER_TIP: 12,
  RING_FINGER_MCP: 13,
  RING_FINGER_PIP: 14,
  RING_FINGER_DIP: 15,
  RING_FINGER_TIP: 16,
  PINKY_MCP: 17,
  PINKY_PIP: 18,
  PINKY_DIP: 19,
  PINKY_TIP: 20,
} as const;

/** A landmark index, 0 to 20. */
export type LandmarkIndex = (typeof LANDMARK)[keyof typeof LANDMARK];

/** Number of landmarks per hand. */
export const LANDMARK_COUNT = 21;

/** Individual landmark indices, for destructuring-free use: `hand.landmarks[WRIST]`. */
export const {
  /** The wrist. */
  WRIST,
  /** The thumb's base joint (carpometacarpal). */
  THUMB_CMC,
  /** The thumb's knuckle (metacarpophalangeal). */
  THUMB_MCP,
  /** The thumb's middle joint (interphalangeal). */
  THUMB_IP,
  /** The thumb's tip. */
  THUMB_TIP,
  /** The index finger's knuckle (metacarpophalangeal joint). */
  INDEX_FINGER_MCP,
  /** The index finger's middle joint (proximal interphalangeal). */
  INDEX_FINGER_PIP,
  /** The index finger's last joint (distal interphalangeal). */
  INDEX_FINGER_DIP,
  /** The index finger's tip. */
  INDEX_FINGER_TIP,
  /** The middle finger's knuckle (metacarpophalangeal joint). */
  MIDDLE_FINGER_MCP,
  /** The middle finger's middle joint (proximal interphalangeal). */
  MIDDLE_FINGER_PIP,
  /** The middle finger's last joint (distal interphalangeal). */
  MIDDLE_FINGER_DIP,
  /** The middle finger's tip. */
  MIDDLE_FINGER_TIP,
  /** The ring finger's knuckle (metacarpophalangeal joint). */
  RING_FINGER_MCP,
  /** The ring finger's middle joint (proximal interphalangeal). */
  RING_FINGER_PIP,
  /** The ring finger's last joint (distal interphalangeal). */
  RING_FINGER_DIP,
  /** The ring finger's tip. */
  RING_FINGER_TIP,
  /** The pinky's knuckle (metacarpophalangeal joint). */
  PINKY_MCP,
  /** The pinky's middle joint (proximal interphalangeal). */
  PINKY_PIP,
  /** The pinky's last joint (distal interphalangeal). */
  PINKY_DIP,
  /** The pinky's tip. */
  PINKY_TIP,
} = LANDMARK;

/** The bones of the hand as pairs of landmark indices, for drawing a skeleton. */
// biome-ignore format: one finger per line reads as a hand
export const HAND_CONNECTIONS: readonly (readonly [LandmarkIndex, LandmarkIndex])[] = [
  [0, 1], [1, 2], [2, 3], [3, 4],
  [0, 5], [5, 6], [6, 7], [7, 8],
  [5, 9], [9, 10], [10, 11], [11, 12],
  [9, 13], [13, 14], [14, 15], [15, 16],
  [13, 17], [0, 17], [17, 18], [18, 19], [19, 20],
];
