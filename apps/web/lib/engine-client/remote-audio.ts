import type { ClientState } from './client-state.ts';

/**
 * The instrument's audio from the engine: the latest remote stream, played through the
 * element a view attached (kept across reconnects), announced on `audio`.
 */
export class RemoteAudio {
  private readonly state: ClientState;
  private element: HTMLAudioElement | null = null;
  private current: MediaStream | null = null;

  constructor(state: ClientState) {
    this.state = state;
  }

  get stream(): MediaStream | null {
    return this.current;
  }

  /** Plays the instrument's audio through this element (null: none). */
  attach(element: HTMLAudioElement | null): void {
    this.element = element;
    if (element && this.current) this.play(element, this.current);
  }

  /** A new remote stream arrived. */
  receive(stream: MediaStream): void {
    this.current = stream;
    if (this.element) this.play(this.element, stream);
    this.state.events.emit('audio', stream);
  }

  private play(element: HTMLAudioElement, stream: MediaStream): void {
    if (element.srcObject !== stream) element.srcObject = stream;
    element.play().catch(() => {
      // Autoplay blocked until a click: the Start button is one, so this only happens on autostart.
      this.state.note(
        'warn',
        'The browser blocked audio autoplay: click anywhere on the page to hear the instrument.',
      );
      const resume = () => {
        void element.play().catch(() => undefined);
        window.removeEventListener('pointerdown', resume);
      };
      window.addEventListener('pointerdown', resume);
    });
  }
}
