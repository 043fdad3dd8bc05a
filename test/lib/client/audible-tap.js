// Init script (runs before the page's own code, see test/lib/audible-tap.ts): records whatever
// the page makes audible, and reads the motion clip's marks off the camera preview.
//
// Audio, two paths, whichever the page uses:
//  - Web Audio: AudioNode.prototype.connect is wrapped so that anything connected to a
//    context's destination is also connected to a tap bus in that context (mono downmix) that
//    feeds a recorder AudioWorklet. disconnect() mirrors it.
//  - Media elements: every <audio>/<video> whose srcObject is a MediaStream with audio tracks
//    is recorded through a tap context of our own, behind a gain that follows the element's
//    muted/volume/paused state, so a muted stream records as silence.
// Each recorder posts chunks of 128-sample blocks with the context frame of the first block
// and Date.now() per block; the page also keeps getOutputTimestamp() samples of each context so
// Node can map a sample to the performance.now() time it leaves the output (the audible time).
//
// Video: every <video> playing a local camera track gets requestVideoFrameCallback; for each
// presented frame it keeps the metadata times and decodes the clip's frame-index barcode and
// landing markers (layout from window.__motionTapConfig, set by the same init script).
(() => {
  const config = window.__motionTapConfig;
  const workletSource = window.__motionTapWorklet;
  const tap = {
    contexts: [], // { id, kind, context, chunks, stamps, ready }
    frames: [], // per presented camera frame
    errors: [],
    // Called with each probed frame, right after it is read (the clock self-test reacts to it).
    frameListeners: [],
  };
  window.__motionTap = tap;
  const nativeConnect = AudioNode.prototype.connect;
  const nativeDisconnect = AudioNode.prototype.disconnect;
  const byContext = new Map();

  function stampLoop(entry) {
    const take = () => {
      if (entry.context.state === 'closed') return;
      const ts = entry.context.getOutputTimestamp();
      entry.stamps.push({
        contextTime: ts.contextTime,
        performanceTime: ts.performanceTime,
        currentTime: entry.context.currentTime,
        now: performance.now(),
        dateNow: Date.now(),
        baseLatency: entry.context.baseLatency,
        outputLatency: entry.context.outputLatency,
        state: entry.context.state,
      });
    };
    take();
    setInterval(take, 50);
  }

  function tapFor(context, kind) {
    let entry = byContext.get(context);
    if (entry) return entry;
    const bus = context.createGain();
    bus.channelCount = 1;
    bus.channelCountMode = 'explicit';
    bus.channelInterpretation = 'speakers';
    entry = { id: tap.contexts.length, kind, context, bus, chunks: [], stamps: [], ready: false };
    byContext.set(context, entry);
    tap.contexts.push(entry);
    const url = URL.createObjectURL(new Blob([workletSource], { type: 'text/javascript' }));
    context.audioWorklet
      .addModule(url)
      .then(() => {
        const recorder = new AudioWorkletNode(context, 'bambam-audible-tap', {
          numberOfInputs: 1,
          numberOfOutputs: 1,
        });
        recorder.port.onmessage = (e) => entry.chunks.push(e.data);
        const silent = context.createGain();
        silent.gain.value = 0;
        nativeConnect.call(bus, recorder);
        nativeConnect.call(recorder, silent);
        nativeConnect.call(silent, context.destination);
        entry.ready = true;
        stampLoop(entry);
      })
      .catch((e) => tap.errors.push(`tap worklet: ${e?.message ?? e}`));
    return entry;
  }

  const isDestination = (node) =>
    typeof AudioDestinationNode !== 'undefined' &&
    node instanceof AudioDestinationNode &&
    !(typeof OfflineAudioContext !== 'undefined' && node.context instanceof OfflineAudioContext);

  AudioNode.prototype.connect = function connect(destination, output, ...rest) {
    const result = nativeConnect.call(this, destination, ...(output === undefined ? [] : [output, ...rest]));
    if (isDestination(destination)) {
      try {
        const entry = tapFor(destination.context, 'web-audio');
        nativeConnect.call(this, entry.bus, output ?? 0);
      } catch (e) {
        tap.errors.push(`tap connect: ${e?.message ?? e}`);
      }
    }
    return result;
  };

  AudioNode.prototype.disconnect = function disconnect(...args) {
    const [destination] = args;
    const result = nativeDisconnect.apply(this, args);
    if (destination && isDestination(destination)) {
      const entry = byContext.get(destination.context);
      if (entry) {
        try {
          nativeDisconnect.call(this, entry.bus);
        } catch {
          // Not connected to the bus: nothing to mirror.
        }
      }
    }
    return result;
  };

  // --- media elements playing streams ---
  let elementContext = null;
  const watched = new Map(); // element -> { stream, source, gain }
  function followElements() {
    for (const el of document.querySelectorAll('audio, video')) {
      const stream = el.srcObject;
      const current = watched.get(el);
      const hasAudio = stream instanceof MediaStream && stream.getAudioTracks().length > 0;
      if (current && current.stream === stream) {
        current.gain.gain.value = el.muted || el.paused ? 0 : el.volume;
        continue;
      }
      if (current) {
        current.source.disconnect();
        watched.delete(el);
      }
      if (!hasAudio) continue;
      if (!elementContext) {
        elementContext = new AudioContext({ latencyHint: 'interactive' });
        void elementContext.resume();
      }
      const entry = tapFor(elementContext, 'media-element');
      const source = elementContext.createMediaStreamSource(stream);
      const gain = elementContext.createGain();
      gain.gain.value = el.muted || el.paused ? 0 : el.volume;
      nativeConnect.call(source, gain);
      nativeConnect.call(gain, entry.bus);
      watched.set(el, { stream, source, gain });
    }
  }
  setInterval(followElements, 100);

  // --- camera frames ---
  const probed = new WeakSet();
  const canvas = document.createElement('canvas');
  let ctx2d = null;
  function readFrame(video, metadata) {
    const { barcode, markers, width, height } = config;
    if (!ctx2d) {
      canvas.width = width;
      canvas.height = height;
      ctx2d = canvas.getContext('2d', { willReadFrequently: true });
    }
    // Scaled to clip pixels, whatever size the camera delivers.
    ctx2d.drawImage(video, 0, 0, video.videoWidth, video.videoHeight, 0, 0, width, height);
    const mean = (x, y, size) => {
      const d = ctx2d.getImageData(Math.round(x - size / 2), Math.round(y - size / 2), size, size).data;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let i = 0; i < d.length; i += 4) {
        r += d[i];
        g += d[i + 1];
        b += d[i + 2];
      }
      const n = d.length / 4;
      return [r / n, g / n, b / n];
    };
    let index = 0;
    let parity = 0;
    for (let bit = 0; bit <= barcode.bits; bit++) {
      const [r, g, b] = mean(barcode.x + (bit + 0.5) * barcode.blockWidth, barcode.y + barcode.height / 2, 8);
      const on = (r + g + b) / 3 > 128 ? 1 : 0;
      parity ^= on;
      if (bit < barcode.bits) index |= on << bit;
    }
    const marked = markers.map((m) => {
      const [r, g, b] = mean(m.x + m.size / 2, m.y + m.size / 2, 12);
      return r > 180 && b > 180 && g < 90;
    });
    const frame = {
      index: parity === 0 ? index : null,
      marked,
      captureTime: metadata.captureTime ?? null,
      expectedDisplayTime: metadata.expectedDisplayTime,
      presentationTime: metadata.presentationTime,
      mediaTime: metadata.mediaTime,
      presentedFrames: metadata.presentedFrames,
      callbackAt: performance.now(),
    };
    tap.frames.push(frame);
    for (const listener of tap.frameListeners) listener(frame);
  }
  function probe(video) {
    const onFrame = (_now, metadata) => {
      try {
        readFrame(video, metadata);
      } catch (e) {
        tap.errors.push(`frame probe: ${e?.message ?? e}`);
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }
  function followCameras() {
    for (const video of document.querySelectorAll('video')) {
      if (probed.has(video)) continue;
      const stream = video.srcObject;
      if (!(stream instanceof MediaStream)) continue;
      const track = stream.getVideoTracks()[0];
      // A camera: local capture tracks have a device id; remote ones don't.
      if (!track?.getSettings().deviceId) continue;
      probed.add(video);
      probe(video);
    }
  }
  setInterval(followCameras, 50);
})();
