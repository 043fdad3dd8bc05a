/**
 * The session's audio out: AudioClock (absolute 20 ms deadlines) → Mixer → Opus → RTP.
 * Continuous: a frame goes out for every clock tick, silence when nothing plays. Audio never
 * drops; after an event-loop stall the clock's catch-up policy applies (≤ 3 frames at once,
 * older ones skipped and counted, their RTP timestamps left as a gap).
 *
 * Hit timing (documented choice): a hit is triggered at sample offset 0 of the next frame not
 * yet sent, and with `sendEarly` that frame is rendered, encoded and sent immediately instead
 * of waiting up to 20 ms for its deadline, and the clock's timeline moves earlier with it
 * ({@link AudioClock.pullNext}): the frames after it follow 20 ms apart from it. So the stream
 * stays continuous and evenly spaced (a receiver sees it arrive earlier once, never a packet
 * early then a gap, which its jitter buffer would take for network delay), and the
 * engine-internal hit latency becomes the processing time alone.
 */
import {
  AudioClock,
  CHANNELS,
  FRAME_MS,
  Mixer,
  type RenderedSound,
  samplesPerFrame,
} from '@bambam/sdk/runtime';

/** Where a hit came from: the arrival of the last RTP packet of its video frame. */
export interface HitOrigin {
  readonly arrivalMs: number;
  /** Called when the first packet carrying this hit has been sent, with its latency in ms. */
  readonly onSent?: (latencyMs: number) => void;
}

export interface AudioOutputOptions {
  /** Receives each encoded frame with its clock index; `early` when sent ahead of its deadline. */
  readonly send: (opus: Uint8Array, frameIndex: number, early: boolean) => void;
  readonly encode: (interleaved: Float32Array) => Uint8Array;
  /** Send a frame carrying a new hit right away rather than at its deadline. Default true. */
  readonly sendEarly?: boolean;
  /** Called once per hit when the first packet carrying it has been handed to the network. */
  readonly onHitSent?: (latencyMs: number, waitMs: number) => void;
  /** Called per frame with the time spent mixing + encoding. */
  readonly onFrameEncoded?: (encodeMs: number) => void;
  /** Frame length, ms (one Opus packet). Default 20. */
  readonly frameMs?: number;
  readonly now?: () => number;
}

interface PendingHit {
  readonly origin: HitOrigin;
  readonly queuedAt: number;
}

export class AudioOutput {
  private readonly mixer = new Mixer();
  private readonly clock: AudioClock;
  private readonly frame: Float32Array;
  private readonly options: AudioOutputOptions;
  private readonly now: () => number;
  private pending: PendingHit[] = [];
  private lastClockIndex = -1;
  /** True while the clock emits a frame pulled ahead of its deadline. */
  private pulling = false;
  private disposed = false;
  framesSent = 0;
  framesSentEarly = 0;

  constructor(options: AudioOutputOptions) {
    this.options = options;
    this.now = options.now ?? (() => performance.now());
    const frameMs = options.frameMs ?? FRAME_MS;
    this.frame = new Float32Array(samplesPerFrame(frameMs) * CHANNELS);
    this.clock = new AudioClock({
      frameMs,
      onFrame: (index) => this.onClockFrame(index),
      now: this.now,
      onError: (error) => console.error('[engine] audio frame failed', error),
    });
  }

  get clockStats() {
    return this.clock.stats;
  }

  get activeVoices(): number {
    return this.mixer.activeVoices;
  }

  start(): void {
    if (!this.disposed) this.clock.start();
  }

  /** Queues a sound to start at the beginning of the next frame not yet sent. */
  trigger(sound: RenderedSound, options: { velocity: number; pan: number }, origin: HitOrigin): void {
    if (this.disposed) return;
    this.mixer.trigger(sound, { velocity: options.velocity, pan: options.pan });
    this.pending.push({ origin, queuedAt: this.now() });
  }

  /** After a batch of triggers: sends the next frame now if early sending is on and hits wait. */
  flush(): void {
    if (this.disposed || this.pending.length === 0 || this.options.sendEarly === false) return;
    if (this.lastClockIndex < 0) return; // clock not running yet
    this.pulling = true;
    try {
      this.clock.pullNext();
    } finally {
      this.pulling = false;
    }
  }

  /** Silences everything playing (plugin switched). */
  clear(): void {
    this.mixer.clear();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clock.dispose();
    this.mixer.dispose();
    this.pending = [];
  }

  private onClockFrame(index: number): void {
    this.lastClockIndex = index;
    if (this.pulling) this.framesSentEarly++;
    this.sendFrame(index, this.pulling);
  }

  private sendFrame(index: number, early: boolean): void {
    const t0 = this.now();
    this.mixer.process(this.frame);
    const opus = this.options.encode(this.frame);
    const t1 = this.now();
    this.options.send(opus, index, early);
    this.framesSent++;
    this.options.onFrameEncoded?.(t1 - t0);
    if (this.pending.length > 0) {
      const sentAt = this.now();
      const sent = this.pending;
      this.pending = [];
      for (const hit of sent) {
        const latencyMs = sentAt - hit.origin.arrivalMs;
        this.options.onHitSent?.(latencyMs, sentAt - hit.queuedAt);
        hit.origin.onSent?.(latencyMs);
      }
    }
  }
}
