/**
 * A session's OSC output: its hits and, at a chosen rate, its hands, as OSC 1.0 messages over
 * UDP to one target (encoding by node-osc). Addresses:
 *
 * - `/bambam/hit  ,sffi  sound velocity(0..1) pan(-1..1) time(ms, frame clock)`
 * - `/bambam/hand/<id>/landmarks  ,sf…  handedness x0 y0 z0 … x20 y20 z20` (normalized image
 *   coordinates, MediaPipe's landmark order; `<id>` is the tracker's stable hand id)
 *
 * Sending never throws into the pipeline and never waits: a failed send is counted
 * (`stats().errors`), and the socket is closed on `dispose()`.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Frame, PlayEvent } from '@bambam/sdk';
import { encode, Message } from 'node-osc';
import type { ResolvedOscTarget } from './osc-target-policy.ts';

export interface OscOutputOptions {
  /** Hands sent at most this often, per second; 0 = hits only. */
  landmarksHz: number;
}

export const DEFAULT_OSC_OUTPUT_OPTIONS: OscOutputOptions = { landmarksHz: 0 };
/** The fastest hand rate a session may ask for (the camera's rate is 30 fps anyway). */
export const MAX_OSC_LANDMARKS_HZ = 60;

export interface OscOutputStats {
  hits: number;
  hands: number;
  errors: number;
}

export class OscOutput {
  readonly target: ResolvedOscTarget;
  readonly options: OscOutputOptions;
  private readonly socket: Socket;
  private readonly counts: OscOutputStats = { hits: 0, hands: 0, errors: 0 };
  /** When the next hands may go (frame ms): a running deadline, so the rate holds on a 30 fps grid. */
  private handsDueAt = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(target: ResolvedOscTarget, options: Partial<OscOutputOptions> = {}) {
    this.target = target;
    this.options = { ...DEFAULT_OSC_OUTPUT_OPTIONS, ...options };
    if (!(this.options.landmarksHz >= 0 && this.options.landmarksHz <= MAX_OSC_LANDMARKS_HZ)) {
      throw new RangeError(`landmarksHz must be 0..${MAX_OSC_LANDMARKS_HZ}`);
    }
    this.socket = createSocket(target.family === 6 ? 'udp6' : 'udp4');
    this.socket.on('error', () => {
      this.counts.errors++;
    });
    this.socket.unref();
  }

  /** One message per hit, in the order the instrument played them. */
  sendHit(hit: PlayEvent): void {
    if (this.closed) return;
    const message = new Message('/bambam/hit');
    message.append({ type: 's', value: hit.sound });
    message.append({ type: 'f', value: hit.velocity });
    message.append({ type: 'f', value: hit.pan });
    message.append({ type: 'i', value: Math.round(hit.at ?? hit.t) });
    this.send(message);
    this.counts.hits++;
  }

  /** The frame's hands, if the rate allows one more now (`frame.t`, ms). */
  sendHands(frame: Frame): void {
    if (this.closed || this.options.landmarksHz <= 0 || frame.hands.length === 0) return;
    if (frame.t < this.handsDueAt) return;
    const period = 1000 / this.options.landmarksHz;
    // On a running deadline the rate holds on the camera's frame grid; after a gap (no hands for
    // a while) it starts again from now rather than bursting to catch up.
    const next = this.handsDueAt + period;
    this.handsDueAt = next > frame.t ? next : frame.t + period;
    frame.hands.forEach((hand, index) => {
      const message = new Message(`/bambam/hand/${hand.id ?? index}/landmarks`);
      message.append({ type: 's', value: hand.handedness });
      for (const point of hand.landmarks) {
        message.append({ type: 'f', value: point.x });
        message.append({ type: 'f', value: point.y });
        message.append({ type: 'f', value: point.z });
      }
      this.send(message);
      this.counts.hands++;
    });
  }

  stats(): OscOutputStats {
    return { ...this.counts };
  }

  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private send(message: Message): void {
    if (this.closed) return;
    let bytes: Buffer;
    try {
      bytes = encode(message);
    } catch {
      this.counts.errors++;
      return;
    }
    this.socket.send(bytes, this.target.port, this.target.address, (error) => {
      if (error) this.counts.errors++;
    });
  }
}
