// Runs as the video sender's RTCRtpScriptTransform: passes every encoded camera frame through
// unchanged and reports its RTP timestamp, its capture time and the time it left the encoder
// (all wall-clock ms), so a test can tell when the frame the engine played a hit on was captured.
const timeOrigin = performance.timeOrigin;

onrtctransform = (event) => {
  const transformer = event.transformer;
  transformer.readable
    .pipeThrough(
      new TransformStream({
        transform(frame, controller) {
          const encodedAt = timeOrigin + performance.now();
          const metadata = frame.getMetadata();
          // captureTime is relative to the time origin when Chromium provides it.
          const capturedAt =
            typeof metadata.captureTime === 'number' && metadata.captureTime > 0
              ? timeOrigin + metadata.captureTime
              : undefined;
          postMessage({
            rtpTimestamp: metadata.rtpTimestamp ?? frame.timestamp,
            capturedAt,
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
