/**
 * The waiters of the PINGs handed to the transport, in the order of their
 * PINGs: the server answers in order, so each PONG is the oldest one's.
 */

/** Called with no error when the PONG arrives, with one when it never will. */
export type PongWaiter = (err?: Error) => void;

export class SentPings {
  #waiters: PongWaiter[] = [];
  #head = 0;

  /** The PINGs of a batch went to the transport. */
  add(pings: PongWaiter[] | undefined): void {
    if (pings) for (const w of pings) this.#waiters.push(w);
  }

  /** A PONG arrived: the oldest waiter runs. */
  answer(): void {
    if (this.#head >= this.#waiters.length) return;
    const waiter = this.#waiters[this.#head]!;
    this.#waiters[this.#head++] = undefined as unknown as PongWaiter;
    if (this.#head === this.#waiters.length) {
      this.#waiters.length = 0;
      this.#head = 0;
    }
    waiter();
  }

  /**
   * Forgets every waiter and returns them, but for the newest `held` (PINGs
   * in batches the transport still holds, whose fate decides theirs).
   */
  take(held = 0): PongWaiter[] {
    const waiters = this.#waiters.slice(this.#head, this.#waiters.length - held);
    this.#waiters = [];
    this.#head = 0;
    return waiters;
  }
}
