import { webrtcProblem } from '../problems.ts';
import type { ClientState } from './client-state.ts';

export const DEFAULT_PEER_RECOVERY_OPTIONS = {
  /** How long after a `failed` peer connection it is renegotiated, ms. */
  failedRetryMs: 500,
} as const;

/** What recovery needs to know and do about the current peer connection. */
export interface PeerRecoveryHooks {
  /** Whether the current peer connection is connected (then there is nothing to recover). */
  readonly isConnected: () => boolean;
  /** Whether media can be renegotiated now: the player wants it and the session is up. */
  readonly canRecover: () => boolean;
  /** Ends the engine's side of the media and negotiates again. */
  readonly renegotiate: () => Promise<void>;
}

/**
 * The peer connection's recovery: follows its connection state into the snapshot and
 * renegotiates when it failed, or stayed `disconnected` longer than `disconnectedMs` (it often
 * recovers by itself from a brief network hiccup).
 */
export class PeerRecovery {
  private readonly state: ClientState;
  private readonly disconnectedMs: number;
  private readonly hooks: PeerRecoveryHooks;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(state: ClientState, disconnectedMs: number, hooks: PeerRecoveryHooks) {
    this.state = state;
    this.disconnectedMs = disconnectedMs;
    this.hooks = hooks;
  }

  /** The current peer connection changed state. */
  onConnectionState(connectionState: RTCPeerConnectionState): void {
    switch (connectionState) {
      case 'connected':
        this.cancel();
        this.state.update({ media: 'live', problem: this.state.clearProblem('media') });
        break;
      case 'disconnected':
        this.state.update({ media: 'recovering' });
        this.schedule(this.disconnectedMs);
        break;
      case 'failed':
        this.state.update({
          media: 'recovering',
          problem: webrtcProblem('The audio/video connection to the engine failed. Reconnecting…', true),
        });
        this.schedule(DEFAULT_PEER_RECOVERY_OPTIONS.failedRetryMs);
        break;
    }
  }

  /** Negotiation broke (the browser or the network): show it and try again later. */
  onNegotiationError(message: string): void {
    this.state.update({ media: 'recovering', problem: webrtcProblem(message, true) });
    this.schedule(this.disconnectedMs);
  }

  /** Renegotiates after `delayMs` unless the connection is back or media is no longer wanted. */
  schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.hooks.isConnected() || !this.hooks.canRecover()) return;
      void this.hooks.renegotiate();
    }, delayMs);
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
