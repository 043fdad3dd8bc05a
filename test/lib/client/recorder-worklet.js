// Records the engine's audio as the page's Web Audio graph receives it: mono (channel 0),
// posted in chunks with the wall-clock time (Date.now(), ms) at which each 128-sample render
// block was processed, so the test can tell when each sample reached the page.
const BLOCKS_PER_CHUNK = 32;

class RecorderProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.samples = new Float32Array(128 * BLOCKS_PER_CHUNK);
    this.times = new Float64Array(BLOCKS_PER_CHUNK);
    this.blocks = 0;
    this.startFrame = -1;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (this.blocks === 0) this.startFrame = currentFrame;
    // An input without channels (nothing connected yet) records as silence, keeping time continuous.
    if (channel) this.samples.set(channel, this.blocks * 128);
    else this.samples.fill(0, this.blocks * 128, (this.blocks + 1) * 128);
    this.times[this.blocks] = Date.now();
    this.blocks++;
    if (this.blocks === BLOCKS_PER_CHUNK) {
      this.port.postMessage({ startFrame: this.startFrame, samples: this.samples, times: this.times }, [
        this.samples.buffer,
        this.times.buffer,
      ]);
      this.samples = new Float32Array(128 * BLOCKS_PER_CHUNK);
      this.times = new Float64Array(BLOCKS_PER_CHUNK);
      this.blocks = 0;
    }
    return true;
  }
}

registerProcessor('bambam-recorder', RecorderProcessor);
