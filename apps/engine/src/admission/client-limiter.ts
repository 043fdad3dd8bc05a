/**
 * Sessions per client: how many it holds at once and how many it opened in the last minute.
 * Checked before the engine's seats ({@link Admission}), so one client cannot fill the engine.
 * Entries of clients with nothing open and nothing recent are dropped, so the map stays as
 * small as the set of active clients.
 */
import type { ErrorInfo } from '@bambam/protocol';
import type { ClientLimits } from './limits.ts';

/** Why a client was limited, as counted in `bambam_limited_total{kind}`. */
export type LimitKind = 'sessions_per_minute' | 'concurrent_sessions' | 'messages' | 'idle';

export interface ClientRefusal {
  readonly kind: LimitKind;
  readonly info: ErrorInfo;
}

/** A client's open session; `release()` (idempotent) gives it back. */
export interface ClientLease {
  release(): void;
}

const WINDOW_MS = 60_000;

interface ClientState {
  open: number;
  /** When its recent sessions opened (ms, ascending), within the window. */
  opened: number[];
}

export class ClientLimiter {
  private readonly limits: Pick<ClientLimits, 'sessionsPerMinute' | 'concurrentSessions'>;
  private readonly clients = new Map<string, ClientState>();
  private readonly now: () => number;
  private lastSweep: number;

  constructor(
    limits: Pick<ClientLimits, 'sessionsPerMinute' | 'concurrentSessions'>,
    now: () => number = () => performance.now(),
  ) {
    this.limits = limits;
    this.now = now;
    this.lastSweep = now();
  }

  /** Clients the limiter keeps state for now. */
  get trackedClients(): number {
    return this.clients.size;
  }

  /** A lease for one more session of `client`, or why not. */
  open(client: string): { lease: ClientLease } | { refusal: ClientRefusal } {
    const now = this.now();
    if (now - this.lastSweep >= WINDOW_MS) this.sweep(now);
    const state = this.clients.get(client) ?? { open: 0, opened: [] };
    while (state.opened.length > 0 && now - state.opened[0]! >= WINDOW_MS) state.opened.shift();
    const { concurrentSessions, sessionsPerMinute } = this.limits;
    if (state.open >= concurrentSessions) {
      this.forgetIfIdle(client, state);
      return {
        refusal: {
          kind: 'concurrent_sessions',
          info: {
            code: 'too-many-sessions',
            message: `Your address already has ${state.open} session${state.open === 1 ? '' : 's'} open on this engine (the limit is ${concurrentSessions}). Close one (another tab?) and try again.`,
          },
        },
      };
    }
    if (state.opened.length >= sessionsPerMinute) {
      const retryS = Math.ceil((WINDOW_MS - (now - state.opened[0]!)) / 1000);
      this.forgetIfIdle(client, state);
      return {
        refusal: {
          kind: 'sessions_per_minute',
          info: {
            code: 'rate-limited',
            message: `Too many sessions opened from your address (${sessionsPerMinute} per minute). Try again in ${retryS} s.`,
          },
        },
      };
    }
    state.open++;
    state.opened.push(now);
    this.clients.set(client, state);
    let released = false;
    return {
      lease: {
        release: () => {
          if (released) return;
          released = true;
          state.open--;
          this.forgetIfIdle(client, state);
        },
      },
    };
  }

  /** Drops clients that came once and never again (nothing open, nothing within the window). */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [client, state] of this.clients) this.forgetIfIdle(client, state);
  }

  private forgetIfIdle(client: string, state: ClientState): void {
    const now = this.now();
    while (state.opened.length > 0 && now - state.opened[0]! >= WINDOW_MS) state.opened.shift();
    if (state.open === 0 && state.opened.length === 0) this.clients.delete(client);
  }
}
