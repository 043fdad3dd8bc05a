/** How the studio shapes its WebRTC offer and receiver for low latency. */

/** Puts VP8 first: the engine decodes it fastest (media notes). */
export function preferVp8(transceiver: RTCRtpTransceiver): void {
  const capabilities =
    typeof RTCRtpSender.getCapabilities === 'function' && RTCRtpSender.getCapabilities('video');
  if (!capabilities || typeof transceiver.setCodecPreferences !== 'function') return;
  const rank = (mime: string) => (/vp8/i.test(mime) ? 0 : /h264/i.test(mime) ? 1 : 2);
  const codecs = [...capabilities.codecs].sort((a, b) => rank(a.mimeType) - rank(b.mimeType));
  try {
    transceiver.setCodecPreferences(codecs);
  } catch {
    // Keep the browser's order.
  }
}

/** Asks the browser for a small jitter buffer: latency is the product. */
export function lowLatency(receiver: RTCRtpReceiver, jitterBufferTargetMs: number): void {
  try {
    (receiver as RTCRtpReceiver & { jitterBufferTarget: number | null }).jitterBufferTarget =
      jitterBufferTargetMs;
  } catch {
    // Older browsers: the default buffer still works, only with more latency.
  }
}

/** Non-trickle ICE: wait until the offer holds every candidate (or the timeout, then send what we have). */
export function iceGatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
