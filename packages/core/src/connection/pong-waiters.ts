/**
 * The waiters of PINGs, in the order of their PINGs: those still in the
 * encoder's buffer (`out`), which travel with it (into the queue, across a
 * reconnect), and those handed to the transport, which the server answers in
 * order, so each PONG is the oldest one's.
 */

/** Called with no error when the PONG arrives, with one when it never will. */
export type PongWaiter = (err?: Error) => void;

export class PongWaiters {
  /** for PINGs still in `out` */
  #queued: PongWaiter[] = [];
  /** for PINGs handed to the transport */
  #sent: PongWaiter[] = [];
  #head = 0;

  /**
   * A PING was written into `out`. `w` runs once: a PING failed by a
   * dropped connection may still be answered on the next one.
   */
  queue(w: PongWaiter): void {
    let settled = false;
    this.#queued.push((err) => {
      if (settled) return;
      settled = true;
      w(err);
    });
  }

  /** The waiters of the PINGs in `out`, which is leaving (to the transport or the queue). */
  takeQueued(): PongWaiter[] | undefined {
    if (this.#queued.length === 0) return undefined;
    const pings = this.#queued;
    this.#queued = [];
    return pings;
  }

  /** Adds the waiters of the PINGs in `out` to `into`; with `drop`, forgets them (`out` is dropped). */
  collectQueued(into: Set<PongWaiter>, drop = false): void {
    for (const w of this.#queued) into.add(w);
    if (drop) this.#queued = [];
  }

  /** The PINGs of a batch went to the transport. */
  sent(pings: PongWaiter[] | undefined): void {
    if (pings) for (const w of pings) this.#sent.push(w);
  }

  /** A PONG arrived: the oldest sent PING's waiter runs. */
  answer(): void {
    if (this.#head >= this.#sent.length) return;
    const waiter = this.#sent[this.#head]!;
    this.#sent[this.#head++] = undefined as unknown as PongWaiter;
    if (this.#head === this.#sent.length) {
      this.#sent.length = 0;
      this.#head = 0;
    }
    waiter();
  }

  /**
   * Forgets every sent PING's waiter and returns them, but for the newest
   * `held` (PINGs in batches the transport still holds, whose fate decides theirs).
   */
  takeSent(held = 0): PongWaiter[] {
    const waiters = this.#sent.slice(this.#head, this.#sent.length - held);
    this.#sent = [];
    this.#head = 0;
    return waiters;
  }
}
