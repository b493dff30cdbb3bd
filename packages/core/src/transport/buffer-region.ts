/**
 * Where the writer's buffers come from when bytes queue for a backed-up
 * socket. Each is carved from a region allocated in one piece and so large
 * (REGION_SIZE) that the system allocator maps it on its own pages: glibc
 * maps anything from 32 MiB up (its mmap threshold adapts, but never past
 * that), as do musl, jemalloc and the browsers' allocators. A fresh mapping
 * costs memory only for the pages written into, and it goes back to the
 * system when the last buffer carved from it is collected. Buffers of 256
 * KiB allocated one by one come from the malloc heap instead, which keeps a
 * queue's peak after it is written (fragmented, it cannot shrink): a
 * publisher that outran nats-server once held 35 MiB for good (issue 11).
 */

import type { WriteBuffers } from "./transport.js";

/** The size of one region: 128 buffers of 256 KiB. */
export const REGION_SIZE = 32 * 1024 * 1024;
/**
 * A region less used than this is kept when nothing waits, and carving goes
 * on in it next time the socket backs up: at most this much stays in memory
 * after a burst (per connection: a process of many connections that each
 * back up a little keeps up to this for each), and a publisher that backs up
 * now and then (a loop that
 * yields) does not allocate a region each time (each is 32 MiB of external
 * memory to V8, which collects garbage sooner for it).
 */
export const KEEP_BELOW = 4 * 1024 * 1024;

export class BufferRegion implements WriteBuffers {
  private region: ArrayBuffer | undefined;
  private used = 0;
  /** a region was used up and replaced since the last leave(): buffers on the old one may be held */
  private replaced = false;

  constructor(private readonly bufferSize: number) {}

  /** A zeroed buffer of `bufferSize` bytes on the current region (a new one when it is used up). */
  carve(): Uint8Array {
    const n = this.bufferSize;
    if (this.region === undefined || this.used + n > REGION_SIZE) {
      if (this.region !== undefined) this.replaced = true;
      this.region = new ArrayBuffer(REGION_SIZE);
      this.used = 0;
    }
    const b = new Uint8Array(this.region, this.used, n);
    this.used += n;
    return b;
  }

  /**
   * Nothing waits. A region used past KEEP_BELOW (or one that replaced
   * another) is left: the next buffer starts a new one, and this one is
   * freed with its last buffer; returns true. A lightly used one is kept
   * (false): every buffer carved since the last leave() lies on it.
   */
  leave(): boolean {
    if (this.region !== undefined && this.used < KEEP_BELOW && !this.replaced) return false;
    this.region = undefined;
    this.replaced = false;
    return true;
  }
}
