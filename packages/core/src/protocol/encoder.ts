/**
 * The client-to-server encoder: protocol lines are written byte by byte into
 * one reusable, growable buffer (no intermediate strings), payloads are copied
 * in once, and `take()` hands out everything written since the last take so
 * the engine can send it in one write. Callers validate subjects first
 * (validate.ts): this module only encodes.
 */

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

const te = new TextEncoder();
const ascii = (s: string): Uint8Array => te.encode(s);

const PUB_ = ascii("PUB ");
const HPUB_ = ascii("HPUB ");
const SUB_ = ascii("SUB ");
const UNSUB_ = ascii("UNSUB ");
export const PING = ascii("PING\r\n");
export const PONG = ascii("PONG\r\n");

/** Default capacity; also what the buffer shrinks back to after a large take. */
export const INITIAL_CAPACITY = 64 * 1024;

export class OutboundBuffer {
  private buf: Uint8Array;
  /** bytes written since the last take() */
  length = 0;
  /** scratch space for string payloads, whose byte length precedes them on the wire */
  private scratch: Uint8Array = new Uint8Array(1024);

  /**
   * Called when a frame does not fit behind what is already written: the
   * owner may write the bytes out (take/view + reset) so the buffer need not
   * grow. If it leaves them (disconnected: this is the reconnect buffer), the
   * buffer grows.
   */
  spill: (() => void) | undefined;

  constructor(private readonly initialCapacity = INITIAL_CAPACITY) {
    this.buf = new Uint8Array(initialCapacity);
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
    const size = hlen + payload.length;
    // 3 bytes per UTF-16 unit covers any UTF-8 expansion; 40 covers op, numbers, spaces, CRLFs
    this.ensure(
      (subject.length + (reply ? reply.length : 0)) * 3 + size + 40,
    );
    const b = this.buf;
    let p = this.length;
    if (headers) {
      b.set(HPUB_, p);
      p += 5;
    } else {
      b.set(PUB_, p);
      p += 4;
    }
    p = this.writeString(subject, p);
    b[p++] = SPACE;
    if (reply) {
      p = this.writeString(reply, p);
      b[p++] = SPACE;
    }
    if (headers) {
      p = writeNumber(b, p, hlen);
      b[p++] = SPACE;
    }
    p = writeNumber(b, p, size);
    b[p++] = CR;
    b[p++] = LF;
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

  /** Encodes a string payload (UTF-8) and writes it like `pub()`. */
  pubString(
    subject: string,
    reply: string | undefined,
    headers: Uint8Array | undefined,
    payload: string,
  ): number {
    const need = payload.length * 3;
    if (this.scratch.length < need) {
      this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2));
    }
    const { written } = te.encodeInto(payload, this.scratch);
    return this.pub(subject, reply, headers, this.scratch.subarray(0, written));
  }

  /** `SUB subject [queue] sid` */
  sub(subject: string, queue: string | undefined, sid: number): void {
    this.ensure((subject.length + (queue ? queue.length : 0)) * 3 + 40);
    const b = this.buf;
    let p = this.length;
    b.set(SUB_, p);
    p += 4;
    p = this.writeString(subject, p);
    b[p++] = SPACE;
    if (queue) {
      p = this.writeString(queue, p);
      b[p++] = SPACE;
    }
    p = writeNumber(b, p, sid);
    b[p++] = CR;
    b[p++] = LF;
    this.length = p;
  }

  /** `UNSUB sid [max]` */
  unsub(sid: number, max?: number): void {
    this.ensure(48);
    const b = this.buf;
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
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
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
    this.length = 0;
    if (n < this.buf.length / 2) return this.buf.slice(0, n);
    const out = this.buf.subarray(0, n);
    this.buf = new Uint8Array(this.initialCapacity);
    return out;
  }

  /** What was written, as a view on the buffer (valid until the next write, reset or detach). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Empties the buffer and keeps it: the last view() was consumed (copied or sent). */
  reset(): void {
    this.length = 0;
    if (this.buf.length > this.initialCapacity * 4) this.buf = new Uint8Array(this.initialCapacity);
  }

  /**
   * Empties the buffer and goes on in `next` (or a new buffer): the last
   * view() now belongs to someone else. Returns the buffer given away.
   */
  detach(next?: Uint8Array): Uint8Array {
    const old = this.buf;
    this.length = 0;
    this.buf = next !== undefined && next.length >= this.initialCapacity
      ? next
      : new Uint8Array(this.initialCapacity);
    return old;
  }

  /** Puts `parts` (whole frames) in front of what is written. */
  prepend(parts: Uint8Array[]): void {
    let total = 0;
    for (const p of parts) total += p.length;
    const need = this.length + total;
    let b = this.buf;
    if (need > b.length) {
      let cap = b.length * 2;
      while (cap < need) cap *= 2;
      b = new Uint8Array(cap);
      b.set(this.buf.subarray(0, this.length), total);
    } else {
      b.copyWithin(total, 0, this.length);
    }
    let off = 0;
    for (const p of parts) {
      b.set(p, off);
      off += p.length;
    }
    this.buf = b;
    this.length = need;
  }

  /** Forgets everything written since the last take. */
  clear(): void {
    this.length = 0;
    if (this.buf.length > this.initialCapacity) {
      this.buf = new Uint8Array(this.initialCapacity);
    }
  }

  /** Undoes writes past `length` (used when a publish fails a late check). */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    // send what is here rather than grow and copy it
    if (this.length > 0 && this.spill !== undefined) this.spill();
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** ASCII byte by byte; the first non-ASCII character hands the rest to encodeInto. */
  private writeString(s: string, p: number): number {
    const b = this.buf;
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
