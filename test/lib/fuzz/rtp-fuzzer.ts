/**
 * A hostile WebRTC peer: a real werift connection to the engine (socket.io signaling, offer,
 * ICE, DTLS, SRTP) that sends garbage video RTP — random payloads, wrong payload types,
 * truncated, duplicated and reordered packets of real VP8 frames, and keyframes with bytes
 * flipped. Everything it does is decided by a seeded PRNG, so a seed replays the same abuse.
 */
import { io, type Socket } from 'socket.io-client';
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket, useOPUS, useVP8 } from 'werift';
import type { EncodedClip } from '../loadgen/vp8-clip.ts';

export interface RtpFuzzStats {
  packets: number;
  byKind: Record<string, number>;
}

export class RtpFuzzer {
  readonly socket: Socket;
  readonly pc: RTCPeerConnection;
  readonly stats: RtpFuzzStats = { packets: 0, byKind: {} };
  private readonly track = new MediaStreamTrack({ kind: 'video' });
  private seq = 0;
  private timestamp = 0;

  private constructor(socket: Socket, pc: RTCPeerConnection) {
    this.socket = socket;
    this.pc = pc;
  }

  static async connect(url: string): Promise<RtpFuzzer> {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise((resolve, reject) => {
      socket.once('session:ready', resolve);
      socket.once('connect_error', reject);
      socket.once('session:error', (e: unknown) => reject(new Error(`refused: ${JSON.stringify(e)}`)));
    });
    const pc = new RTCPeerConnection({
      codecs: { video: [useVP8()], audio: [useOPUS()] },
      bundlePolicy: 'max-bundle',
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
    });
    const fuzzer = new RtpFuzzer(socket, pc);
    pc.addTransceiver(fuzzer.track, { direction: 'sendonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      else pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve());
    });
    const ack = (await socket
      .timeout(20_000)
      .emitWithAck('webrtc:offer', { sdp: pc.localDescription!.sdp })) as {
      ok: boolean;
      sdp?: string;
    };
    if (!ack.ok || !ack.sdp) throw new Error(`offer refused: ${JSON.stringify(ack)}`);
    await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fuzz peer not connected in 20 s')), 20_000);
      if (pc.connectionState === 'connected') resolve();
      pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return fuzzer;
  }

  private send(
    kind: string,
    payload: Uint8Array,
    options: { pt?: number; marker?: boolean; seq?: number } = {},
  ) {
    const header = new RtpHeader({
      payloadType: options.pt ?? 96,
      sequenceNumber: options.seq ?? this.seq++ & 0xffff,
      timestamp: this.timestamp >>> 0,
      marker: options.marker ?? false,
    });
    this.track.writeRtp(new RtpPacket(header, Buffer.from(payload)));
    this.stats.packets++;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
  }

  /** One burst of abuse (one "frame" worth), chosen by `random`. */
  burst(random: () => number, clip: EncodedClip): void {
    this.timestamp += 3000;
    const pick = Math.floor(random() * 6);
    const frame = clip.frames[Math.floor(random() * clip.frames.length)]!.data;
    const chunks = (data: Uint8Array) => {
      const out: Uint8Array[] = [];
      for (let i = 0; i < data.length; i += 1000) {
        const body = data.subarray(i, i + 1000);
        const descriptor = new Uint8Array([i === 0 ? 0x10 : 0x00]); // VP8 payload descriptor: S bit on the first
        const packet = new Uint8Array(1 + body.length);
        packet.set(descriptor);
        packet.set(body, 1);
        out.push(packet);
      }
      return out;
    };
    const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    switch (pick) {
      case 0: // random payloads, random markers
        for (let i = 0, n = 1 + Math.floor(random() * 5); i < n; i++)
          this.send('random', randomBytes(Math.floor(random() * 1200)), { marker: random() < 0.5 });
        break;
      case 1: // a wrong payload type
        this.send('wrong-pt', randomBytes(200), {
          pt: [0, 8, 97, 100, 111, 127][Math.floor(random() * 6)]!,
          marker: true,
        });
        break;
      case 2: {
        // a real frame truncated
        const packets = chunks(frame);
        for (const [i, p] of packets.entries())
          this.send('truncated', p.subarray(0, Math.max(1, Math.floor(p.length * random()))), {
            marker: i === packets.length - 1,
          });
        break;
      }
      case 3: {
        // a real frame, packets duplicated and reordered
        const packets = chunks(frame).map((p, i, all) => ({
          p,
          seq: this.seq + i,
          marker: i === all.length - 1,
        }));
        this.seq += packets.length;
        const shuffled = [...packets, ...packets.filter(() => random() < 0.3)];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        for (const { p, seq, marker } of shuffled) this.send('reordered', p, { seq: seq & 0xffff, marker });
        break;
      }
      case 4: {
        // a keyframe with bytes flipped (header and body)
        const key = Uint8Array.from((clip.keyframes[0] ?? clip.frames[0]!).data);
        for (let i = 0, n = 1 + Math.floor(random() * 20); i < n; i++)
          key[Math.floor(random() * key.length)] ^= 1 + Math.floor(random() * 255);
        const packets = chunks(key);
        for (const [i, p] of packets.entries())
          this.send('corrupt-keyframe', p, { marker: i === packets.length - 1 });
        break;
      }
      default: // a sequence-number jump
        this.seq += Math.floor(random() * 30_000);
        this.send('seq-jump', randomBytes(50), { marker: true });
    }
  }

  async close(): Promise<void> {
    this.socket.disconnect();
    await this.pc.close();
  }
}
