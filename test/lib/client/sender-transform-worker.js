// Runs as the video sender's RTCRtpScriptTransform: passes every encoded camera frame through
// unchanged and reports its RTP timestamp and the time it left the encoder (wall-clock ms), so a
// test can tell which camera frame the engine played a hit on. (Chromium 156 gives no capture
// time in the metadata; the page gets it from requestVideoFrameCallback, see capture-clock.ts.)
const timeOrigin = performance.timeOrigin;

onrtctransform = (event) => {
  const transformer = event.transformer;
  transformer.readable
    .pipeThrough(
      new TransformStream({
        transform(frame, controller) {
          const encodedAt = timeOrigin + performance.now();
          const metadata = frame.getMetadata();
          postMessage({
            rtpTimestamp: metadata.rtpTimestamp ?? frame.timestamp,
            encodedAt,
            keyframe: frame.type === 'key',
            bytes: frame.data.byteLength,
            width: metadata.width,
            height: metadata.height,
          });
          controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(transformer.writable);
};
