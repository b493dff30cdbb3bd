/**
 * The outbound side of a connection. Frames are encoded into one buffer and
 * written in one batch per microtask (at once past FLUSH_THRESHOLD). When the
 * transport asks to drain, only full buffers go to it (up to WRITE_AHEAD) or
 * wait here in a queue, each written once, in order, as the transport takes
 * them; the buffer being filled waits for the drain: memory is the bytes
 * published and nothing more, and a publisher is never refused for being
 * fast. While disconnected the queue is the reconnect buffer. A transport
 * that can write synchronously (tryWrite) gets the bytes of a synchronous
 * publish loop while the loop runs, as far as the system takes them.
 *
 * PING waiters are kept in the order of their PINGs (the server answers in
 * order). With a transport that reports when it is done with each write
 * (Node), batches it never sent when the connection died come back: they go
 * out first after the reconnect, with their PINGs' waiters, so nothing that
 * publish() accepted is dropped with a socket's queue.
 *
 * A ProgressWatch tells a server that stopped reading (bytes wait and none
 * leave) from a fast publisher (bytes wait and leave).
 */
import { type Clock, unrefClock } from "../clock.js";
import { ClosedConnectionError } from "../errors.js";
import { OutboundBuffer, PING } from "../protocol/encoder.js";
import type { Transport, WriteBuffers } from "../transport/transport.js";
import { type Batch, BatchQueue } from "./batch-queue.js";
import { type PongWaiter, PongWaiters } from "./pong-waiters.js";
import { type ProgressHost, ProgressWatch } from "./progress.js";

export type { PongWaiter };

/** Outbound bytes above which a batch is written at once rather than at the end of the microtask. */
export const FLUSH_THRESHOLD = 64 * 1024;

/**
 * How far ahead of the socket the writer goes when the transport has asked
 * to drain: writes queued in the transport behind one in flight go out
 * together (Node: one writev) when it completes, so a backed-up connection
 * sends in batches of up to this size rather than one buffer per drain event.
 * It also bounds what a destroyed socket may take with it unsent (its queued
 * writes come back to be sent again; the one in flight does not).
 */
export const WRITE_AHEAD = 1024 * 1024;
/** The size of the encoder's buffers; the queue holds buffers of this size. */
const BUFFER_SIZE = 256 * 1024;

/** A batch at most this big is copied when the transport is backed up (cheaper than a new buffer). */
const COPY_LIMIT = 16 * 1024;

/** What the writer tells its connection. */
export interface WriterOwner {
  /** bytes wait and none have left for a while (see ProgressWatch) */
  onStall(idleMs: number, waiting: number): void;
  /** bytes wait and none left for `timeout` */
  onStallTimeout(idleMs: number, waiting: number): void;
}

/**
 * True when the transport has asked to drain and holds WRITE_AHEAD bytes
 * already: what follows waits here (ours to send again on another connection)
 * until its drain. Transports that do not ask take everything.
 */
function behind(t: Transport): boolean {
  return t.needsDrain === true && t.pendingBytes >= WRITE_AHEAD;
}

export class Writer implements ProgressHost {
  // large buffers: fewer allocations, which the system also serves faster (fresh zero pages)
  readonly out = new OutboundBuffer(BUFFER_SIZE);
  /** where batches go; undefined or not `open` while (re)connecting */
  transport: Transport | undefined;
  /** true while batches may be written (connected, or closing and sending the rest) */
  open = false;
  /** true while the progress watch reports a stall */
  stalled = false;
  /** the transport's backlog after the last write: publish() reads it without asking the socket */
  #backlog = 0;
  /** full buffers (and batches a dead transport never sent) waiting for the transport, oldest first */
  readonly #queue = new BatchQueue();
  /** bytes handed to the current transport (with its pendingBytes: how many it has sent) */
  #handed = 0;
  #flushScheduled = false;
  /** the system took less than it was offered (tryWrite): no new try until the next full buffer or flush */
  #refused = false;
  readonly #flushTask = () => {
    this.#flushScheduled = false;
    this.flush();
  };
  /** PONG waiters, in the order of their PINGs: still in `out` (they travel with it), or sent */
  readonly #pings = new PongWaiters();
  #readyWaiters: PongWaiter[] = [];
  /** batches the transport holds, in write order (only for transports that report `written`) */
  #inFlight: Batch[] = [];
  /** the `written` callback of the current transport (a new one per transport, so a late call from an old one finds its own list) */
  #written: ((unsent?: boolean) => void) | undefined;
  /** why the last connection dropped, for PINGs that were sent into it */
  #dropError: Error | undefined;
  #closed = false;
  #emptyWaiter: (() => void) | undefined;
  readonly #watch: ProgressWatch;
  readonly #owner: WriterOwner;

  /** `writeBuffers`: where buffers come from while the transport backs up (TransportFactory.writeBuffers) */
  constructor(
    owner: WriterOwner,
    stallTimeout: number,
    clock: Clock = unrefClock,
    writeBuffers?: (size: number) => WriteBuffers,
  ) {
    this.#owner = owner;
    this.out.carveFrom(writeBuffers?.(this.out.capacity));
    this.out.spill = () => this.#spill();
    this.#watch = new ProgressWatch(this, stallTimeout, clock);
  }

  /** Call after writing frames into `out`: they go out at the end of the microtask, or now if many. */
  schedule(): void {
    if (this.out.length < FLUSH_THRESHOLD) {
      this.#scheduleFlush();
      return;
    }
    const t = this.transport;
    if (t === undefined || t.tryWrite === undefined) {
      this.flush();
      return;
    }
    // now, as far as the system takes them; the rest waits for the microtask
    // (or the next full buffer, once the system has refused some)
    if (this.open && !this.#refused && t.pendingBytes === 0) this.#writeNow(t);
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    queueMicrotask(this.#flushTask);
  }

  /**
   * Writes what waits, as far as the transport takes it; `out` follows the
   * queue, unless the transport has asked to drain: then `out` is written
   * when full (spill) or at the drain, so a backed-up socket is handed full
   * buffers rather than a part-filled one per microtask.
   */
  flush(): void {
    const t = this.transport;
    if (!this.open || t === undefined) return;
    this.#refused = false;
    if (t.tryWrite !== undefined && t.pendingBytes === 0) this.#writeNow(t);
    this.#pump(t);
    if (this.#queue.empty && this.out.length > 0 && t.needsDrain !== true) this.#writeOut(t);
    this.#backlog = t.pendingBytes;
    if (this.#backlog > 0 || !this.#queue.empty || this.out.length > 0) {
      this.#watch.arm();
      return;
    }
    // buffers the transport still holds come back to the spares: settle once they have
    if (this.#inFlight.length === 0) this.out.settle();
    if (this.#emptyWaiter !== undefined) {
      const w = this.#emptyWaiter;
      this.#emptyWaiter = undefined;
      w();
    }
  }

  /** Calls `w` once everything accepted has been handed to the transport (now, if it has). */
  whenEmpty(w: () => void): void {
    this.#emptyWaiter = w;
    this.flush();
  }

  /** Nothing more goes to the transport (it is being torn down); what waits stays here. */
  hold(): void {
    this.open = false;
    this.#watch.stop();
    this.stalled = false;
  }

  /** Queued batches to the transport, oldest first, until it asks to drain. */
  #pump(t: Transport): void {
    while (!this.#queue.empty && !behind(t)) {
      const b = this.#queue.shift();
      const bytes = b.bytes!;
      this.#pings.sent(b.pings);
      if (this.#written !== undefined) this.#inFlight.push(b);
      this.#handed += bytes.length;
      t.write(bytes, this.#written);
    }
  }

  /** `out` to the transport: the buffer itself if the transport keeps it, else reused. */
  #writeOut(t: Transport): void {
    const out = this.out;
    const pings = this.#pings.takeQueued();
    const lead = out.lead;
    const headers = out.hasHeaders;
    this.#handed += out.length;
    if (t.pendingBytes === 0) {
      // an idle socket usually takes the bytes at once (written to the kernel
      // before write() returns): then the buffer is free again, no copy made
      const batch = this.#track(undefined, undefined, pings, lead, headers);
      const view = out.view();
      t.write(view, this.#written);
      if (t.pendingBytes === 0) {
        out.reset();
      } else {
        const given = out.detach();
        if (batch) {
          batch.bytes = view;
          batch.buffer = given;
        }
      }
    } else if (out.length <= COPY_LIMIT) {
      const copy = out.view().slice();
      this.#track(copy, undefined, pings, lead, headers);
      t.write(copy, this.#written);
      out.reset();
    } else {
      const view = out.view();
      this.#track(view, out.detach(), pings, lead, headers);
      t.write(view, this.#written);
    }
  }

  /** The encoder's buffer is full: write it if the transport takes it, else queue it and go on in another. */
  #spill(): void {
    const t = this.transport;
    if (this.open && t !== undefined) {
      if (t.tryWrite !== undefined && t.pendingBytes === 0) {
        // a new buffer's worth since the last try: the system may take it now
        this.#refused = false;
        this.#writeNow(t);
        if (this.out.length === 0) return;
        // what it did not take leaves the transport free: handed to it after this synchronous run
        this.#scheduleFlush();
      } else if (this.#queue.empty && !behind(t)) {
        this.#writeOut(t);
        this.#backlog = t.pendingBytes;
        if (this.#backlog > 0) this.#watch.arm();
        return;
      }
    }
    this.#queueOut();
    if (this.open) this.#watch.arm();
  }

  /** `out` joins the queue, with its PINGs, and the encoder goes on in another buffer. */
  #queueOut(): void {
    const out = this.out;
    const lead = out.lead;
    const headers = out.hasHeaders;
    this.#queue.push({ bytes: out.view(), buffer: out.detach(), pings: this.#pings.takeQueued(), lead, headers });
  }

  /**
   * What waits, to the system at once (`tryWrite`; the transport holds
   * nothing): the queue in order, then `out`, as far as the socket's buffer
   * takes them. What it does not take stays here, in order; a batch taken in
   * part keeps its rest, which begins inside a frame (see BatchQueue.cut).
   * Sets `refused` when something stayed.
   */
  #writeNow(t: Transport): void {
    const q = this.#queue;
    while (!q.empty) {
      const bytes = q.first().bytes!;
      const n = t.tryWrite!(bytes);
      this.#handed += n;
      if (n < bytes.length) {
        this.#refused = true;
        if (n > 0) q.cut(n);
        return;
      }
      const b = q.shift();
      this.#pings.sent(b.pings);
      this.out.recycle(b.buffer);
    }
    const out = this.out;
    if (out.length === 0) return;
    const view = out.view();
    const n = t.tryWrite!(view);
    if (n < view.length) this.#refused = true;
    if (n === 0) return;
    this.#handed += n;
    if (n === view.length) {
      this.#pings.sent(this.#pings.takeQueued());
      out.reset();
      return;
    }
    // the rest begins inside a frame: queued, then cut where the system stopped
    this.#queueOut();
    q.cut(n);
  }

  /** Records a batch the transport holds until its `written` callback (when it has one); its PINGs are on the wire. */
  #track(
    bytes: Uint8Array | undefined,
    buffer: Uint8Array | undefined,
    pings: PongWaiter[] | undefined,
    lead: number,
    headers: boolean,
  ): Batch | undefined {
    this.#pings.sent(pings);
    if (this.#written === undefined) return undefined;
    const b: Batch = { bytes, buffer, pings, lead, headers };
    this.#inFlight.push(b);
    return b;
  }

  /** Queues a PING whose PONG calls `w`, and writes it now (with what precedes it) if the transport takes it. */
  ping(w: PongWaiter): void {
    this.out.raw(PING);
    this.#pings.queue(w);
    this.flush();
  }

  /** The next PONG arrived: its waiter runs. */
  pong(): void {
    this.#pings.answer();
  }

  /**
   * The connection dropped: PINGs written into it will not be answered.
   * Those still in batches the transport holds wait for the batch's fate:
   * sent, they fail; never sent, they go out again with the batch. Once
   * bytes went to this connection, the PINGs still waiting here fail too,
   * though they go out on the next one: what those bytes held may be lost
   * with the socket, so their PONGs would confirm nothing (3.4's flush()
   * rejects as well). A later PONG finds the waiter settled (see ping()).
   */
  dropped(err: Error): void {
    this.open = false;
    this.#dropError = err;
    this.#watch.stop();
    this.stalled = false;
    let held = 0;
    for (const b of this.#inFlight) held += b.pings ? b.pings.length : 0;
    const waiters = this.#pings.takeSent(held);
    for (const w of waiters) w(err);
    if (this.#handed === 0) return;
    for (const w of this.#unsentWaiters(new Set())) w(err);
  }

  /** Called per batch by the transport when it is done with it; `unsent`: the bytes never left the process. */
  #onWritten(inFlight: Batch[], unsent: boolean | undefined): void {
    const b = inFlight.shift();
    if (b === undefined || this.#closed) return;
    const current = inFlight === this.#inFlight;
    if (unsent && b.bytes !== undefined) {
      // a dead connection's batch: it goes first on the next one (its PINGs'
      // waiters may also be failed by dropped(); a waiter settles only once)
      this.#queue.keepUnsent(b);
      return;
    }
    // written into a connection that is gone: no PONG will come
    if (!current && b.pings) this.#failAll(b.pings);
    this.out.recycle(b.buffer);
    if (inFlight.length === 0 && this.#queue.empty && this.out.length === 0) this.out.settle();
  }

  /** Bytes accepted but not yet handed to the system: here and in the transport (as of the last write or drain). */
  outboundBytes(): number {
    return this.out.length + this.#queue.bytes + (this.open ? this.#backlog : 0);
  }

  /**
   * True if what waits for the next connection (`out`, the queue, what a
   * dead transport never sent) holds a message with headers, published
   * while disconnected or before: a server that takes no headers must not get it.
   */
  replaysHeaders(): boolean {
    return this.out.hasHeaders || this.#queue.holdsHeaders();
  }

  /** Bytes kept here while disconnected (the reconnect buffer): `out`, the queue and what a dead transport never sent. */
  bufferedBytes(): number {
    return this.out.length + this.#queue.waitingBytes();
  }

  /** Resolves once `outboundBytes()` is at most `limit` (checked on drain and on reconnect). */
  ready(limit: number): Promise<void> {
    if (this.open && this.outboundBytes() <= limit) return Promise.resolve();
    // what waits goes to the transport now: an idle socket may take it at
    // once (no drain event will follow), else its drain event follows
    this.flush();
    if (this.open && this.outboundBytes() <= limit) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#readyWaiters.push((err) => (err ? reject(err) : resolve()));
    });
  }

  /** The transport drained: what waited goes on, and `ready()` callers wake if the queue is down to `limit`. */
  checkReady(limit: number): void {
    this.flush();
    if (this.#readyWaiters.length === 0 || !this.open || this.outboundBytes() > limit) return;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * A new transport, ready for frames: what the last one never sent goes
   * first, then the queue (what waited for a drain, and what was published
   * while disconnected), then `out`.
   */
  attach(transport: Transport): void {
    this.transport = transport;
    this.#backlog = 0;
    this.#handed = 0;
    const inFlight: Batch[] = [];
    this.#inFlight = inFlight;
    this.#written = transport.reportsWritten
      ? (unsent?: boolean) => this.#onWritten(inFlight, unsent)
      : undefined;
    if (this.#queue.resume((pings) => this.#failAll(pings)) && this.out.lead > 0) {
      // `out` itself continues the frame the dead connection cut: keep only the frames after it
      const rest = this.out.view().slice(this.out.lead);
      const headers = this.out.hasHeaders;
      this.out.reset();
      this.out.raw(rest);
      this.out.hasHeaders = headers;
    }
    this.open = true;
  }

  /** PINGs that will never be answered: written into a connection that is gone, or lost with it. */
  #failAll(pings: PongWaiter[]): void {
    const err = this.#dropError ?? new ClosedConnectionError();
    for (const w of pings) w(err);
  }

  /**
   * Drops what waits for the next connection: `out`, the queue and what a
   * dead transport never sent. The waiters of the PINGs among it fail with `err`.
   */
  discard(err: Error): void {
    const waiters = new Set<PongWaiter>();
    this.#dropWaiting(waiters);
    for (const w of waiters) w(err);
  }

  /** The connection is closed for good: every waiter fails, the buffers are dropped. */
  close(): void {
    this.open = false;
    this.#closed = true;
    this.#emptyWaiter = undefined;
    this.#watch.stop();
    // a PING in a batch the transport holds is also listed in `sent`: each waiter runs once
    const waiters = this.#unsentWaiters(new Set(this.#pings.takeSent()));
    this.#dropWaiting(waiters);
    for (const w of this.#readyWaiters) waiters.add(w);
    this.#inFlight = [];
    // a closed connection that stays referenced keeps no region
    this.out.release();
    this.#readyWaiters = [];
    if (waiters.size === 0) return;
    const err = new ClosedConnectionError();
    for (const w of waiters) w(err);
  }

  /** Empties `out`, the queue and what a dead transport never sent, adding the waiters of their PINGs to `waiters`. */
  #dropWaiting(waiters: Set<PongWaiter>): void {
    this.#queue.clear(waiters);
    this.#pings.collectQueued(waiters, true);
    this.out.clear();
  }

  /** Adds the waiters of the PINGs not sent: in batches the transport holds, in the queue, in `out`. */
  #unsentWaiters(into: Set<PongWaiter>): Set<PongWaiter> {
    for (const b of this.#inFlight) if (b.pings) for (const w of b.pings) into.add(w);
    this.#queue.collectWaiters(into);
    this.#pings.collectQueued(into);
    return into;
  }

  // ---- ProgressHost ------------------------------------------------------

  waitingBytes(): number {
    if (!this.open || this.transport === undefined) return 0;
    return this.out.length + this.#queue.bytes + this.transport.pendingBytes;
  }

  sentBytes(): number {
    const t = this.transport;
    return t === undefined ? 0 : this.#handed - t.pendingBytes;
  }

  onStall(idleMs: number): void {
    this.stalled = true;
    this.#owner.onStall(idleMs, this.waitingBytes());
  }

  onStallTimeout(idleMs: number): void {
    this.#owner.onStallTimeout(idleMs, this.waitingBytes());
  }

  onProgress(): void {
    this.stalled = false;
  }
}
