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

/** A batch at most this big is copied when the transport is backed up (cheaper than a new buffer). */
const COPY_LIMIT = 16 * 1024;
/** Buffers kept for reuse once the transport is done with them. */
const MAX_SPARE = 4;

export class Writer {
  readonly out = new OutboundBuffer();
  /** the transport's backlog after the last write: publish() checks its limit against it without asking the socket */
  private backlog = 0;
  /**
   * Buffers handed to the transport, in write order, for its `written`
   * callbacks (null: the buffer went on being used). Returned buffers are
   * kept as `spare`, so a backed-up socket does not make a fresh buffer per
   * batch (garbage that V8 collects late, as RSS growth).
   */
  private inFlight: (Uint8Array | null)[] = [];
  private spare: Uint8Array[] = [];
  /** the `written` callback of the current transport (a new one per transport, so a late call from an old one is ignored) */
  private written: (() => void) | undefined;
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

  constructor() {
    this.out.spill = () => this.flush();
  }

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
    const t = this.transport;
    if (!this.open || this.out.length === 0 || t === undefined) return;
    const out = this.out;
    if (t.pendingBytes === 0) {
      // an idle socket usually takes the bytes at once (written to the kernel
      // before write() returns): then the buffer is free again, no copy made
      const inFlight = this.inFlight;
      const slot = this.track(null);
      t.write(out.view(), this.written);
      if (t.pendingBytes === 0) {
        out.reset();
      } else {
        const given = out.detach(this.spare.pop());
        // the callback may already have run (then the slot is gone, and the buffer is simply dropped)
        if (slot >= 0 && inFlight === this.inFlight && inFlight.length > slot && inFlight[slot] === null) {
          inFlight[slot] = given;
        }
      }
    } else if (out.length <= COPY_LIMIT) {
      this.track(null);
      t.write(out.view().slice(), this.written);
      out.reset();
    } else {
      const view = out.view();
      this.track(out.detach(this.spare.pop()));
      t.write(view, this.written);
    }
    this.backlog = t.pendingBytes;
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

  /** Bytes accepted but not yet handed to the system: queued here and in the transport (as of the last write or drain). */
  outboundBytes(): number {
    return this.out.length + (this.open ? this.backlog : 0);
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

  /** Wakes `ready()` callers if the queue is down to `limit`; called when the transport drains. */
  checkReady(limit: number): void {
    this.backlog = this.open && this.transport ? this.transport.pendingBytes : 0;
    if (this.readyWaiters.length === 0 || !this.open || this.outboundBytes() > limit) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /** A new transport: callbacks of the old one are ignored from now on. */
  attach(transport: Transport): void {
    this.transport = transport;
    this.backlog = 0;
    const inFlight: (Uint8Array | null)[] = [];
    this.inFlight = inFlight;
    this.written = transport.reportsWritten
      ? () => {
        const b = inFlight.shift();
        if (b && inFlight === this.inFlight && this.spare.length < MAX_SPARE) this.spare.push(b);
      }
      : undefined;
  }

  /** Records a buffer the transport holds until its `written` callback (when it has one). */
  private track(b: Uint8Array | null): number {
    if (this.written === undefined) return -1;
    return this.inFlight.push(b) - 1;
  }

  /** The connection is closed for good: every waiter fails, the buffer is dropped. */
  close(): void {
    this.open = false;
    this.inFlight = [];
    this.spare = [];
    this.out.clear();
    const err = new ClosedConnectionError();
    this.rejectSent(err);
    const waiters = [...this.queued, ...this.readyWaiters];
    this.queued = [];
    this.readyWaiters = [];
    for (const w of waiters) w(err);
  }
}
