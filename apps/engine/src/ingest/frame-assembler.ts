/**
 * RTP packets → encoded video frames: the engine's jitter buffer and depacketizer.
 *
 * Packets are held by extended sequence number until a frame is contiguous from the previous
 * frame's end to a marker packet, so reordering costs no fixed delay. Padding-only packets
 * (empty payload: Chromium's bandwidth probes) are dropped and their sequence numbers skipped,
 * never treated as a gap (notes: fed to a depacketizer they silently corrupted the next frame).
 *
 * Falling behind / loss: a gap not filled within `lossTimeoutMs` (NACK retransmissions usually
 * arrive within an RTT), a corrupt payload, or an overflowing buffer drops the broken frame(s),
 * counts them, asks for a keyframe (`onKeyframeNeeded`, throttled by the caller) and resumes
 * at the next keyframe start: a decoder fed frames with missing references would only emit
 * garbage.
 */
import type { Stage } from '../pipeline/stage.ts';
import { type PacketPayload, PayloadError, type PayloadReader } from './payload.ts';

/** Defaults of {@link FrameAssembler}. */
export const DEFAULT_FRAME_ASSEMBLER_OPTIONS = Object.freeze({
  /** Most packets held at once (≈ 1 MB of 1100-byte payloads). */
  maxPackets: 1024,
  /** Largest frame accepted, bytes. */
  maxFrameBytes: 4_000_000,
  /**
   * A gap open this long counts as lost. A NACK's retransmission takes a round trip plus the
   * sender's reaction; with 30 ± 30 ms of jitter each way that is often over 120 ms, and giving
   * up early costs far more (a keyframe request, then every frame dropped until the keyframe
   * arrives: 250–550 ms measured by test/netem.test.ts).
   */
  lossTimeoutMs: 250,
});

/** One received RTP packet, as the assembler needs it. */
export interface RtpInput {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly marker: boolean;
  /** Payload without RTP padding; empty for padding-only packets. */
  readonly payload: Uint8Array;
  /** `performance.now()` when it arrived. */
  readonly arrivalMs: number;
}

/** One complete encoded frame. */
export interface EncodedFrame {
  readonly data: Uint8Array;
  readonly keyframe: boolean;
  readonly rtpTimestamp: number;
  /** Arrival of the frame's last packet (`performance.now()`): the start of the engine's latency. */
  readonly lastPacketArrivalMs: number;
  readonly packets: number;
}

export interface FrameAssemblerOptions {
  readonly reader: PayloadReader;
  /** Most packets held at once; beyond it everything is dropped and a keyframe requested. Default {@link DEFAULT_FRAME_ASSEMBLER_OPTIONS}. */
  readonly maxPackets?: number;
  /** Largest frame accepted (bytes); larger ones are dropped as oversized. Default {@link DEFAULT_FRAME_ASSEMBLER_OPTIONS}. */
  readonly maxFrameBytes?: number;
  /** How long a sequence gap may stay open before the frame counts as lost. Default {@link DEFAULT_FRAME_ASSEMBLER_OPTIONS}. */
  readonly lossTimeoutMs?: number;
  /** Called when decoding cannot continue without a keyframe. */
  readonly onKeyframeNeeded?: () => void;
}

export interface AssemblerStats {
  readonly packets: number;
  readonly padding: number;
  /** Duplicates and packets older than the frame being assembled. */
  readonly late: number;
  readonly corrupt: number;
  readonly frames: number;
  readonly lost: number;
  readonly oversized: number;
  /** Frames skipped while waiting for a keyframe. */
  readonly waitingForKeyframe: number;
}

interface Held {
  readonly input: RtpInput;
  readonly parsed: PacketPayload;
}

export class FrameAssembler implements Stage<RtpInput, EncodedFrame, AssemblerStats> {
  private readonly counts: { -readonly [K in keyof AssemblerStats]: number } = {
    packets: 0,
    padding: 0,
    late: 0,
    corrupt: 0,
    frames: 0,
    lost: 0,
    oversized: 0,
    waitingForKeyframe: 0,
  };
  private readonly reader: PayloadReader;
  private readonly maxPackets: number;
  private readonly maxFrameBytes: number;
  private readonly lossTimeoutMs: number;
  private readonly onKeyframeNeeded: () => void;
  private readonly held = new Map<number, Held>();
  private readonly padding = new Set<number>();
  private readonly broken = new Set<number>();
  private highest: number | undefined;
  /** Extended sequence number where the next frame starts; undefined while waiting for a keyframe. */
  private next: number | undefined;

  constructor(options: FrameAssemblerOptions) {
    this.reader = options.reader;
    const defaults = DEFAULT_FRAME_ASSEMBLER_OPTIONS;
    this.maxPackets = options.maxPackets ?? defaults.maxPackets;
    this.maxFrameBytes = options.maxFrameBytes ?? defaults.maxFrameBytes;
    this.lossTimeoutMs = options.lossTimeoutMs ?? defaults.lossTimeoutMs;
    this.onKeyframeNeeded = options.onKeyframeNeeded ?? (() => {});
  }

  /** Adds one packet; returns the frames it completed (usually 0 or 1). */
  push(packet: RtpInput): EncodedFrame[] {
    this.counts.packets++;
    const ext = this.extend(packet.sequenceNumber);
    if ((this.next !== undefined && ext < this.next) || this.held.has(ext) || this.padding.has(ext)) {
      this.counts.late++;
      return [];
    }
    if (packet.payload.length === 0) {
      this.counts.padding++;
      this.padding.add(ext);
    } else {
      try {
        this.held.set(ext, { input: packet, parsed: this.reader.read(packet.payload) });
      } catch (error) {
        if (!(error instanceof PayloadError)) throw error;
        this.counts.corrupt++;
        this.broken.add(ext);
      }
    }
    if (this.held.size + this.padding.size + this.broken.size > this.maxPackets) {
      this.counts.lost++;
      this.resync(Number.POSITIVE_INFINITY);
      return [];
    }
    return this.drain(packet.arrivalMs);
  }

  stats(): AssemblerStats {
    return { ...this.counts };
  }

  /** Forgets everything (e.g. the sender restarted); the next frame must be a keyframe. */
  reset(): void {
    this.held.clear();
    this.padding.clear();
    this.broken.clear();
    this.highest = undefined;
    this.next = undefined;
  }

  dispose(): void {
    this.reset();
  }

  private extend(seq: number): number {
    if (this.highest === undefined) {
      this.highest = seq + 65536; // room below for reordering at the start
      return this.highest;
    }
    const delta = ((seq - (this.highest & 0xffff) + 32768) & 0xffff) - 32768;
    const ext = this.highest + delta;
    if (delta > 0) this.highest = ext;
    return ext;
  }

  private drain(now: number): EncodedFrame[] {
    const out: EncodedFrame[] = [];
    for (;;) {
      if (this.next === undefined && !this.findKeyframeStart()) break;
      const parts: Held[] = [];
      let end = -1;
      let gap = -1;
      let timestamp: number | undefined;
      for (let s = this.next!; ; s++) {
        if (this.padding.has(s)) {
          if (parts.length === 0) {
            this.padding.delete(s);
            this.next = s + 1;
          }
          continue;
        }
        const held = this.held.get(s);
        if (!held) {
          gap = s;
          break;
        }
        if (timestamp !== undefined && held.input.timestamp !== timestamp) {
          end = s - 1; // the marker packet was lost or never set: the timestamp changed
          break;
        }
        timestamp = held.input.timestamp;
        parts.push(held);
        if (held.input.marker) {
          end = s;
          break;
        }
      }
      if (end >= 0) {
        this.release(end);
        const frame = this.build(parts);
        if (frame) out.push(frame);
        continue;
      }
      if (this.isLost(gap, now)) {
        this.counts.lost++;
        this.resync(gap);
        continue;
      }
      break;
    }
    return out;
  }

  private isLost(gap: number, now: number): boolean {
    if (this.broken.has(gap)) return true;
    for (const [seq, held] of this.held) {
      if (seq > gap && now - held.input.arrivalMs >= this.lossTimeoutMs) return true;
    }
    return false;
  }

  /** Drops everything below `before` and waits for a keyframe. */
  private resync(before: number): void {
    for (const seq of this.held.keys()) if (seq < before) this.held.delete(seq);
    for (const seq of this.padding) if (seq < before) this.padding.delete(seq);
    for (const seq of this.broken) if (seq <= before) this.broken.delete(seq);
    this.next = undefined;
    this.onKeyframeNeeded();
  }

  private findKeyframeStart(): boolean {
    let best: number | undefined;
    for (const [seq, held] of this.held) {
      if (!held.parsed.keyframeStart || (best !== undefined && seq > best)) continue;
      const previous = this.held.get(seq - 1);
      if (previous && previous.input.timestamp === held.input.timestamp && !previous.input.marker) continue;
      best = seq;
    }
    if (best === undefined) {
      if (this.held.size > 0) this.onKeyframeNeeded();
      return false;
    }
    const skipped = new Set<number>();
    for (const [seq, held] of this.held) {
      if (seq < best) {
        skipped.add(held.input.timestamp);
        this.held.delete(seq);
      }
    }
    this.counts.waitingForKeyframe += skipped.size;
    for (const seq of this.padding) if (seq < best) this.padding.delete(seq);
    for (const seq of this.broken) if (seq < best) this.broken.delete(seq);
    this.next = best;
    return true;
  }

  private release(end: number): void {
    for (let s = this.next!; s <= end; s++) {
      this.held.delete(s);
      this.padding.delete(s);
    }
    this.next = end + 1;
  }

  private build(parts: Held[]): EncodedFrame | undefined {
    let size = 0;
    for (const p of parts) size += p.parsed.data.length;
    if (size > this.maxFrameBytes) {
      this.counts.oversized++;
      this.resync(this.next!);
      return undefined;
    }
    const data = new Uint8Array(size);
    let offset = 0;
    for (const p of parts) {
      data.set(p.parsed.data, offset);
      offset += p.parsed.data.length;
    }
    this.counts.frames++;
    const last = parts[parts.length - 1]!.input;
    return {
      data,
      keyframe: parts[0]!.parsed.keyframeStart,
      rtpTimestamp: last.timestamp,
      lastPacketArrivalMs: last.arrivalMs,
      packets: parts.length,
    };
  }
}
