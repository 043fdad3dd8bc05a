/**
 * Logs refused requests so an operator can tell why a studio does not connect, without letting
 * a client flood the log: each distinct (code, value) once, at most {@link MAX_DISTINCT}.
 */
import type { IncomingMessage } from 'node:http';
import type { Refusal } from './origin-policy.ts';

const MAX_DISTINCT = 20;

export class RefusalLog {
  private readonly seen = new Set<string>();
  private readonly what: string;

  /** `what` names the door in the log line, e.g. `HTTP` or `socket.io`. */
  constructor(what: string) {
    this.what = what;
  }

  note(refusal: Refusal, req: IncomingMessage): void {
    const value = refusal.code === 'host-not-allowed' ? req.headers.host : req.headers.origin;
    const key = `${refusal.code} ${String(value).slice(0, 100)}`;
    if (this.seen.has(key) || this.seen.size > MAX_DISTINCT) return;
    this.seen.add(key);
    const more = this.seen.size > MAX_DISTINCT ? ' (further refusals are not logged)' : '';
    console.warn(`[engine] ${this.what} refused (${refusal.code}): ${refusal.message}${more}`);
  }
}
