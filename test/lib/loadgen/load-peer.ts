/**
 * A light load generator for the engine: one socket.io client plus one werift peer (a real
 * WebRTC stack) per session, replaying a pre-encoded VP8 clip ({@link EncodedClip}) at its
 * frame rate on absolute deadlines and receiving the engine's Opus audio. Many sessions fit in
 * one process at a tiny fraction of what N Chromium cameras would cost (encoding is done once).
 *
 * ```ts
 * const clip = await encodeClipVp8(clipPath);
 * const peer = await LoadPeer.connect({ engineUrl: engine.url, clip });
 * // … peer.telemetry, peer.audioPackets …
 * await peer.dispose();
 * ```
 */
import { io, type Socket } from 'socket.io-client';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useNACK,
  usePLI,
  useSdesMid,
  Vp8Packetizer,
} from 'werift';
import type { ReceivedTelemetry } from '../client.ts';
import type { EncodedClip } from './vp8-clip.ts';

export interface LoadPeerOptions {
  readonly engineUrl: string;
  readonly clip: EncodedClip;
  /** Timeout of each connection step, ms. Default 15 000. */
  readonly timeoutMs?: number;
  /** Keep at most this many telemetry messages. Default 10 000. */
  readonly maxTelemetry?: number;
  /** RTP payload size limit, bytes. Default 1100. */
  readonly maxPayloadSize?: number;
}

/** When a frame of the clip was sent, by its RTP timestamp. */
export interface SentClipFrame {
  readonly rtpTimestamp: number;
  /** Index in the clip (0 … frames-1). */
  readonly index: number;
  /** Wall-clock ms at which its packets were handed to the peer connection. */
  readonly sentAt: number;
}

const VP8 = () =>
  new RTCRtpCodecParameters({
    mimeType: 'video/VP8',
    clockRate: 90_000,
    payloadType: 96,
    rtcpFeedback: [useNACK(), usePLI()],
  });
const OPUS = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48_000, channels: 2, payloadType: 111 });

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The engine refused the session (`engine-full`: all its seats are taken), in its words. */
export class SessionRefusedError extends Error {
  override name = 'SessionRefusedError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class LoadPeer {
  readonly socket: Socket;
  readonly pc: RTCPeerConnection;
  readonly sessionId: string;
  /** Telemetry messages with `pageReceivedAt` (this process's wall clock) added. */
  readonly telemetry: ReceivedTelemetry[] = [];
  /** Other engine events (console, session:error…). */
  readonly events: { name: string; data: unknown; at: number }[] = [];
  /** Recent sent frames (the last 2000). */
  readonly sent: SentClipFrame[] = [];
  audioPackets = 0;
  audioFirstAt: number | undefined;
  audioLastAt: number | undefined;
  keyframeRequests = 0;
  framesSent = 0;
  /** Frames sent later than 10 ms after their deadline (the load generator itself fell behind). */
  framesLate = 0;

  private readonly clip: EncodedClip;
  private readonly track = new MediaStreamTrack({ kind: 'video' });
  private readonly packetizer: Vp8Packetizer;
  private readonly maxTelemetry: number;
  private timer: NodeJS.Timeout | undefined;
  private keyframeWanted = false;
  private disposed = false;
  private startedAt = 0;
  private rtpBase = Math.floor(Math.random() * 2 ** 31);

  private constructor(socket: Socket, pc: RTCPeerConnection, sessionId: string, options: LoadPeerOptions) {
    this.socket = socket;
    this.pc = pc;
    this.sessionId = sessionId;
    this.clip = options.clip;
    this.maxTelemetry = options.maxTelemetry ?? 10_000;
    this.packetizer = new Vp8Packetizer({ maxPayloadSize: options.maxPayloadSize ?? 1100, payloadType: 96 });
  }

  /**
   * Connects a session and starts sending the clip in a loop. Rejects with
   * {@link SessionRefusedError} when the engine has no seat for it.
   */
  static async connect(options: LoadPeerOptions): Promise<LoadPeer> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const socket = io(options.engineUrl, { transports: ['websocket'], reconnection: false, forceNew: true });
    const pc = new RTCPeerConnection({
      // One transport from the start: as the offerer, werift otherwise gathers a second ICE
      // transport for the audio section, and never closes its UDP socket once BUNDLE drops it.
      bundlePolicy: 'max-bundle',
      iceServers: [],
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      codecs: { video: [VP8()], audio: [OPUS()] },
      // No transport-cc (see notes/media.md): only the mid extension for BUNDLE.
      headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    });
    try {
      const ready = await withTimeout(
        new Promise<{ sessionId: string }>((resolve, reject) => {
          socket.once('session:ready', resolve);
          socket.once('connect_error', (e) => reject(new Error(`socket.io: ${e.message}`)));
          socket.on('session:error', (e: { code: string; message: string }) => {
            if (e.code === 'engine-full') reject(new SessionRefusedError(e.code, e.message));
          });
        }),
        timeoutMs,
        'session:ready',
      );
      const peer = new LoadPeer(socket, pc, ready.sessionId, options);
      await peer.negotiate(timeoutMs);
      peer.startSending();
      return peer;
    } catch (error) {
      pc.close().catch(() => {});
      socket.disconnect();
      throw error;
    }
  }

  private async negotiate(timeoutMs: number): Promise<void> {
    const { socket, pc } = this;
    socket.on('telemetry', (m: Omit<ReceivedTelemetry, 'pageReceivedAt'>) => {
      this.telemetry.push({ ...m, pageReceivedAt: Date.now() });
      if (this.telemetry.length > this.maxTelemetry)
        this.telemetry.splice(0, this.telemetry.length - this.maxTelemetry);
    });
    for (const name of ['console', 'session:error', 'plugin:changed']) {
      socket.on(name, (data: unknown) => {
        if (this.events.length < 1000) this.events.push({ name, data, at: Date.now() });
      });
    }
    const video = pc.addTransceiver(this.track, { direction: 'sendonly' });
    video.sender.onPictureLossIndication.subscribe(() => {
      this.keyframeRequests++;
      this.keyframeWanted = true;
    });
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    audio.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe(() => {
        const now = Date.now();
        this.audioFirstAt ??= now;
        this.audioLastAt = now;
        this.audioPackets++;
      });
    });

    await pc.setLocalDescription(await pc.createOffer());
    if (pc.iceGatheringState !== 'complete') {
      await withTimeout(
        new Promise<void>((resolve) => {
          pc.iceGatheringStateChange.subscribe((state) => {
            if (state === 'complete') resolve();
          });
        }),
        timeoutMs,
        'ICE gathering',
      );
    }
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new Error('no local description');
    const ack = (await socket.timeout(timeoutMs).emitWithAck('webrtc:offer', { sdp })) as
      | { ok: true; sdp: string }
      | { ok: false; error: { code: string; message: string } };
    if (!ack.ok) throw new Error(`offer refused: ${ack.error.code}: ${ack.error.message}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    if (pc.connectionState !== 'connected') {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          pc.connectionStateChange.subscribe((state) => {
            if (state === 'connected') resolve();
            if (state === 'failed' || state === 'closed') reject(new Error(`peer connection ${state}`));
          });
        }),
        timeoutMs,
        'peer connection',
      );
    }
  }

  /** Sends frame k at startedAt + k/fps (absolute deadlines: a late tick does not shift later frames). */
  private startSending(): void {
    const interval = 1000 / this.clip.fps;
    this.startedAt = performance.now();
    let k = 0;
    const tick = () => {
      if (this.disposed) return;
      const now = performance.now();
      // After a stall, skip the frames whose time has passed (as a camera would) but keep the clock.
      const due = Math.floor((now - this.startedAt) / interval);
      if (due > k) {
        if (now - (this.startedAt + k * interval) > 10) this.framesLate++;
        k = due;
      }
      this.sendFrame(k);
      k++;
      this.timer = setTimeout(tick, Math.max(0, this.startedAt + k * interval - performance.now()));
    };
    tick();
  }

  private sendFrame(k: number): void {
    const index = k % this.clip.frames.length;
    const frame =
      this.keyframeWanted && !this.clip.frames[index].keyframe
        ? this.clip.keyframes[index]
        : this.clip.frames[index];
    if (frame.keyframe) this.keyframeWanted = false;
    const rtpTimestamp = (this.rtpBase + Math.round((k * 90_000) / this.clip.fps)) >>> 0;
    for (const packet of this.packetizer.packetize(frame.data, rtpTimestamp)) this.track.writeRtp(packet);
    this.framesSent++;
    this.sent.push({ rtpTimestamp, index, sentAt: Date.now() });
    if (this.sent.length > 2000) this.sent.splice(0, this.sent.length - 2000);
  }

  /** Stops sending, closes the peer connection and the socket. Safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    this.track.stop();
    await this.pc.close().catch(() => {});
    this.socket.disconnect();
  }
}
