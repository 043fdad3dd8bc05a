import type { Frame, Hand, Landmark } from '@bambam/sdk';

/** More hands than any tracker reports: a bound on what one frame may carry into an isolate. */
export const MAX_HANDS = 8;
const MAX_LANDMARKS = 64;

/**
 * A clean copy of `frame` with exactly the contract's fields, so only plain data of a known,
 * bounded shape enters the isolate. Malformed frames are a host bug: TypeError naming the field.
 */
export function cleanFrame(frame: Frame): Frame {
  if (typeof frame !== 'object' || frame === null) throw new TypeError('onFrame: frame must be an object');
  const t = number(frame.t, 'frame.t');
  const width = number(frame.width, 'frame.width');
  const height = number(frame.height, 'frame.height');
  if (!Array.isArray(frame.hands)) throw new TypeError('onFrame: frame.hands must be an array');
  if (frame.hands.length > MAX_HANDS) throw new TypeError(`onFrame: at most ${MAX_HANDS} hands per frame`);
  const hands: Hand[] = [];
  for (let h = 0; h < frame.hands.length; h++) hands.push(cleanHand(frame.hands[h]!, h));
  return { t, width, height, hands };
}

function cleanHand(hand: Hand, h: number): Hand {
  const at = `frame.hands[${h}]`;
  if (typeof hand !== 'object' || hand === null) throw new TypeError(`onFrame: ${at} must be an object`);
  if (hand.handedness !== 'Left' && hand.handedness !== 'Right') {
    throw new TypeError(`onFrame: ${at}.handedness must be 'Left' or 'Right'`);
  }
  const score = number(hand.score, `${at}.score`);
  const source = hand.landmarks;
  if (!Array.isArray(source) || source.length > MAX_LANDMARKS) {
    throw new TypeError(`onFrame: ${at}.landmarks must be an array of at most ${MAX_LANDMARKS} points`);
  }
  const landmarks: Landmark[] = new Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const point = source[i];
    if (typeof point !== 'object' || point === null)
      throw new TypeError(`onFrame: ${at}.landmarks[${i}] must be {x,y,z}`);
    landmarks[i] = {
      x: number(point.x, `${at}.landmarks[${i}].x`),
      y: number(point.y, `${at}.landmarks[${i}].y`),
      z: number(point.z, `${at}.landmarks[${i}].z`),
    };
  }
  if (hand.id === undefined) return { handedness: hand.handedness, score, landmarks };
  return { id: number(hand.id, `${at}.id`), handedness: hand.handedness, score, landmarks };
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`onFrame: ${field} must be a finite number, got ${String(value)}`);
  }
  return value;
}
