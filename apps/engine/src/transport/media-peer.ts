/**
 * One browser's WebRTC peer connection (werift 0.25.2): receives its camera (VP8 preferred,
 * H.264 accepted) and sends the instrument's Opus audio on the offer's audio transceiver.
 * Non-trickle: the answer carries every candidate.
 *
 * - NACK: werift's receiver NACKs gaps itself when `nack` is negotiated; PLI via
 *   {@link MediaPeer.requestKeyframe}, throttled (one request per `keyframeIntervalMs`).
 * - transport-cc is never negotiated (stripped from the offer and answer: notes), and the
 *   answer carries x-google-*-bitrate hints.
 * - A peer that does not reach `connected` within `iceTimeoutMs` fails (`onFailed`).
 * - Data channels the browser opens (the studio's hit channel, negotiated in its offer's
 *   `m=application` section) are handed to `onDataChannel`; without it they are closed.
 */
import {
  type MediaStreamTrack,
  type RTCDataChannel,
  RTCPeerConnection,
  type RtpPacket,
  useH264,
  useNACK,
  useOPUS,
  usePLI,
  useVP8,
} from 'werift';
import type { EngineConfig } from '../config.ts';
import type { RtpInput } from '../ingest/frame-assembler.ts';
import type { Counted } from '../pipeline/stage.ts';
import { useCertificateCache } from './certificate-cache.ts';
import { useNativeX25519 } from './native-x25519.ts';
import { addBitrateHints, inspectOffer, SdpError, stripTransportCc, type VideoCodecName } from './sdp.ts';

// DTLS key exchange off werift's pure-JS curve, and its certificate parsed once, not per use:
// a joining player no longer stalls the audio clock of those already playing.
useNativeX25519();
useCertificateCache();

/** Defaults of {@link MediaPeer}. */
export const DEFAULT_MEDIA_PEER_OPTIONS = Object.freeze({
  /** At most one keyframe request (PLI) this often, ms. */
  keyframeIntervalMs: 250,
});

export interface MediaPeerStats {
  /** PLI requests sent. */
  readonly keyframeRequests: number;
}

export type PeerIceConfig = Pick<
  EngineConfig,
  | 'iceServers'
  | 'loopbackOnly'
  | 'iceAdditionalHostAddresses'
  | 'icePortRange'
  | 'iceTimeoutMs'
  | 'videoBitrateKbps'
>;

export interface MediaPeerOptions {
  readonly ice: PeerIceConfig;
  /** The track the session's audio is written to. */
  readonly audioTrack: MediaStreamTrack;
  readonly onVideoPacket: (packet: RtpInput) => void;
  /** ICE/DTLS failed, closed by the remote, or never connected within the timeout. */
  readonly onFailed: (reason: string) => void;
  readonly onConnected?: () => void;
  /** A data channel the browser opened (e.g. the hit channel for direct monitoring). */
  readonly onDataChannel?: (channel: RTCDataChannel) => void;
  /** Default {@link DEFAULT_MEDIA_PEER_OPTIONS}. */
  readonly keyframeIntervalMs?: number;
}

export class MediaPeer implements Counted<MediaPeerStats> {
  readonly videoCodec: VideoCodecName;
  private keyframeRequests = 0;
  private readonly pc: RTCPeerConnection;
  private readonly options: MediaPeerOptions;
  private videoSsrc: number | undefined;
  private lastKeyframeRequest = Number.NEGATIVE_INFINITY;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private connected = false;
  private closed = false;

  private constructor(pc: RTCPeerConnection, videoCodec: VideoCodecName, options: MediaPeerOptions) {
    this.pc = pc;
    this.videoCodec = videoCodec;
    this.options = options;
  }

  /**
   * Answers a browser's complete offer. Throws {@link SdpError} (code `unsupported-codec` or
   * `bad-request`) when the offer cannot be served; nothing is left open then.
   */
  static async answer(
    offerSdp: string,
    options: MediaPeerOptions,
  ): Promise<{ peer: MediaPeer; sdp: string }> {
    const { videoCodec } = inspectOffer(offerSdp);
    const feedback = [useNACK(), usePLI()];
    const video =
      videoCodec === 'VP8'
        ? useVP8({ rtcpFeedback: feedback })
        : useH264({
            rtcpFeedback: feedback,
            parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
          });
    const { ice } = options;
    const pc = new RTCPeerConnection({
      codecs: { video: [video], audio: [useOPUS()] },
      headerExtensions: { video: [], audio: [] },
      iceServers: ice.iceServers.map((s) => ({ ...s, urls: Array.isArray(s.urls) ? s.urls[0]! : s.urls })),
      ...(ice.loopbackOnly
        ? {
            iceUseIpv4: false,
            iceUseIpv6: false,
            iceAdditionalHostAddresses: ['127.0.0.1', ...ice.iceAdditionalHostAddresses],
            iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
          }
        : { iceAdditionalHostAddresses: [...ice.iceAdditionalHostAddresses] }),
      ...(ice.icePortRange
        ? { icePortRange: [ice.icePortRange[0], ice.icePortRange[1]] as [number, number] }
        : {}),
    });
    const peer = new MediaPeer(pc, videoCodec, options);
    try {
      return { peer, sdp: await peer.negotiate(offerSdp) };
    } catch (error) {
      peer.dispose();
      if (error instanceof SdpError) throw error;
      throw new SdpError('bad-request', `The offer could not be applied: ${(error as Error).message}`);
    }
  }

  /** Asks the browser for a keyframe (PLI), at most once per `keyframeIntervalMs`. */
  requestKeyframe(): boolean {
    const now = performance.now();
    if (this.closed || this.videoSsrc === undefined) return false;
    const interval = this.options.keyframeIntervalMs ?? DEFAULT_MEDIA_PEER_OPTIONS.keyframeIntervalMs;
    if (now - this.lastKeyframeRequest < interval) return false;
    this.lastKeyframeRequest = now;
    this.keyframeRequests++;
    const transceiver = this.pc.getTransceivers().find((t) => t.kind === 'video');
    transceiver?.receiver.sendRtcpPLI(this.videoSsrc).catch(() => {});
    return true;
  }

  stats(): MediaPeerStats {
    return { keyframeRequests: this.keyframeRequests };
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Local UDP ports this peer listens on (tests send garbage to them). */
  localPorts(): number[] {
    const sdp = this.pc.localDescription?.sdp ?? '';
    return [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+)/gim)].map((m) => Number(m[1]));
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timeout);
    this.pc.close().catch(() => {});
  }

  private async negotiate(offerSdp: string): Promise<string> {
    const pc = this.pc;
    pc.onTrack.subscribe((track) => {
      if (track.kind !== 'video') return;
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        if (this.closed) return;
        this.videoSsrc = rtp.header.ssrc;
        this.options.onVideoPacket({
          sequenceNumber: rtp.header.sequenceNumber,
          timestamp: rtp.header.timestamp,
          marker: rtp.header.marker,
          payload: rtp.payload,
          arrivalMs: performance.now(),
        });
      });
    });
    pc.onDataChannel.subscribe((channel) => {
      if (this.closed || !this.options.onDataChannel) channel.close();
      else this.options.onDataChannel(channel);
    });
    pc.connectionStateChange.subscribe((state) => {
      if (this.closed) return;
      if (state === 'connected') {
        this.connected = true;
        clearTimeout(this.timeout);
        this.options.onConnected?.();
      } else if (state === 'failed' || state === 'closed') {
        this.options.onFailed(`WebRTC connection ${state}`);
      }
    });
    await pc.setRemoteDescription({ type: 'offer', sdp: stripTransportCc(offerSdp) });
    pc.addTrack(this.options.audioTrack);
    const audio = pc.getTransceivers().find((t) => t.kind === 'audio');
    if (!audio || audio.sender.track !== this.options.audioTrack) {
      throw new SdpError('bad-request', 'The offer has no audio transceiver the engine can send on.');
    }
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await this.gatheringComplete();
    this.timeout = setTimeout(() => {
      if (!this.connected && !this.closed) {
        this.options.onFailed(`ICE did not connect within ${this.options.ice.iceTimeoutMs} ms`);
      }
    }, this.options.ice.iceTimeoutMs);
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new Error('werift produced no local description');
    return addBitrateHints(stripTransportCc(sdp), this.options.ice.videoBitrateKbps);
  }

  private gatheringComplete(): Promise<void> {
    if (this.pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const { unSubscribe } = this.pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          unSubscribe();
          resolve();
        }
      });
    });
  }
}
