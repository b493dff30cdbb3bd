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
 * on in it next time the socket backs up, so a publisher that backs up now
 * and then (a loop that yields) does not allocate a region each time (each
 * is 32 MiB of external memory to V8, which collects garbage sooner for it).
 * What all connections keep together is bounded by their KeepBudget.
 */
export const KEEP_BELOW = 4 * 1024 * 1024;
/**
 * What the regions of all connections of a process keep together, in bytes
 * used: four connections keep theirs, and a process of thousands of
 * connections that each back up a little does not keep thousands of regions.
 */
export const KEEP_IN_ALL = 4 * KEEP_BELOW;

/** Bytes of kept regions, shared by the BufferRegions that draw on it. */
export class KeepBudget {
  #kept = 0;
  /**
   * A region that is collected while kept (its connection dropped without
   * close()) gives its share back: the budget never leaks.
   */
  readonly #collected = new FinalizationRegistry<Share>((share) => this.give(share));

  constructor(readonly limit: number) {}

  /** Bytes kept now. */
  get kept(): number {
    return this.#kept;
  }

  /** A share for `region`, given back when it is collected. */
  share(region: object): Share {
    const share: Share = { bytes: 0 };
    this.#collected.register(region, share);
    return share;
  }

  /** Sets `share` to `bytes` if the budget allows it; false (and nothing changed) if not. */
  take(share: Share, bytes: number): boolean {
    if (this.#kept - share.bytes + bytes > this.limit) return false;
    this.#kept += bytes - share.bytes;
    share.bytes = bytes;
    return true;
  }

  /** Gives back what `share` holds. */
  give(share: Share): void {
    this.#kept -= share.bytes;
    share.bytes = 0;
  }
}

/** What one BufferRegion holds of a KeepBudget. */
export interface Share {
  bytes: number;
}

/** The budget of the process's connections. */
const processBudget = new KeepBudget(KEEP_IN_ALL);

export class BufferRegion implements WriteBuffers {
  private region: ArrayBuffer | undefined;
  private used = 0;
  /** a region was used up and replaced since the last leave(): buffers on the old one may be held */
  private replaced = false;
  /** what the region holds of the budget while kept (nothing while carving) */
  private readonly share: Share;

  constructor(
    private readonly bufferSize: number,
    private readonly budget: KeepBudget = processBudget,
  ) {
    this.share = budget.share(this);
  }

  /** A zeroed buffer of `bufferSize` bytes on the current region (a new one when it is used up). */
  carve(): Uint8Array {
    // in use again: the budget counts only idle regions
    if (this.share.bytes !== 0) this.budget.give(this.share);
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
   * Nothing waits. A region used past KEEP_BELOW, one that replaced another,
   * or one the budget has no room for is left: the next buffer starts a new
   * one, and this one is freed with its last buffer; returns true. Otherwise
   * it is kept (false): every buffer carved since the last leave() lies on it.
   */
  leave(): boolean {
    if (
      this.region !== undefined && this.used < KEEP_BELOW && !this.replaced &&
      this.budget.take(this.share, this.used)
    ) return false;
    this.release();
    return true;
  }

  release(): void {
    this.budget.give(this.share);
    this.region = undefined;
    this.replaced = false;
  }
}
