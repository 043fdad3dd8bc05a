/**
 * Opus packets → RTP on the peer connection's audio track. The RTP timestamp comes from the
 * audio clock's frame index (frame k ↔ k × samples per frame), so a frame sent early or a gap after
 * a stall keeps the browser's playout timeline exact; sequence numbers count packets sent.
 */

import { FRAME_SAMPLES } from '@bambam/runtime';
import { MediaStreamTrack, RtpHeader, RtpPacket } from 'werift';
import type { Stage } from '../pipeline/stage.ts';

/** One Opus packet of the audio clock's frame `frameIndex`. */
export interface OpusPacket {
  readonly opus: Uint8Array;
  readonly frameIndex: number;
}

export interface AudioRtpSenderStats {
  readonly packetsSent: number;
  readonly bytesSent: number;
}

/** Never falls behind: writing RTP is synchronous and cheap; the clock before it paces it. */
export class AudioRtpSender implements Stage<OpusPacket, never, AudioRtpSenderStats> {
  readonly track: MediaStreamTrack;
  private sequence = Math.floor(Math.random() * 65536);
  private readonly timestampBase = Math.floor(Math.random() * 2 ** 31);
  private started = false;
  private disposed = false;
  private readonly frameSamples: number;
  private packetsSent = 0;
  private bytesSent = 0;

  /** `frameSamples`: samples per channel in one frame (960 = 20 ms at 48 kHz). */
  constructor(frameSamples: number = FRAME_SAMPLES) {
    this.track = new MediaStreamTrack({ kind: 'audio' });
    this.frameSamples = frameSamples;
  }

  /** Sends one Opus packet for clock frame `frameIndex`. */
  push({ opus, frameIndex }: OpusPacket): void {
    if (this.disposed) return;
    const header = new RtpHeader({
      payloadType: 111, // rewritten by werift to the negotiated Opus payload type
      sequenceNumber: this.sequence,
      timestamp: (this.timestampBase + frameIndex * this.frameSamples) >>> 0,
      marker: !this.started,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    this.started = true;
    this.track.writeRtp(new RtpPacket(header, Buffer.from(opus.buffer, opus.byteOffset, opus.byteLength)));
    this.packetsSent++;
    this.bytesSent += opus.byteLength;
  }

  stats(): AudioRtpSenderStats {
    return { packetsSent: this.packetsSent, bytesSent: this.bytesSent };
  }

  dispose(): void {
    this.disposed = true;
    this.track.stop();
  }
}
