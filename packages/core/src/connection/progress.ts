/**
 * Tells a server that stopped reading from a publisher faster than the
 * socket. Both leave bytes waiting; only the stalled one leaves them there:
 * while bytes wait, a coarse tick compares how many the transport has sent
 * since the last tick. A tick that comes late (the event loop was blocked,
 * e.g. by the publisher's own synchronous loop) only starts a new
 * observation, so a long synchronous loop is never taken for a stall: the
 * socket cannot make progress while JavaScript runs.
 */
import { type Clock, unrefClock } from "../clock.js";

/** How often the watch looks while bytes wait. */
export const TICK_MS = 250;
/** No progress for this long, with bytes waiting, is a stall (reported; publishing past the high-water mark is refused). */
export const STALL_MS = 1000;

export interface ProgressHost {
  /** bytes accepted and not yet sent (0: nothing to watch) */
  waitingBytes(): number;
  /** a count of bytes the transport has sent, which grows as bytes leave */
  sentBytes(): number;
  /** no progress for `STALL_MS` (called once per stall) */
  onStall(idleMs: number): void;
  /** no progress for the timeout (called once per stall; the watch stops) */
  onStallTimeout(idleMs: number): void;
  /** bytes left again after onStall */
  onProgress(): void;
}

export class ProgressWatch {
  #timer: unknown;
  #lastTick = 0;
  #lastSent = 0;
  /** milliseconds without progress, counted over ticks that came on time */
  #idle = 0;
  #stalled = false;
  readonly #onTick = () => this.#tick();
  readonly #host: ProgressHost;
  readonly #timeout: number;
  readonly #clock: Clock;

  /** `timeout`: how long a stall may last before onStallTimeout (at least STALL_MS). */
  constructor(
    host: ProgressHost,
    timeout: number,
    clock: Clock = unrefClock,
  ) {
    this.#host = host;
    this.#timeout = timeout;
    this.#clock = clock;
  }

  /** Bytes wait: start watching (cheap when already watching). */
  arm(): void {
    if (this.#timer !== undefined) return;
    this.#lastTick = this.#clock.now();
    this.#lastSent = this.#host.sentBytes();
    this.#idle = 0;
    this.#schedule();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.cancel(this.#timer);
    this.#timer = undefined;
    this.#idle = 0;
    this.#stalled = false;
  }

  #schedule(): void {
    this.#timer = this.#clock.after(this.#onTick, TICK_MS);
  }

  #tick(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const elapsed = now - this.#lastTick;
    this.#lastTick = now;
    const sent = this.#host.sentBytes();
    const moved = sent !== this.#lastSent;
    this.#lastSent = sent;
    if (moved) {
      this.#idle = 0;
      if (this.#stalled) {
        this.#stalled = false;
        this.#host.onProgress();
      }
    } else if (elapsed <= 2 * TICK_MS) {
      this.#idle += elapsed;
    }
    if (this.#host.waitingBytes() === 0) {
      // nothing waits: idle again until the next arm()
      const wasStalled = this.#stalled;
      this.stop();
      if (wasStalled) this.#host.onProgress();
      return;
    }
    if (this.#idle >= Math.max(this.#timeout, STALL_MS)) {
      const idle = this.#idle;
      this.stop();
      this.#host.onStallTimeout(idle);
      return;
    }
    if (!this.#stalled && this.#idle >= STALL_MS) {
      this.#stalled = true;
      this.#host.onStall(this.#idle);
    }
    this.#schedule();
  }
}
