// The audible tap's recorder: mono input, posted in chunks with the context frame (currentFrame)
// and the wall-clock time (Date.now(), ms) of every 128-sample block. Frames per block, not per
// chunk: a loaded machine's audio thread can skip render quanta, and a skipped block must not
// shift the times of the ones after it.
const BLOCKS_PER_CHUNK = 32;

class AudibleTapProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.reset();
  }

  reset() {
    this.samples = new Float32Array(128 * BLOCKS_PER_CHUNK);
    this.frames = new Float64Array(BLOCKS_PER_CHUNK);
    this.times = new Float64Array(BLOCKS_PER_CHUNK);
    this.blocks = 0;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    // An input without channels (nothing connected) records as silence, keeping time continuous.
    if (channel) this.samples.set(channel, this.blocks * 128);
    this.frames[this.blocks] = currentFrame;
    this.times[this.blocks] = Date.now();
    this.blocks++;
    if (this.blocks === BLOCKS_PER_CHUNK) {
      this.port.postMessage({ samples: this.samples, frames: this.frames, times: this.times }, [
        this.samples.buffer,
        this.frames.buffer,
        this.times.buffer,
      ]);
      this.reset();
    }
    return true;
  }
}

registerProcessor('bambam-audible-tap', AudibleTapProcessor);
