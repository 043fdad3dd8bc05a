/**
 * A browser stand-in for engine tests: a real werift peer connection that offers a sendonly
 * VP8 camera and a recvonly Opus audio transceiver over the engine's real socket.io
 * signaling, sends pre-encoded VP8 frames as RTP, and collects the audio it receives.
 */
import type { Ack, PluginInfo, SessionReady } from '@bambam/protocol';
import { ClientEvent, ServerEvent } from '@bambam/protocol';
import { io, type Socket } from 'socket.io-client';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  RtpHeader,
  RtpPacket,
  type RtpPacket as RtpPacketType,
  useOPUS,
  useVP8,
} from 'werift';
import type { EngineTelemetry } from '../session/frame-telemetry.ts';
import { packetizeVp8, type Vp8Frame } from './vp8.ts';

export interface TestClientOptions {
  /** Engine URL, e.g. `http://127.0.0.1:40000`. */
  readonly url: string;
}

export class TestClient {
  readonly socket: Socket;
  readonly telemetry: EngineTelemetry[] = [];
  readonly audioPackets: { arrivalMs: number; packet: RtpPacketType }[] = [];
  readonly errors: unknown[] = [];
  readonly consoleEntries: unknown[] = [];
  pc: RTCPeerConnection | undefined;
  private readonly video = new MediaStreamTrack({ kind: 'video' });
  private seq = 1000;
  private timestamp = 90_000;
  private ready: Promise<SessionReady>;

  constructor(options: TestClientOptions) {
    this.socket = io(options.url, { transports: ['websocket'], reconnection: false, forceNew: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once(ServerEvent.Ready, resolve);
      this.socket.once('connect_error', reject);
    });
    this.socket.on(ServerEvent.Telemetry, (t: EngineTelemetry) => this.telemetry.push(t));
    this.socket.on(ServerEvent.Error, (e: unknown) => this.errors.push(e));
    this.socket.on(ServerEvent.Console, (e: unknown) => this.consoleEntries.push(e));
  }

  /** Resolves with `session:ready`. */
  whenReady(): Promise<SessionReady> {
    return this.ready;
  }

  /** Emits a request and resolves with its ack. */
  request<T extends object = object>(event: string, payload: unknown, timeoutMs = 20_000): Promise<Ack<T>> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
  }

  /** Creates the peer connection, sends the offer and applies the answer. */
  async connect(options: { mungeOffer?: (sdp: string) => string } = {}): Promise<Ack<{ sdp: string }>> {
    const pc = new RTCPeerConnection({
      codecs: { video: [useVP8()], audio: [useOPUS()] },
      // werift as offerer leaks the second (pre-bundle) ICE socket on close unless max-bundle.
      bundlePolicy: 'max-bundle',
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
    });
    this.pc = pc;
    pc.addTransceiver(this.video, { direction: 'sendonly' });
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    audio.onTrack.subscribe((track) => {
      track.onReceiveRtp.subscribe((packet) =>
        this.audioPackets.push({ arrivalMs: performance.now(), packet }),
      );
    });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      else pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
    });
    const sdp = options.mungeOffer ? options.mungeOffer(pc.localDescription!.sdp) : pc.localDescription!.sdp;
    const ack = await this.request<{ sdp: string }>(ClientEvent.Offer, { sdp });
    if (ack.ok) await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    return ack;
  }

  /** Resolves when the peer connection is connected. */
  async connected(timeoutMs = 10_000): Promise<void> {
    const pc = this.pc!;
    if (pc.connectionState === 'connected') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not connected after ${timeoutMs} ms`)), timeoutMs);
      pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** Sends one VP8 frame as RTP (90 kHz timestamps advancing 1/30 s per frame). */
  sendFrame(frame: Vp8Frame, options: { paddingBefore?: number } = {}): void {
    for (let i = 0; i < (options.paddingBefore ?? 0); i++) {
      this.writeRtp({
        sequenceNumber: this.seq++ & 0xffff,
        timestamp: this.timestamp,
        marker: false,
        payload: new Uint8Array(0),
      });
    }
    const packets = packetizeVp8(frame.data, this.seq, this.timestamp);
    this.seq += packets.length;
    this.timestamp += 3000;
    for (const p of packets) this.writeRtp(p);
  }

  private writeRtp(p: {
    sequenceNumber: number;
    timestamp: number;
    marker: boolean;
    payload: Uint8Array;
  }): void {
    const header = new RtpHeader({
      payloadType: 96,
      sequenceNumber: p.sequenceNumber,
      timestamp: p.timestamp,
      marker: p.marker,
    });
    this.video.writeRtp(new RtpPacket(header, Buffer.from(p.payload)));
  }

  /** Streams frames at `fps` (looping) until `durationMs` passed. */
  async stream(frames: readonly Vp8Frame[], durationMs: number, fps = 30): Promise<number> {
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < durationMs) {
      this.sendFrame(frames[sent % frames.length]!);
      sent++;
      const due = start + (sent * 1000) / fps;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    }
    return sent;
  }

  async plugin(): Promise<PluginInfo> {
    return (await this.whenReady()).plugin;
  }

  async close(): Promise<void> {
    this.socket.disconnect();
    await this.pc?.close();
  }
}
