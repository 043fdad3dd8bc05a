/**
 * The frame clock of one video stream: RTP timestamps (90 kHz, capture clock, jitter-free) →
 * ms from the first frame, across the 32-bit wrap. Plugins see it as `frame.t`.
 */
const RTP_VIDEO_HZ = 90_000;
const RTP_WRAP = 2 ** 32;

export class RtpFrameClock {
  private first: number | undefined;
  private last = 0;
  private wraps = 0;

  /** Frame time in ms of a frame with this RTP timestamp; 0 at the first frame. */
  toMs(rtpTimestamp: number): number {
    if (this.first === undefined) {
      this.first = rtpTimestamp;
      this.last = rtpTimestamp;
    }
    if (rtpTimestamp < this.last && this.last - rtpTimestamp > RTP_WRAP / 2) this.wraps++;
    this.last = rtpTimestamp;
    return (rtpTimestamp + this.wraps * RTP_WRAP - this.first) / (RTP_VIDEO_HZ / 1000);
  }
}
