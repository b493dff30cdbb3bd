/**
 * nats-core's `DataBuffer`, for programs that import it from
 * @nats-io/transport-node: a list of byte arrays read as one. The client
 * itself does not use it.
 */
import { TD, TE } from "./utilities.js";

const EMPTY = new Uint8Array(0);

export class DataBuffer {
  buffers: Uint8Array[] = [];
  byteLength = 0;

  /** The arrays one after the other, in a new array. */
  static concat(...bufs: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of bufs) {
      out.set(b, at);
      at += b.length;
    }
    return out;
  }

  static fromAscii(m: string): Uint8Array {
    return TE.encode(m || "");
  }

  static toAscii(a: Uint8Array): string {
    return TD.decode(a);
  }

  reset(): void {
    this.buffers.length = 0;
    this.byteLength = 0;
  }

  /** Joins the arrays into one. */
  pack(): void {
    if (this.buffers.length > 1) this.buffers = [DataBuffer.concat(...this.buffers)];
  }

  /** Takes out the first array. */
  shift(): Uint8Array {
    const a = this.buffers.shift();
    if (a === undefined) return EMPTY;
    this.byteLength -= a.length;
    return a;
  }

  /** Takes out the first `n` bytes (all of them without `n`). */
  drain(n?: number): Uint8Array {
    if (this.buffers.length === 0) return EMPTY;
    this.pack();
    const all = this.buffers.pop()!;
    const size = this.byteLength;
    const take = n === undefined || n > size ? size : n;
    if (size > take) this.buffers.push(all.subarray(take));
    this.byteLength = size - take;
    return all.subarray(0, take);
  }

  /** Appends `a` (even empty) and each non-empty one of `bufs`. */
  fill(a: Uint8Array, ...bufs: Uint8Array[]): void {
    if (a) {
      this.buffers.push(a);
      this.byteLength += a.length;
    }
    for (const b of bufs) {
      if (b && b.length) {
        this.buffers.push(b);
        this.byteLength += b.length;
      }
    }
  }

  /** All the bytes, packed into one array, left in place. */
  peek(): Uint8Array {
    if (this.buffers.length === 0) return EMPTY;
    this.pack();
    return this.buffers[0]!;
  }

  /** Bytes held. */
  size(): number {
    return this.byteLength;
  }

  /** Arrays held. */
  length(): number {
    return this.buffers.length;
  }
}
