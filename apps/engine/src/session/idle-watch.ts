/**
 * Calls `onIdle` once when `touch()` has not been called for `timeoutMs`. One timer, moved
 * lazily: a touch only stores the time, and the timer, when it fires early, sleeps for what is
 * left — so touching on every video frame costs no timer churn.
 */
export class IdleWatch {
  private last: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly timeoutMs: number;
  private readonly onIdle: () => void;
  private readonly now: () => number;

  constructor(timeoutMs: number, onIdle: () => void, now: () => number = () => performance.now()) {
    this.timeoutMs = timeoutMs;
    this.onIdle = onIdle;
    this.now = now;
    this.last = now();
    this.arm(timeoutMs);
  }

  /** Activity: the idle time starts again from now. */
  touch(): void {
    this.last = this.now();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      if (this.timer === undefined) return;
      const left = this.timeoutMs - (this.now() - this.last);
      if (left > 0) {
        this.arm(left);
        return;
      }
      this.timer = undefined;
      this.onIdle();
    }, delayMs);
    this.timer.unref();
  }
}
