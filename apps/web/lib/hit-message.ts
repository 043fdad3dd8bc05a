/** Reading the hit channel's messages ({@link HitMessage}) on the page. */
import type { HitMessage } from '@bambam/protocol';

/** A hit channel message, or null when it is not one (checked field by field: it drives audio). */
export function parseHitMessage(data: unknown): HitMessage | null {
  if (typeof data !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Partial<Record<keyof HitMessage, unknown>>;
  if (m.v !== 1 || typeof m.sound !== 'string') return null;
  const numbers = [m.seq, m.frameT, m.index, m.velocity, m.pan, m.engineSentAt, m.lagMs];
  if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) return null;
  if (m.at !== undefined && !(typeof m.at === 'number' && Number.isFinite(m.at))) return null;
  return value as HitMessage;
}
