/**
 * What waits for the transport, oldest first: full buffers the encoder
 * handed over while the transport was backed up or the connection was down,
 * and, after a drop, what the dead transport never sent (which goes first on
 * the next connection). Each batch is written once; the queue counts its
 * bytes, and starts a new connection on a frame boundary.
 */

import type { PongWaiter } from "./pong-waiters.js";

/** Bytes that wait to be written, or that the transport holds until its `written` callback. */
export interface Batch {
  /** the bytes, if they are ours to send again (undefined: the buffer went on being used) */
  bytes: Uint8Array | undefined;
  /** the buffer to reuse once written */
  buffer: Uint8Array | undefined;
  /** waiters of the PINGs in these bytes */
  pings: PongWaiter[] | undefined;
  /** bytes at the start that end a frame begun in the batch before (see OutboundBuffer.lead) */
  lead: number;
  /** the bytes hold an HPUB (see OutboundBuffer.hasHeaders) */
  headers: boolean;
}

export class BatchQueue {
  #items: Batch[] = [];
  #head = 0;
  /** batches a dead transport never sent: they go first after the reconnect */
  #unsent: Batch[] = [];
  /** bytes in the queue (what a dead transport never sent is counted once the next connection takes it over) */
  bytes = 0;

  get empty(): boolean {
    return this.#head === this.#items.length;
  }

  /** The oldest batch (the queue must not be empty). */
  first(): Batch {
    return this.#items[this.#head]!;
  }

  push(b: Batch): void {
    this.#items.push(b);
    this.bytes += b.bytes!.length;
  }

  /** The oldest batch leaves (to the transport); returns it. */
  shift(): Batch {
    const b = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as Batch;
    this.bytes -= b.bytes!.length;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    }
    return b;
  }

  /**
   * The system took the oldest batch's first `n` bytes, not all: the rest
   * begins inside a frame. Where its next frame starts is not known, so on a
   * new connection all of it is skipped (see resume()).
   */
  cut(n: number): void {
    const b = this.first();
    b.bytes = b.bytes!.subarray(n);
    b.lead = b.bytes.length;
    this.bytes -= n;
  }

  /** A batch a dead transport gave back unsent, in write order. */
  keepUnsent(b: Batch): void {
    this.#unsent.push(b);
  }

  /**
   * A new connection: what the last one never sent goes first. The bytes may
   * begin inside a frame whose start went to the dead connection: they are
   * skipped (the frame is lost with the connection, like the rest of what it
   * took), and so is a batch that is all lead; its PINGs' waiters get
   * `failed`. Returns whether the skipped bytes reach past the queue (`out`
   * continues that frame).
   */
  resume(failed: (pings: PongWaiter[]) => void): boolean {
    if (this.#unsent.length > 0) {
      for (const b of this.#unsent) this.bytes += b.bytes!.length;
      this.#items = this.#unsent.concat(this.#items.slice(this.#head));
      this.#head = 0;
      this.#unsent = [];
    }
    while (!this.empty) {
      const b = this.first();
      if (b.lead === 0) return false;
      if (b.lead < b.bytes!.length) {
        b.bytes = b.bytes!.subarray(b.lead);
        this.bytes -= b.lead;
        b.lead = 0;
        return false;
      }
      // the whole batch goes (the rest of one the system took in part may
      // hold whole frames, and PINGs: no PONG will come for those)
      if (b.pings) failed(b.pings);
      this.shift();
    }
    return true;
  }

  /** Whether a batch, waiting or unsent, holds an HPUB. */
  holdsHeaders(): boolean {
    for (let i = this.#head; i < this.#items.length; i++) if (this.#items[i]!.headers) return true;
    for (const b of this.#unsent) if (b.headers) return true;
    return false;
  }

  /** Bytes kept for the next connection: the queue and what a dead transport never sent. */
  waitingBytes(): number {
    let n = this.bytes;
    for (const b of this.#unsent) n += b.bytes!.length;
    return n;
  }

  /** Adds the waiters of the PINGs in the queue and the unsent batches to `waiters`. */
  collectWaiters(waiters: Set<PongWaiter>): void {
    for (const b of this.#unsent) if (b.pings) for (const w of b.pings) waiters.add(w);
    for (let i = this.#head; i < this.#items.length; i++) {
      const pings = this.#items[i]!.pings;
      if (pings) for (const w of pings) waiters.add(w);
    }
  }

  /** Empties the queue and the unsent batches, adding the waiters of their PINGs to `waiters`. */
  clear(waiters: Set<PongWaiter>): void {
    this.collectWaiters(waiters);
    this.#unsent = [];
    this.#items = [];
    this.#head = 0;
    this.bytes = 0;
  }
}
