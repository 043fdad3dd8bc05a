/**
 * The take as the page received it: the engine's Opus stream, recorded with MediaRecorder
 * (WebM/Opus) beside the hits. It is what was heard through the stream (network and jitter
 * buffer included), so it is for reference; the WAV is the sample-aligned render. A new stream
 * (after a reconnection) is recorded on; the parts are joined in order.
 */
export const STREAM_TAKE_MIME = 'audio/webm;codecs=opus';

export class StreamTake {
  readonly #chunks: Blob[] = [];
  #recorder: MediaRecorder | null = null;
  #mime = 'audio/webm';

  /** Whether this browser can record a stream at all. */
  static supported(): boolean {
    return typeof MediaRecorder !== 'undefined';
  }

  /** Records `stream` from now on (stopping the recording of a previous one). */
  record(stream: MediaStream | null): void {
    this.#stopRecorder();
    if (!stream || !StreamTake.supported() || stream.getAudioTracks().length === 0) return;
    const mimeType = MediaRecorder.isTypeSupported(STREAM_TAKE_MIME) ? STREAM_TAKE_MIME : undefined;
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    this.#mime = recorder.mimeType || 'audio/webm';
    recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size > 0) this.#chunks.push(event.data);
    });
    recorder.start(1000);
    this.#recorder = recorder;
  }

  /** Stops and returns what was recorded (null when nothing was). */
  async stop(): Promise<Blob | null> {
    await this.#stopRecorder();
    return this.#chunks.length > 0 ? new Blob(this.#chunks, { type: this.#mime }) : null;
  }

  #stopRecorder(): Promise<void> {
    const recorder = this.#recorder;
    this.#recorder = null;
    if (!recorder || recorder.state === 'inactive') return Promise.resolve();
    return new Promise((resolve) => {
      recorder.addEventListener('stop', () => resolve(), { once: true });
      recorder.stop();
    });
  }
}
