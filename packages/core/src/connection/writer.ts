/**
 * The outbound side of a connection: frames are encoded into one buffer and
 * written in one batch per microtask (at once past FLUSH_THRESHOLD), PING
 * waiters are kept in the order of their PINGs, and callers of `ready()` wait
 * for the transport to drain. While disconnected nothing is written: the
 * buffer is the reconnect buffer, and its PINGs keep their waiters.
 *
 * With a transport that reports when it is done with each write (Node),
 * batches it never sent when the connection died come back: they go out
 * first after the reconnect, with their PINGs' waiters, so nothing that
 * publish() accepted is dropped with a socket's queue.
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

/** A batch the transport holds until its `written` callback. */
interface Batch {
  /** the bytes, if they are ours to send again (undefined: the buffer went on being used) */
  bytes: Uint8Array | undefined;
  /** the buffer to reuse once written */
  buffer: Uint8Array | undefined;
  /** waiters of the PINGs in these bytes */
  pings: PongWaiter[] | undefined;
}

export class Writer {
  readonly out = new OutboundBuffer();
  /** where batches go; undefined or not `open` while (re)connecting */
  transport: Transport | undefined;
  /** true while batches may be written (connected, or closing and sending the rest) */
  open = false;
  /** the transport's backlog after the last write: publish() checks its limit against it without asking the socket */
  private backlog = 0;
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
  /** batches the transport holds, in write order (only for transports that report `written`) */
  private inFlight: Batch[] = [];
  /** the `written` callback of the current transport (a new one per transport, so a late call from an old one finds its own list) */
  private written: ((unsent?: boolean) => void) | undefined;
  /** batches a dead transport never sent, and their PINGs' waiters: they go first after the reconnect */
  private unsent: Uint8Array[] = [];
  private unsentPings: PongWaiter[] = [];
  /** why the last connection dropped, for PINGs that were sent into it */
  private dropError: Error | undefined;
  private spare: Uint8Array[] = [];
  private closed = false;

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

  /**
   * Writes what is queued, if the connection can take it. While the
   * transport asks to drain, bytes stay here: they are ours to send again
   * on the next connection, while bytes in a dead socket's queue are lost.
   */
  flush(): void {
    const t = this.transport;
    if (!this.open || this.out.length === 0 || t === undefined || t.needsDrain) return;
    const out = this.out;
    const pings = this.queued.length > 0 ? this.queued : undefined;
    if (pings) {
      // their PINGs are on the wire now
      for (const w of pings) this.sent.push(w);
      this.queued = [];
    }
    if (t.pendingBytes === 0) {
      // an idle socket usually takes the bytes at once (written to the kernel
      // before write() returns): then the buffer is free again, no copy made
      const batch = this.track(undefined, undefined, pings);
      const view = out.view();
      t.write(view, this.written);
      if (t.pendingBytes === 0) {
        out.reset();
      } else {
        const given = out.detach(this.spare.pop());
        if (batch) {
          batch.bytes = view;
          batch.buffer = given;
        }
      }
    } else if (out.length <= COPY_LIMIT) {
      const copy = out.view().slice();
      this.track(copy, undefined, pings);
      t.write(copy, this.written);
      out.reset();
    } else {
      const view = out.view();
      this.track(view, out.detach(this.spare.pop()), pings);
      t.write(view, this.written);
    }
    this.backlog = t.pendingBytes;
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

  /**
   * The connection dropped: PINGs written into it will not be answered.
   * Those still in batches the transport holds wait for the batch's fate:
   * sent, they fail; never sent, they go out again with the batch.
   */
  dropped(err: Error): void {
    this.open = false;
    this.dropError = err;
    let held = 0;
    for (const b of this.inFlight) held += b.pings ? b.pings.length : 0;
    const waiters = this.sent.slice(this.sentHead, this.sent.length - held);
    this.sent = [];
    this.sentHead = 0;
    for (const w of waiters) w(err);
  }

  /** Called per batch by the transport when it is done with it; `unsent`: the bytes never left the process. */
  private onWritten(inFlight: Batch[], unsent: boolean | undefined): void {
    const b = inFlight.shift();
    if (b === undefined || this.closed) return;
    const current = inFlight === this.inFlight;
    if (unsent && b.bytes !== undefined) {
      // a dead connection's batch: it goes first on the next one (its PINGs'
      // waiters may also be failed by dropped(); a waiter settles only once)
      this.unsent.push(b.bytes);
      if (b.pings) this.unsentPings.push(...b.pings);
      return;
    }
    if (!current && b.pings) {
      // written into a connection that is gone: no PONG will come
      const err = this.dropError ?? new ClosedConnectionError();
      for (const w of b.pings) w(err);
    }
    if (b.buffer && this.spare.length < MAX_SPARE) this.spare.push(b.buffer);
  }

  /** Bytes accepted but not yet handed to the system: queued here and in the transport (as of the last write or drain). */
  outboundBytes(): number {
    return this.out.length + (this.open ? this.backlog : 0);
  }

  /** Resolves once `outboundBytes()` is at most `limit` (checked on drain and on reconnect). */
  ready(limit: number): Promise<void> {
    if (this.open && this.outboundBytes() <= limit) return Promise.resolve();
    // what is in `out` goes to the transport now: an idle socket may take it
    // at once (no drain event will follow), else its drain event follows
    this.flush();
    if (this.open && this.outboundBytes() <= limit) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.readyWaiters.push((err) => (err ? reject(err) : resolve()));
    });
  }

  /** Wakes `ready()` callers if the queue is down to `limit`; called when the transport drains. */
  checkReady(limit: number): void {
    // what waited for the drain goes now
    this.flush();
    this.backlog = this.open && this.transport ? this.transport.pendingBytes : 0;
    if (this.readyWaiters.length === 0 || !this.open || this.outboundBytes() > limit) return;
    const waiters = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * A new transport, ready for frames: what the last one never sent goes
   * first (ahead of what was published while disconnected), then `out`.
   */
  attach(transport: Transport): void {
    this.transport = transport;
    this.backlog = 0;
    const inFlight: Batch[] = [];
    this.inFlight = inFlight;
    this.written = transport.reportsWritten
      ? (unsent?: boolean) => this.onWritten(inFlight, unsent)
      : undefined;
    if (this.unsent.length > 0) {
      this.out.prepend(this.unsent);
      this.queued = [...this.unsentPings, ...this.queued];
      this.unsent = [];
      this.unsentPings = [];
    }
    this.open = true;
  }

  /** Records a batch the transport holds until its `written` callback (when it has one). */
  private track(
    bytes: Uint8Array | undefined,
    buffer: Uint8Array | undefined,
    pings: PongWaiter[] | undefined,
  ): Batch | undefined {
    if (this.written === undefined) return undefined;
    const b: Batch = { bytes, buffer, pings };
    this.inFlight.push(b);
    return b;
  }

  /** The connection is closed for good: every waiter fails, the buffer is dropped. */
  close(): void {
    this.open = false;
    this.closed = true;
    const err = new ClosedConnectionError();
    // waiters settle once: a second call (a waiter also listed in `sent`) does nothing
    const held = [...this.unsentPings];
    for (const b of this.inFlight) if (b.pings) held.push(...b.pings);
    this.inFlight = [];
    this.spare = [];
    this.out.clear();
    this.unsent = [];
    this.unsentPings = [];
    const sent = this.sent.slice(this.sentHead);
    this.sent = [];
    this.sentHead = 0;
    const waiters = [...sent, ...held, ...this.queued, ...this.readyWaiters];
    this.queued = [];
    this.readyWaiters = [];
    for (const w of waiters) w(err);
  }
}
