import { HIT_CHANNEL_LABEL } from '@bambam/protocol';
import { parseHitMessage } from '../hit-message.ts';
import type { ClientState } from './client-state.ts';

/**
 * The hit channel: reliable and ordered, so a hit is late (an SCTP retransmission) rather than
 * lost; the direct monitor plays a hit from the telemetry when its message is that late. A
 * browser without data channels simply keeps hearing the stream. Announces `hitChannel`
 * (open/closed) and each `hit` while it is the current channel.
 */
export class HitChannel {
  private readonly state: ClientState;
  private current: RTCDataChannel | null = null;

  constructor(state: ClientState) {
    this.state = state;
  }

  /** The channel of the current peer connection, or null. */
  get channel(): RTCDataChannel | null {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current?.readyState === 'open';
  }

  /** Creates the channel on `pc`; call before the offer so that it negotiates SCTP (m=application). */
  openOn(pc: RTCPeerConnection): void {
    let channel: RTCDataChannel;
    try {
      channel = pc.createDataChannel(HIT_CHANNEL_LABEL, { ordered: true });
    } catch {
      return;
    }
    this.current = channel;
    channel.addEventListener('open', () => {
      if (this.current === channel) this.state.events.emit('hitChannel', true);
    });
    channel.addEventListener('close', () => {
      if (this.current !== channel) return;
      this.current = null;
      this.state.events.emit('hitChannel', false);
    });
    channel.addEventListener('message', (event: MessageEvent) => {
      const receivedAt = performance.now();
      if (this.current !== channel) return;
      const message = parseHitMessage(event.data);
      if (message) this.state.events.emit('hit', { message, receivedAt });
    });
  }

  /** Forgets the current channel (its events are ignored from now on) and returns it. */
  release(): RTCDataChannel | null {
    const channel = this.current;
    this.current = null;
    return channel;
  }
}
