/**
 * Sends each hit to the browser on the studio's data channel ({@link HIT_CHANNEL_LABEL}), as
 * soon as the plugin played it, for direct monitoring: the page plays the sound itself instead
 * of waiting for the Opus stream (which still carries every hit, for recording and fallback).
 *
 * Never blocks and never queues without bound: a message is sent right away when the channel is
 * open and its SCTP send buffer is under `maxBufferedBytes`, else it is dropped and counted (the
 * page notices a missing hit through telemetry and plays it late, or unmutes the stream when the
 * channel is not open). One instance per media connection.
 */
import { HIT_CHANNEL_LABEL, type HitMessage } from '@bambam/protocol';
import type { RTCDataChannel } from 'werift';

export const DEFAULT_HIT_CHANNEL_OPTIONS = {
  /** SCTP bytes waiting to be sent beyond which hits are dropped (≈ 400 messages). */
  maxBufferedBytes: 64 * 1024,
} as const;

export interface HitChannelOptions {
  readonly maxBufferedBytes?: number;
  /** Called once per dropped message, with why (for metrics). */
  readonly onDropped?: (reason: 'not-open' | 'backlog' | 'error') => void;
}

/** A hit as the pipeline triggers it. */
export interface ChannelHit {
  readonly sound: string;
  readonly velocity: number;
  readonly pan: number;
  /** Frame time the plugin placed it at, when it did. */
  readonly at?: number;
}

/** The frame that triggered hits: its time and when its last RTP packet arrived (performance.now). */
export interface HitFrame {
  readonly t: number;
  readonly arrivalMs: number;
}

export class HitChannel {
  private readonly maxBufferedBytes: number;
  private readonly onDropped: HitChannelOptions['onDropped'];
  private channel: RTCDataChannel | undefined;
  private seq = 0;
  private disposed = false;
  sent = 0;
  dropped = 0;

  constructor(options: HitChannelOptions = {}) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_HIT_CHANNEL_OPTIONS.maxBufferedBytes;
    this.onDropped = options.onDropped;
  }

  /** Whether a channel is attached and open. */
  get open(): boolean {
    return this.channel?.readyState === 'open';
  }

  /**
   * Takes a data channel the browser opened; channels with another label are closed (the engine
   * serves only this one). A later hit channel replaces the earlier one.
   */
  attach(channel: RTCDataChannel): void {
    if (this.disposed || channel.label !== HIT_CHANNEL_LABEL) {
      channel.close();
      return;
    }
    if (this.channel && this.channel !== channel) this.channel.close();
    this.channel = channel;
    channel.stateChanged.subscribe((state) => {
      if (state === 'closed' && this.channel === channel) this.channel = undefined;
    });
  }

  /** Sends one message per hit of `frame`; returns how many were sent. */
  send(hits: readonly ChannelHit[], frame: HitFrame): number {
    let sent = 0;
    for (let index = 0; index < hits.length; index++) {
      const hit = hits[index]!;
      const message: HitMessage = {
        v: 1,
        seq: ++this.seq,
        frameT: frame.t,
        index,
        sound: hit.sound,
        velocity: hit.velocity,
        pan: hit.pan,
        ...(hit.at !== undefined && Number.isFinite(hit.at) ? { at: hit.at } : {}),
        engineSentAt: Date.now(),
        lagMs: Math.max(0, performance.now() - frame.arrivalMs),
      };
      if (this.trySend(JSON.stringify(message))) sent++;
    }
    return sent;
  }

  /** Closes the channel (the page then unmutes its stream). */
  close(): void {
    const channel = this.channel;
    this.channel = undefined;
    if (channel && channel.readyState !== 'closed') channel.close();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.close();
  }

  private trySend(text: string): boolean {
    const channel = this.channel;
    if (this.disposed || !channel || channel.readyState !== 'open') return this.drop('not-open');
    if (channel.bufferedAmount > this.maxBufferedBytes) return this.drop('backlog');
    try {
      channel.send(text);
      this.sent++;
      return true;
    } catch {
      return this.drop('error');
    }
  }

  private drop(reason: 'not-open' | 'backlog' | 'error'): false {
    this.dropped++;
    this.onDropped?.(reason);
    return false;
  }
}
