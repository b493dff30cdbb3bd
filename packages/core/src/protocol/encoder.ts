/**
 * The client-to-server encoder: protocol lines are written byte by byte into
 * one reusable buffer (no intermediate strings) and payloads are copied in
 * once. When the buffer is full its owner takes it (`spill`) and the encoder
 * goes on in a fresh one; a large payload may continue across buffers, so a
 * queue of buffers holds the bytes published and nothing is copied again to
 * grow one. Callers validate subjects first (validate.ts): this module only
 * encodes.
 */

import type { WriteBuffers } from "../transport/transport.js";

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

const te = new TextEncoder();
const ascii = (s: string): Uint8Array => te.encode(s);

const SUB_ = ascii("SUB ");
const UNSUB_ = ascii("UNSUB ");
export const PING = ascii("PING\r\n");
export const PONG = ascii("PONG\r\n");
const CRLF = ascii("\r\n");

/** Default capacity; also what the buffer shrinks back to after a large take. */
export const INITIAL_CAPACITY = 64 * 1024;
/**
 * Buffers kept for reuse once the transport is done with them, while bytes
 * keep queuing: a backed-up publisher cycles through the same pages. Once
 * nothing waits they go with the region they lie on, if it is let go (see
 * buffer-region.ts).
 */
const MAX_SPARE = 32;

/**
 * An upper bound of the bytes of a PUB/HPUB/SUB control line with these two
 * strings: 3 bytes per UTF-16 unit covers any UTF-8 expansion; 40 covers the
 * op, the numbers, the spaces and the CRLF.
 */
export function controlLineBound(a: string, b: string | undefined): number {
  return (a.length + (b ? b.length : 0)) * 3 + 40;
}

export class OutboundBuffer {
  #buf: Uint8Array;
  /** bytes written since the last take, reset or detach */
  length = 0;
  /**
   * Bytes at the start of this buffer that end a frame begun in an earlier
   * buffer (0 when it starts with a frame). A buffer resent on a new
   * connection without its predecessor skips them.
   */
  lead = 0;
  /**
   * True when what was written since the last take, reset or detach holds
   * an HPUB line: a server that takes no headers must never get these bytes.
   */
  hasHeaders = false;
  /** true while a frame that began in an earlier buffer is still being written into this one */
  #continued = false;
  /** scratch space for string payloads, whose byte length precedes them on the wire */
  #scratch: Uint8Array = new Uint8Array(1024);

  /**
   * Called when what is written must leave the buffer: a frame does not fit
   * behind it, or a payload continues past its end. The owner takes `view()`
   * (and `lead`) and empties the buffer with `reset()` or `detach()`. Without
   * an owner, or if it leaves the bytes, the buffer grows instead.
   */
  spill: (() => void) | undefined;
  readonly #initialCapacity: number;

  /** where fresh buffers come from once this one is handed over (see `carveFrom()`) */
  #source: WriteBuffers | undefined;
  /** buffers handed over and given back (recycle()), to go on in */
  #spare: Uint8Array[] = [];

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.#initialCapacity = initialCapacity;
    this.#buf = new Uint8Array(initialCapacity);
  }

  /**
   * The buffers handed over from now on come from `source` (buffers of
   * `capacity` bytes, e.g. a BufferRegion), for an owner whose transport
   * keeps them until written; without one, each is allocated on its own.
   */
  carveFrom(source: WriteBuffers | undefined): void {
    this.#source = source;
  }

  /**
   * The owner has nothing queued: the source of buffers is told. If it lets
   * go of what it gave (returns true), the spare buffers go, and the buffer
   * in use, if it came from there and is empty, is replaced by one of its
   * own, so all of it is freed once the socket is done with it.
   */
  settle(): boolean {
    if (this.#source === undefined) return true;
    if (!this.#source.leave()) return false;
    this.#spare.length = 0;
    this.#ownBuffer();
    return true;
  }

  /** The owner is closed for good: the source keeps nothing, and no buffer of it stays here. */
  release(): void {
    this.#source?.release();
    this.#source = undefined;
    this.#spare = [];
    this.#ownBuffer();
  }

  /** A buffer handed over (detach()) that its taker is done with: the encoder may go on in it. */
  recycle(buffer: Uint8Array | undefined): void {
    if (buffer && buffer.length === this.#initialCapacity && this.#spare.length < MAX_SPARE) this.#spare.push(buffer);
  }

  /** An empty buffer carved from the source (it does not own its ArrayBuffer) becomes one of our own. */
  #ownBuffer(): void {
    if (this.length === 0 && this.#buf.byteLength !== this.#buf.buffer.byteLength) {
      this.#buf = new Uint8Array(this.#initialCapacity);
    }
  }

  /** A buffer to go on in once this one is handed over. */
  #fresh(): Uint8Array {
    return this.#source !== undefined ? this.#source.carve() : new Uint8Array(this.#initialCapacity);
  }

  /** The size of a buffer this encoder starts with (a spare buffer must be this size). */
  get capacity(): number {
    return this.#initialCapacity;
  }

  /**
   * Writes `PUB subject [reply] size` or, with a header block,
   * `HPUB subject [reply] hdrLen totalLen`, then the payload and CRLF.
   * The payload is copied, so the caller may reuse its buffer at once.
   * Returns the frame's payload size (header block included).
   */
  pub(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: Uint8Array,
  ): number {
    const hlen = headers ? headers.length : 0;
    if (headers) this.hasHeaders = true;
    const size = hlen + payload.length;
    const line = controlLineBound(subject, reply);
    if (this.length + line + size > this.#buf.length && this.spill !== undefined) {
      this.#pubAcross(subject, reply, headers, payload, size, line);
      return size;
    }
    this.#ensure(line + size);
    let p = this.#controlLine(subject, reply, headers, size);
    const b = this.#buf;
    if (headers) {
      b.set(headers, p);
      p += hlen;
    }
    b.set(payload, p);
    p += payload.length;
    b[p++] = CR;
    b[p++] = LF;
    this.length = p;
    return size;
  }

  /**
   * A frame that does not fit behind what is written: its control line goes
   * where it fits whole, its header block, payload and CRLF fill this buffer
   * and continue in the next ones (the owner takes each full buffer).
   */
  #pubAcross(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: Uint8Array,
    size: number,
    line: number,
  ): void {
    this.#ensure(line);
    this.length = this.#controlLine(subject, reply, headers, size);
    if (headers) this.#copyAcross(headers);
    this.#copyAcross(payload);
    this.#copyAcross(CRLF);
    if (this.#continued) {
      this.#continued = false;
      this.lead = this.length;
    }
  }

  /** Copies `src` behind what is written, handing over the buffer each time it is full. */
  #copyAcross(src: Uint8Array): void {
    let off = 0;
    while (off < src.length) {
      if (this.length === this.#buf.length) this.#handOver();
      const n = Math.min(this.#buf.length - this.length, src.length - off);
      this.#buf.set(n === src.length ? src : src.subarray(off, off + n), this.length);
      this.length += n;
      off += n;
    }
  }

  /** The buffer is full in the middle of a frame: the owner takes it and the frame goes on in the next one. */
  #handOver(): void {
    // a buffer that began inside this frame holds nothing but its bytes
    if (this.#continued) this.lead = this.length;
    this.spill!();
    if (this.length !== 0) {
      // the owner kept the bytes: grow instead
      this.#grow(this.length + this.#initialCapacity);
      return;
    }
    this.#continued = true;
  }

  /** Writes the PUB/HPUB control line at `length`; returns the position after its CRLF. */
  #controlLine(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    size: number,
  ): number {
    const b = this.#buf;
    let p = this.length;
    // byte by byte: set() costs more than these stores for a few bytes
    // (a quarter of the encoding of a 128-byte PUB)
    if (headers) b[p++] = 0x48; // H
    b[p++] = 0x50; // P
    b[p++] = 0x55; // U
    b[p++] = 0x42; // B
    b[p++] = SPACE;
    p = this.#writeString(subject, p);
    b[p++] = SPACE;
    if (reply) {
      p = this.#writeString(reply, p);
      b[p++] = SPACE;
    }
    if (headers) {
      p = writeNumber(b, p, headers.length);
      b[p++] = SPACE;
    }
    p = writeNumber(b, p, size);
    b[p++] = CR;
    b[p++] = LF;
    return p;
  }

  /**
   * The UTF-8 bytes of a string payload, in scratch space that the next call
   * reuses: pass them to `pub()` before encoding another string.
   */
  utf8(payload: string): Uint8Array {
    const need = payload.length * 3;
    if (this.#scratch.length < need) {
      this.#scratch = new Uint8Array(Math.max(need, this.#scratch.length * 2));
    }
    const { written } = te.encodeInto(payload, this.#scratch);
    return this.#scratch.subarray(0, written);
  }

  /** Encodes a string payload (UTF-8) and writes it like `pub()`. */
  pubString(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: string,
  ): number {
    return this.pub(subject, reply, headers, this.utf8(payload));
  }

  /** `SUB subject [queue] sid` */
  sub(subject: string, queue: string | undefined, sid: number): void {
    this.#ensure(controlLineBound(subject, queue));
    const b = this.#buf;
    let p = this.length;
    b.set(SUB_, p);
    p += 4;
    p = this.#writeString(subject, p);
    b[p++] = SPACE;
    if (queue) {
      p = this.#writeString(queue, p);
      b[p++] = SPACE;
    }
    p = writeNumber(b, p, sid);
    b[p++] = CR;
    b[p++] = LF;
    this.length = p;
  }

  /** `UNSUB sid [max]` */
  unsub(sid: number, max?: number): void {
    this.#ensure(48);
    const b = this.#buf;
    let p = this.length;
    b.set(UNSUB_, p);
    p += 6;
    p = writeNumber(b, p, sid);
    if (max !== undefined) {
      b[p++] = SPACE;
      p = writeNumber(b, p, max);
    }
    b[p++] = CR;
    b[p++] = LF;
    this.length = p;
  }

  /** Appends bytes as they are (PING, PONG, a CONNECT line). */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  /**
   * Returns everything written since the last take and empties the buffer.
   * The returned bytes are the caller's: small batches are copied out, large
   * ones hand over the buffer itself and a fresh one is started (cheaper than
   * copying most of it).
   */
  take(): Uint8Array {
    const n = this.length;
    this.#empty();
    if (n < this.#buf.length / 2) return this.#buf.slice(0, n);
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#fresh();
    return out;
  }

  /** What was written, as a view on the buffer (valid until the next write, reset or detach). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.length);
  }

  /** Empties the buffer and keeps it: the last view() was consumed (copied or sent). */
  reset(): void {
    this.#empty();
    if (this.#buf.length > this.#initialCapacity) this.#buf = new Uint8Array(this.#initialCapacity);
  }

  /**
   * Empties the buffer and goes on in a recycled or new one: the last view()
   * now belongs to someone else. Returns the buffer given away.
   */
  detach(): Uint8Array {
    const old = this.#buf;
    this.#empty();
    this.#buf = this.#spare.pop() ?? this.#fresh();
    return old;
  }

  /** Forgets everything written since the last take. */
  clear(): void {
    this.#continued = false;
    this.reset();
  }

  /** Nothing written since the last take: the counters that describe it start over. */
  #empty(): void {
    this.length = 0;
    this.lead = 0;
    this.hasHeaders = false;
  }

  #ensure(extra: number): void {
    if (this.length + extra <= this.#buf.length) return;
    // hand over what is here rather than grow and copy it
    if (this.length > 0 && this.spill !== undefined) this.spill();
    if (this.length + extra > this.#buf.length) this.#grow(this.length + extra);
  }

  #grow(need: number): void {
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.length));
    this.#buf = next;
  }

  /** ASCII byte by byte; the first non-ASCII character hands the rest to encodeInto. */
  #writeString(s: string, p: number): number {
    const b = this.#buf;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        const { written } = te.encodeInto(s.slice(i), b.subarray(p));
        return p + written;
      }
      b[p++] = c;
    }
    return p;
  }
}

/** Writes a non-negative integer in decimal at `p`; returns the new position. */
function writeNumber(b: Uint8Array, p: number, n: number): number {
  if (n < 10) {
    b[p] = 0x30 + n;
    return p + 1;
  }
  let digits = 0;
  for (let t = n; t > 0; t = Math.floor(t / 10)) digits++;
  let q = p + digits;
  const end = q;
  while (n > 0) {
    b[--q] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}
