/**
 * The outbound side of a connection: frames are encoded into one buffer and
 * written in one batch per microtask (at once past FLUSH_THRESHOLD), PING
 * waiters are kept in the order of their PINGs, and callers of `ready()` wait
 * for the transport to drain. While disconnected nothing is written: the
 * buffer is the reconnect buffer, and its PINGs keep their waiters.
 */
import { ClosedConnectionError } from "../errors.js";
import { OutboundBuffer, PING } from "../protocol/encoder.js";
import type { Transport } from "../transport/transport.js";

/** Outbound bytes above which a batch is written at once rather than at the end of the microtask. */
export const FLUSH_THRESHOLD = 64 * 1024;

/** Called with no error when the PONG arrives, with one when it never will. */
export type PongWaiter = (err?: Error) => void;

export class Writer {
  readonly out = new OutboundBuffer();
  /** where batches go; undefined or not `open` while (re)connecting */
  transport: Transport | undefined;
  /** true while batches may be written (connected, or closing and sending the rest) */
  open = false;
  private flushScheduled = false;
  private readonly flushTask = () => {
    this.flushScheduled = false;
    this.flush();
  };
  /**
   * PONG waiters, in the order of their PINGs (the server answers in order).
   * `sent` are for PINGs handed to the transport; `queued` for PINGs still in
   * `out`, which survive a disconnect with the rest of `out`.
   */
  private sent: PongWaiter[] = [];
  private sentHead = 0;
  private queued: PongWaiter[] = [];
  private readyWaiters: PongWaiter[] = [];

  /** Call after writing frames into `out`: they go out at the end of the microtask, or now if many. */
  schedule(): void {
    if (this.out.length >= FLUSH_THRESHOLD) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  /** Writes what is queued, if the connection can take it. */
  flush(): void {
    if (!this.open || this.out.length === 0 || !this.transport) return;
    this.transport.write(this.out.take());
    if (this.queued.length > 0) {
      // their PINGs are on the wire now
      for (const w of this.queued) this.sent.push(w);
      this.queued = [];
    }
  }

  /** Queues a PING whose PONG calls `w`, and writes it now (with what precedes it). */
  ping(w: PongWaiter): void {
    this.out.raw(PING);
    this.queued.push(w);
    this.flush();
  }

  /** The next PONG arrived: its waiter runs. */
  pong(): void {
    if (this.sentHead >= this.sent.length) return;
    const waiter = this.sent[this.sentHead];
    this.sent[this.sentHead++] = undefined as unknown as PongWaiter;
    if (this.sentHead === this.sent.length) {
      this.sent.length = 0;
      this.sentHead = 0;
    }
    waiter();
  }

  /** The connection dropped: PINGs already written will never be answered. */
  rejectSent(err: Error): void {
    const waiters = this.sent.slice(this.sentHead);
    this.sent = [];
    this.sentHead = 0;
    for (const w of waiters) w(err);
  }

  /** Bytes accepted but not yet handed to the system: queued here and in the transport. */
  outboundBytes(): number {
    return this.out.length + (this.open && this.transport ? this.transport.pendingBytes : 0);
  }

  /** Resolves once `outboundBytes()` is at most `limit` (checked on drain and on reconnect). */
  ready(limit: number): Promise<void> {
    if (this.open && this.outboundBytes() <= limit) return Promise.resolve();
    // what is in `out` goes to the transport now, so its drain event can follow
    this.flush();
    return new Promise<void>((resolve, reject) => {
      this.readyWaiters.push((err) => (err ? reject(err) : resolve()));
    });
  }

  /** Wakes `ready()` callers if the queue is down to `limit`. */
  checkReady(limit: number): void {
    if (this.readyWaiters.length === 0 || !this.open || this.outboundBytes() > limit) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /** The connection is closed for good: every waiter fails, the buffer is dropped. */
  close(): void {
    this.open = false;
    this.out.clear();
    const err = new ClosedConnectionError();
    this.rejectSent(err);
    const waiters = [...this.queued, ...this.readyWaiters];
    this.queued = [];
    this.readyWaiters = [];
    for (const w of waiters) w(err);
  }
}
