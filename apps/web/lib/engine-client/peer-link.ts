import { ClientEvent, type SessionReady } from '@bambam/protocol';
import { webrtcProblem } from '../problems.ts';
import type { Camera } from './camera.ts';
import type { ClientState } from './client-state.ts';
import { HitChannel } from './hit-channel.ts';
import { iceGatheringComplete, lowLatency, preferVp8 } from './offer-tuning.ts';
import type { ResolvedEngineClientOptions } from './options.ts';
import { PeerRecovery } from './recovery.ts';
import { RemoteAudio } from './remote-audio.ts';
import type { SignalingLink } from './signaling-link.ts';

/**
 * The WebRTC peer connection to the engine: camera out (VP8 first), the instrument's audio in
 * (small jitter buffer), the hit channel beside it. Non-trickle offer/answer over the signaling
 * link; a negotiation superseded by a newer one (or by stop) is abandoned; failures recover
 * ({@link PeerRecovery}).
 */
export class PeerLink {
  readonly hits: HitChannel;
  readonly audio: RemoteAudio;
  private readonly state: ClientState;
  private readonly link: SignalingLink;
  private readonly camera: Camera;
  private readonly options: ResolvedEngineClientOptions;
  private readonly recovery: PeerRecovery;
  private pc: RTCPeerConnection | null = null;
  /** Counts negotiations: one that sees a newer count gives up. */
  private negotiation = 0;
  private iceServers: SessionReady['iceServers'] = [];

  constructor(state: ClientState, link: SignalingLink, camera: Camera, options: ResolvedEngineClientOptions) {
    this.state = state;
    this.link = link;
    this.camera = camera;
    this.options = options;
    this.hits = new HitChannel(state);
    this.audio = new RemoteAudio(state);
    this.recovery = new PeerRecovery(state, options.peerRecoveryMs, {
      isConnected: () => this.pc?.connectionState === 'connected',
      canRecover: () => {
        const { wantsMedia, sessionId } = this.state.snapshot;
        return wantsMedia && this.link.connected && Boolean(sessionId);
      },
      renegotiate: async () => {
        await this.link.request(ClientEvent.Stop, {});
        await this.negotiate();
      },
    });
  }

  /** The peer connection while media is negotiated or live. */
  get connection(): RTCPeerConnection | null {
    return this.pc;
  }

  /** The ICE servers the engine's session offers (from `session:ready`). */
  setIceServers(servers: SessionReady['iceServers']): void {
    this.iceServers = servers;
  }

  /** Makes a negotiation in flight give up (stop). */
  abandonNegotiation(): void {
    this.negotiation++;
  }

  /** Negotiates media with the engine for the open camera (replacing any current connection). */
  async negotiate(): Promise<void> {
    const camera = this.camera.stream;
    const track = camera?.getVideoTracks()[0];
    if (!camera || !track) return;
    const attempt = ++this.negotiation;
    this.close();
    this.state.update({ media: 'negotiating' });
    const pc = new RTCPeerConnection({ iceServers: this.iceServers.map((s) => ({ ...s })) });
    this.pc = pc;

    const video = pc.addTransceiver(track, { direction: 'sendonly', streams: [camera] });
    preferVp8(video);
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    lowLatency(audio.receiver, this.options.jitterBufferTargetMs);
    pc.addEventListener('track', (event) => {
      if (event.track.kind !== 'audio') return;
      lowLatency(event.receiver, this.options.jitterBufferTargetMs);
      this.audio.receive(event.streams[0] ?? new MediaStream([event.track]));
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc === this.pc) this.recovery.onConnectionState(pc.connectionState);
    });
    // Before the offer, so that it negotiates SCTP (m=application).
    this.hits.openOn(pc);

    try {
      await pc.setLocalDescription(await pc.createOffer());
      await iceGatheringComplete(pc, this.options.iceGatheringTimeoutMs);
      if (attempt !== this.negotiation) return;
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error('the browser produced no offer');
      const ack = await this.link.request<{ sdp: string }>(ClientEvent.Offer, { sdp });
      if (attempt !== this.negotiation) return;
      if (!ack.ok) {
        this.close();
        this.state.update({ media: 'off', problem: webrtcProblem(ack.error.message, false) });
        this.state.note('error', `Media negotiation refused: ${ack.error.message}`);
        return;
      }
      await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    } catch (error) {
      if (attempt !== this.negotiation) return;
      this.close();
      this.recovery.onNegotiationError((error as Error).message);
    }
  }

  /** Sends `track` instead of the current camera track, without renegotiating. */
  async replaceVideoTrack(track: MediaStreamTrack | undefined): Promise<void> {
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === 'video' || s.track === null);
    if (track && sender) await sender.replaceTrack(track);
  }

  /** Closes the peer connection and its hit channel (announcing the channel closed if it was open). */
  close(): void {
    this.recovery.cancel();
    const pc = this.pc;
    this.pc = null;
    const channel = this.hits.release();
    if (pc) pc.close();
    if (channel?.readyState === 'open') this.state.events.emit('hitChannel', false);
  }
}
