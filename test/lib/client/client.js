// The minimal Bam Bam client the end-to-end tests drive in real Chromium: it opens the (fake)
// camera, connects to the engine over socket.io, sends a complete (non-trickle) WebRTC offer
// with VP8 preferred, plays the engine's audio and records it with an AudioWorklet, and keeps
// everything a test wants to check in `window.__bambam` (see test/lib/client.ts for the types).

/** Newest entries win when a list is full: a long session must not grow the page without bound. */
const LIMITS = { telemetry: 20_000, sentFrames: 20_000, captured: 20_000, events: 2_000, chunks: 4_000 };

const state = {
  phase: 'idle',
  /** Everything the engine sent: session:ready, console, plugin:changed, session:error. */
  events: [],
  /** Telemetry messages with `pageReceivedAt` (page wall clock, ms) added. */
  telemetry: [],
  /** One entry per encoded camera frame: { rtpTimestamp, encodedAt, keyframe, bytes, width, height }. */
  sentFrames: [],
  /** Camera frames presented in the preview: { capturedAt (wall ms), mediaTime (s) } from requestVideoFrameCallback. */
  captured: [],
  /** Recorded audio chunks from the worklet: { startFrame, samples: Float32Array, times: Float64Array }. */
  chunks: [],
  ready: undefined,
  sampleRate: 0,
  /** Wall-clock ms at which the first remote audio track arrived. */
  audioTrackAt: undefined,
  connectedAt: undefined,
  errors: [],
};

let socket;
let pc;
let audioContext;
let camera;
let transformWorker;
let recording = true;

/** Media elements: Chromium only feeds a remote stream into Web Audio when a media element plays it too. */
function mediaElement(tag, id) {
  const element = document.createElement(tag);
  element.id = id;
  element.autoplay = true;
  if (tag === 'video') {
    element.muted = true;
    element.playsInline = true;
    element.width = 160;
    element.height = 120;
  }
  document.body.append(element);
  return element;
}
mediaElement('audio', 'engine-audio');
mediaElement('video', 'camera');

function push(list, item, limit) {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function loadScript(src, timeoutMs) {
  const loaded = new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
  return withTimeout(loaded, timeoutMs, `loading ${src}`);
}

/** Emits a socket.io request and resolves with its ack (or rejects after `timeoutMs`). */
function request(event, payload, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    if (!socket) return reject(new Error('not connected'));
    socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
      if (err) reject(new Error(`${event}: no ack within ${timeoutMs} ms`));
      else resolve(ack);
    });
  });
}

function waitForIceGathering(peer, timeoutMs) {
  if (peer.iceGatheringState === 'complete') return Promise.resolve();
  return withTimeout(
    new Promise((resolve) => {
      peer.addEventListener('icegatheringstatechange', () => {
        if (peer.iceGatheringState === 'complete') resolve();
      });
    }),
    timeoutMs,
    'ICE gathering',
  );
}

function preferCodec(transceiver, mimeType) {
  const codecs = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === mimeType.toLowerCase());
  const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== mimeType.toLowerCase());
  if (wanted.length) transceiver.setCodecPreferences([...wanted, ...rest]);
}

async function startRecorder(stream) {
  audioContext = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
  await audioContext.audioWorklet.addModule(new URL('./recorder-worklet.js', import.meta.url));
  const source = audioContext.createMediaStreamSource(stream);
  const recorder = new AudioWorkletNode(audioContext, 'bambam-recorder', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    channelCount: 2,
  });
  recorder.port.onmessage = (e) => {
    if (recording) push(state.chunks, e.data, LIMITS.chunks);
  };
  // A silent path to the destination keeps the graph (and so the recorder) running.
  const mute = audioContext.createGain();
  mute.gain.value = 0;
  source.connect(recorder).connect(mute).connect(audioContext.destination);
  await audioContext.resume();
  state.sampleRate = audioContext.sampleRate;
}

/**
 * Connects to the engine and starts streaming. Options: engineUrl (required), codec
 * ('video/VP8'), jitterBufferTargetMs (20), iceTimeoutMs (10 000), captureTimes (true: record
 * each encoded frame's RTP timestamp and capture time).
 */
async function start(options) {
  const opts = {
    codec: 'video/VP8',
    jitterBufferTargetMs: 20,
    iceTimeoutMs: 10_000,
    captureTimes: true,
    ...options,
  };
  if (!opts.engineUrl) throw new Error('start: engineUrl is required');
  state.phase = 'connecting';
  await loadScript(`${opts.engineUrl}/socket.io/socket.io.js`, opts.iceTimeoutMs);
  // WebSocket only, as the studio. The engine refuses pages of origins it does not list: an
  // engine from test/lib/engine.ts lists this page's (test/lib/client/server.ts).
  socket = window.io(opts.engineUrl, { transports: ['websocket'], reconnection: false });
  const ready = withTimeout(
    new Promise((resolve, reject) => {
      socket.once('session:ready', resolve);
      socket.once('connect_error', (e) =>
        reject(
          new Error(
            `the engine refused or dropped the connection (${e.message}); is ${location.origin} in its BAMBAM_ALLOWED_ORIGINS?`,
          ),
        ),
      );
    }),
    opts.iceTimeoutMs,
    'session:ready',
  );
  socket.on('telemetry', (m) =>
    push(state.telemetry, { ...m, pageReceivedAt: Date.now() }, LIMITS.telemetry),
  );
  for (const name of ['session:ready', 'console', 'plugin:changed', 'session:error']) {
    socket.on(name, (data) => push(state.events, { name, data, at: Date.now() }, LIMITS.events));
  }
  socket.on('connect_error', (e) => state.errors.push(`connect_error: ${e.message}`));
  socket.on('disconnect', (reason) => state.errors.push(`disconnect: ${reason}`));
  state.ready = await ready;

  camera = await navigator.mediaDevices.getUserMedia({
    video: { width: 640, height: 480, frameRate: 30 },
    audio: false,
  });
  const preview = document.getElementById('camera');
  preview.srcObject = camera;
  if (opts.captureTimes && preview.requestVideoFrameCallback) {
    // Capture times of camera frames (performance timeline → wall clock). captureTime and
    // mediaTime come from the same capture timestamp, which Chromium also turns into the RTP
    // timestamp, so the test can map RTP timestamps to capture times.
    const onFrame = (_now, meta) => {
      if (typeof meta.captureTime === 'number') {
        push(
          state.captured,
          { capturedAt: performance.timeOrigin + meta.captureTime, mediaTime: meta.mediaTime },
          LIMITS.captured,
        );
      }
      if (state.phase !== 'stopped') preview.requestVideoFrameCallback(onFrame);
    };
    preview.requestVideoFrameCallback(onFrame);
  }

  pc = new RTCPeerConnection({ iceServers: state.ready.iceServers ?? [] });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') state.connectedAt = Date.now();
    if (pc.connectionState === 'failed') state.errors.push('peer connection failed');
  });
  const video = pc.addTransceiver(camera.getVideoTracks()[0], { direction: 'sendonly', streams: [camera] });
  preferCodec(video, opts.codec);
  if (opts.captureTimes && window.RTCRtpScriptTransform) {
    transformWorker = new Worker(new URL('./sender-transform-worker.js', import.meta.url));
    transformWorker.onmessage = (e) => push(state.sentFrames, e.data, LIMITS.sentFrames);
    video.sender.transform = new RTCRtpScriptTransform(transformWorker, { side: 'send' });
  }
  const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
  if ('jitterBufferTarget' in audio.receiver && opts.jitterBufferTargetMs != null) {
    audio.receiver.jitterBufferTarget = opts.jitterBufferTargetMs;
  }

  const remoteAudio = new Promise((resolve) => {
    pc.addEventListener('track', (e) => {
      if (e.track.kind !== 'audio') return;
      state.audioTrackAt = Date.now();
      resolve(new MediaStream([e.track]));
    });
  });

  await pc.setLocalDescription(await pc.createOffer());
  await waitForIceGathering(pc, opts.iceTimeoutMs);
  const ack = await request('webrtc:offer', { sdp: pc.localDescription.sdp }, opts.iceTimeoutMs);
  if (!ack?.ok) throw new Error(`offer refused: ${JSON.stringify(ack?.error ?? ack)}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: ack.sdp });

  const stream = await withTimeout(remoteAudio, opts.iceTimeoutMs, 'remote audio track');
  const element = document.getElementById('engine-audio');
  element.srcObject = stream;
  await element.play().catch((e) => state.errors.push(`audio play: ${e.message}`));
  await startRecorder(stream);
  await withTimeout(
    new Promise((resolve) => {
      if (pc.connectionState === 'connected') return resolve();
      pc.addEventListener('connectionstatechange', () => {
        if (pc.connectionState === 'connected') resolve();
      });
    }),
    opts.iceTimeoutMs,
    'peer connection',
  );
  state.phase = 'streaming';
  return { sessionId: state.ready.sessionId, plugin: state.ready.plugin?.name, answer: ack.sdp };
}

/** A summary of getStats(): the inbound audio, the outbound video, the selected candidate pair. */
async function stats() {
  if (!pc) return undefined;
  const report = await pc.getStats();
  const out = { at: Date.now() };
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.audio = {
        packetsReceived: s.packetsReceived,
        packetsLost: s.packetsLost,
        totalSamplesReceived: s.totalSamplesReceived,
        concealedSamples: s.concealedSamples,
        silentConcealedSamples: s.silentConcealedSamples,
        concealmentEvents: s.concealmentEvents,
        insertedSamplesForDeceleration: s.insertedSamplesForDeceleration,
        removedSamplesForAcceleration: s.removedSamplesForAcceleration,
        jitterBufferDelay: s.jitterBufferDelay,
        jitterBufferTargetDelay: s.jitterBufferTargetDelay,
        jitterBufferMinimumDelay: s.jitterBufferMinimumDelay,
        jitterBufferEmittedCount: s.jitterBufferEmittedCount,
        totalAudioEnergy: s.totalAudioEnergy,
        audioLevel: s.audioLevel,
        jitter: s.jitter,
      };
    }
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      out.video = {
        framesEncoded: s.framesEncoded,
        framesSent: s.framesSent,
        frameWidth: s.frameWidth,
        frameHeight: s.frameHeight,
        framesPerSecond: s.framesPerSecond,
        packetsSent: s.packetsSent,
        bytesSent: s.bytesSent,
        totalEncodeTime: s.totalEncodeTime,
        qualityLimitationReason: s.qualityLimitationReason,
        keyFramesEncoded: s.keyFramesEncoded,
        pliCount: s.pliCount,
        nackCount: s.nackCount,
        encoderImplementation: s.encoderImplementation,
      };
    }
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      out.rttMs = (s.currentRoundTripTime ?? 0) * 1000;
    }
  });
  return out;
}

function toBase64(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * The recorded audio since `sinceMs` (wall clock), as 16-bit PCM in base64 plus the wall-clock
 * time of each 128-sample block. Chunks are contiguous: the recorder never skips a block.
 */
function takeRecording(sinceMs = 0) {
  const chunks = state.chunks.filter((c) => c.times[c.times.length - 1] >= sinceMs);
  const total = chunks.reduce((n, c) => n + c.samples.length, 0);
  const pcm = new Int16Array(total);
  const times = new Float64Array(chunks.reduce((n, c) => n + c.times.length, 0));
  let offset = 0;
  let block = 0;
  for (const c of chunks) {
    for (let i = 0; i < c.samples.length; i++) {
      const v = Math.max(-1, Math.min(1, c.samples[i]));
      pcm[offset + i] = Math.round(v * 32767);
    }
    times.set(c.times, block);
    offset += c.samples.length;
    block += c.times.length;
  }
  return {
    sampleRate: state.sampleRate,
    startFrame: chunks[0]?.startFrame ?? 0,
    blockSize: 128,
    pcm: toBase64(new Uint8Array(pcm.buffer)),
    blockTimes: Array.from(times),
  };
}

/** Releases the camera, the peer connection, the audio graph and the socket. */
async function stop() {
  recording = false;
  state.phase = 'stopped';
  camera?.getTracks().forEach((t) => {
    t.stop();
  });
  pc?.close();
  transformWorker?.terminate();
  await audioContext?.close().catch(() => {});
  socket?.disconnect();
}

window.__bambam = {
  state,
  start,
  request,
  stats,
  takeRecording,
  stop,
  /** Sends a raw socket.io event without an ack (e.g. to test the engine against junk). */
  emitRaw(event, ...args) {
    socket.emit(event, ...args);
  },
  /** Telemetry since index `from` (so a test can poll incrementally). */
  telemetrySince(from) {
    return state.telemetry.slice(from);
  },
  clearRecording() {
    state.chunks.length = 0;
  },
};
