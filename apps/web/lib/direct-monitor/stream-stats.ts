/** The fields of a WebRTC stats entry the estimate reads. */
interface StatsEntry {
  type?: string;
  kind?: string;
  nominated?: boolean;
  state?: string;
  currentRoundTripTime?: number;
  jitterBufferDelay?: number;
  jitterBufferEmittedCount?: number;
}

/**
 * What delays the stream, read from the peer connection's stats: the round trip of the
 * nominated candidate pair, and the recent average delay of the audio jitter buffer (from
 * `getStats` deltas). Both are estimates' inputs only.
 */
export class StreamStats {
  private rtt: number | undefined;
  private jitterMs: number | undefined;
  private jitterTotals = { delaySeconds: 0, emitted: 0 };

  /** The last round trip, seconds (undefined before one was read). */
  get roundTripSeconds(): number | undefined {
    return this.rtt;
  }

  /** Recent average delay of the stream's jitter buffer, ms (undefined before two reads). */
  get jitterBufferMs(): number | undefined {
    return this.jitterMs;
  }

  /** Reads `pc`'s stats; false when it is not connected or the read failed. */
  async read(pc: RTCPeerConnection | null): Promise<boolean> {
    if (pc?.connectionState !== 'connected') return false;
    try {
      const report = await pc.getStats();
      report.forEach((stat: StatsEntry) => {
        this.take(stat);
      });
      return true;
    } catch {
      return false;
    }
  }

  private take(stat: StatsEntry): void {
    if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded') {
      if (typeof stat.currentRoundTripTime === 'number') this.rtt = stat.currentRoundTripTime;
    }
    if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
      const delaySeconds = stat.jitterBufferDelay ?? 0;
      const emitted = stat.jitterBufferEmittedCount ?? 0;
      const previous = this.jitterTotals;
      if (emitted > previous.emitted && delaySeconds >= previous.delaySeconds) {
        this.jitterMs = ((delaySeconds - previous.delaySeconds) / (emitted - previous.emitted)) * 1000;
      }
      this.jitterTotals = { delaySeconds, emitted };
    }
  }
}
