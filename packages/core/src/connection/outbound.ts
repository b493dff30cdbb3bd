/**
 * What a connection sends, and the rules for it: frames are encoded into the
 * writer; publishing is refused only for a bound (the `maxOutboundBytes` the
 * user set, the reconnect buffer while disconnected, a server that stopped
 * reading) and otherwise signals backpressure by returning false; PINGs are
 * matched with their PONGs; the counters and the debug trace of outbound
 * frames live here.
 */
import type { Stats, Status } from "../types.js";
import { unrefClock } from "../clock.js";
import { ConnectionError, ErrorCode } from "../errors.js";
import { controlLineBound, PONG } from "../protocol/encoder.js";
import type { Transport, WriteBuffers } from "../transport/transport.js";
import { DEFAULT_OUTBOUND_HIGH_WATER, type ParsedOptions } from "./options.js";
import type { SubscriptionSink } from "./subscriptions.js";
import { type PongWaiter, Writer, type WriterOwner } from "./writer.js";

/** A request, as the outbound queue sees it: whether its caller still waits for the reply. */
export interface AwaitedRequest {
  readonly pending: boolean;
}

/** A request made while disconnected: sent on the next connection if its caller still waits for it. */
interface HeldRequest {
  subject: string;
  reply: string;
  headers: Uint8Array | undefined;
  data: Uint8Array;
  request: AwaitedRequest;
}

function heldSize(h: HeldRequest): number {
  return controlLineBound(h.subject, h.reply) + (h.headers ? h.headers.length : 0) + h.data.length;
}

export class Outbound {
  readonly #writer: Writer;
  /**
   * Requests made while disconnected, apart from the reconnect buffer: one
   * that timed out meanwhile is not sent (its caller was told it failed, and
   * a retry must not find it done, e.g. a KV create), and one that does not
   * fit is dropped to time out (as 3.4: a TimeoutError, which @nats-io/jetstream
   * retries) rather than thrown at.
   */
  #held: HeldRequest[] = [];
  #heldBytes = 0;
  /** outbound bytes above which publish() returns false and ready() waits for half */
  readonly #highWater: number;
  /** frames go to a transport (else they wait: the reconnect buffer) */
  #connected = false;
  /** messages dropped in this outage because the default reconnect buffer was full */
  #dropped = 0;
  readonly #options: ParsedOptions;
  readonly #stats: Stats;
  readonly #onStatus: (s: Status) => void;

  constructor(
    options: ParsedOptions,
    stats: Stats,
    owner: WriterOwner,
    onStatus: (s: Status) => void,
    writeBuffers?: (size: number) => WriteBuffers,
  ) {
    this.#options = options;
    this.#stats = stats;
    this.#onStatus = onStatus;
    this.#writer = new Writer(owner, options.timeout, unrefClock, writeBuffers);
    this.#highWater = options.maxOutboundBytes ?? DEFAULT_OUTBOUND_HIGH_WATER;
  }

  // ---- frames ---------------------------------------------------------------

  /**
   * Queues a PUB/HPUB; the caller has validated everything. While
   * disconnected the frame waits, up to `reconnectBufSize` bytes; a
   * `request`'s waits apart, see #held. Returns false when the publisher
   * should `await ready()`: the outbound queue is above its high-water mark,
   * or the connection is down (so a publisher that waits loses nothing). The
   * message is queued either way, unless a default bound is full (the
   * reconnect buffer, or the high-water mark of a server that stopped
   * reading): then it is dropped, which an `error` status reports; a bound the
   * user set throws instead.
   */
  publish(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: Uint8Array | string,
    request?: AwaitedRequest,
  ): boolean {
    const out = this.#writer.out;
    const data = typeof payload === "string" ? out.utf8(payload) : payload;
    if (this.#connected) {
      const outbound = this.#writer.outboundBytes();
      if (outbound > this.#highWater && !this.#fitsOutbound(outbound)) return false;
    } else if (request !== undefined && reply !== undefined && this.#options.reconnectBufSize > 0) {
      this.#hold({ subject, reply, headers, data: data.slice(), request });
      return true;
    } else if (!this.#fitsReconnectBuffer(subject, reply, headers, data)) {
      return false;
    }
    const size = out.pub(subject, reply, headers, data);
    this.#stats.outMsgs++;
    // stats count payload bytes (headers included), as the official client does
    this.#stats.outBytes += size;
    this.#options.debug?.(
      `> ${headers ? "HPUB" : "PUB"} ${subject}${reply ? " " + reply : ""}${headers ? " " + headers.length : ""} ${size} [${size} payload bytes]`,
    );
    this.#writer.schedule();
    return this.#connected && this.#writer.outboundBytes() <= this.#highWater;
  }

  /**
   * Above the high-water mark: a frame is refused past the user's hard bound
   * (a throw), or while the server takes nothing (dropped: the stall's `error`
   * status reported it, and a loop that runs through a paused server on 3.4,
   * which buffers without bound, must not die on ours).
   */
  #fitsOutbound(outbound: number): boolean {
    const max = this.#options.maxOutboundBytes;
    if (max !== undefined) {
      throw new ConnectionError(
        `outbound buffer full: ${outbound} bytes wait to be written (maxOutboundBytes ${max}); await nc.ready() before publishing more`,
        { code: ErrorCode.OutboundFull },
      );
    }
    return !this.#writer.stalled;
  }

  /** Keeps a request for the next connection if it fits with what is kept already (the requests given up on make room). */
  #hold(r: HeldRequest): void {
    const size = heldSize(r);
    const limit = this.#options.reconnectBufSize;
    if (this.#writer.bufferedBytes() + this.#heldBytes + size > limit) {
      this.#held = this.#held.filter((h) => h.request.pending);
      this.#heldBytes = this.#held.reduce((n, h) => n + heldSize(h), 0);
      if (this.#writer.bufferedBytes() + this.#heldBytes + size > limit) {
        this.#options.debug?.(`request to ${r.subject} not kept: the reconnect buffer is full (it times out)`);
        return;
      }
    }
    this.#held.push(r);
    this.#heldBytes += size;
  }

  /** The requests kept while disconnected that are still awaited go out, after what the reconnect buffer holds. */
  #sendHeld(): void {
    const held = this.#held;
    this.#dropHeld();
    for (const h of held) {
      if (h.request.pending) this.publish(h.subject, h.reply, h.headers, h.data);
    }
  }

  #dropHeld(): void {
    this.#held = [];
    this.#heldBytes = 0;
  }

  /**
   * While disconnected a frame is kept only if it fits in `reconnectBufSize`
   * with what is kept already. Past a bound the user set, publish() throws (as
   * nats.go's); past the default one the message is dropped, with one `error`
   * status per outage, so a publish loop that runs through an outage on 3.4
   * (which drops everything published while disconnected) does not die on ours.
   */
  #fitsReconnectBuffer(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    data: Uint8Array,
  ): boolean {
    const limit = this.#options.reconnectBufSize;
    const frame = controlLineBound(subject, reply) + (headers ? headers.length : 0) + data.length;
    if (this.#writer.bufferedBytes() + this.#heldBytes + frame <= limit) return true;
    const error = new ConnectionError(
      limit === 0
        ? "not connected, and the reconnect buffer is disabled (reconnectBufSize: 0)"
        : `reconnect buffer exceeded: the message does not fit in the ${limit} bytes kept while disconnected`,
      { code: ErrorCode.ReconnectBufferFull },
    );
    if (this.#options.reconnectBufBound) throw error;
    if (this.#dropped++ === 0) this.#onStatus({ type: "error", error });
    return false;
  }

  /** SUB (and UNSUB max when given); while disconnected, the resubscription after the handshake covers it. */
  sub(sub: SubscriptionSink, max?: number): void {
    if (!this.#connected) return;
    this.#options.debug?.(`> SUB ${sub.subject}${sub.queue ? " " + sub.queue : ""} ${sub.sid}`);
    this.#writer.out.sub(sub.subject, sub.queue, sub.sid);
    if (max !== undefined && max > 0) {
      this.#options.debug?.(`> UNSUB ${sub.sid} ${max}`);
      this.#writer.out.unsub(sub.sid, max);
    }
    this.#writer.schedule();
  }

  /** UNSUB (with `max`, the server stops after that many messages in all). */
  unsub(sid: number, max?: number): void {
    if (!this.#connected) return;
    this.#options.debug?.(`> UNSUB ${sid}${max !== undefined ? " " + max : ""}`);
    this.#writer.out.unsub(sid, max);
    this.#writer.schedule();
  }

  /** Answers a server PING. */
  pong(): void {
    this.#options.debug?.("> PONG");
    this.#writer.out.raw(PONG);
    this.#writer.schedule();
  }

  /**
   * Sends a PING whose PONG calls `w` (with an error if none will come).
   * While disconnected it waits with the buffered frames, so its PONG still
   * confirms they reached the server.
   */
  ping(w: PongWaiter): void {
    this.#options.debug?.("> PING");
    this.#writer.ping(w);
  }

  /** A PONG arrived: the oldest PING's waiter runs. */
  onPong(): void {
    this.#writer.pong();
  }

  // ---- readiness -------------------------------------------------------------

  /** Resolves when the outbound queue is at most half of its high-water mark (at once if it is). */
  ready(): Promise<void> {
    return this.#writer.ready(this.#highWater / 2);
  }

  /** The transport drained: what waited goes on; ready() callers may wake. */
  onDrain(): void {
    this.#writer.checkReady(this.#highWater / 2);
  }

  // ---- the connection's lifecycle ------------------------------------------------

  /** A new connection is up: what waited goes first, then what comes. */
  attach(transport: Transport): void {
    this.#connected = true;
    if (this.#dropped > 0) {
      this.#options.debug?.(`${this.#dropped} messages published while disconnected were dropped: the reconnect buffer was full`);
      this.#dropped = 0;
    }
    this.#writer.attach(transport);
    this.#sendHeld();
    this.onDrain();
  }

  /** Before attach(): drops what waits for the next connection (held requests time out); a `flush()` among it fails with `err`. */
  discard(err: Error): void {
    this.#writer.discard(err);
    this.#dropHeld();
  }

  /** True if what waits for the next connection holds a message with headers (see Writer.replaysHeaders). */
  replaysHeaders(): boolean {
    return this.#writer.replaysHeaders() || this.#held.some((h) => h.headers !== undefined);
  }

  /** The connection is being torn down: nothing more goes to its transport. */
  hold(): void {
    this.#writer.hold();
  }

  /** The connection dropped: PINGs sent into it fail with `err`; frames wait for the next one. */
  dropped(err: Error): void {
    this.#connected = false;
    this.#writer.dropped(err);
  }

  /** Calls `w` once everything accepted has been handed to the transport. */
  whenEmpty(w: () => void): void {
    this.#writer.whenEmpty(w);
  }

  /** Bytes accepted and not yet sent. */
  waitingBytes(): number {
    return this.#writer.waitingBytes();
  }

  /** Closed for good: every waiter fails, the buffers are dropped. */
  close(): void {
    this.#connected = false;
    this.#dropHeld();
    this.#writer.close();
  }
}
