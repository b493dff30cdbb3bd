/**
 * Forced garbage collection (children run with --expose-gc) and the memory a
 * process still holds once everything collectable has been collected.
 */

/** At most this many rounds of (full GC, pause): the bound on memoryAfterGc(). */
const MAX_ROUNDS = 5;
/**
 * Pause after each GC: lets pending socket callbacks and V8's concurrent
 * sweeping finish, so memory freed by the GC is counted as freed.
 */
const SETTLE_MS = 100;
/** RSS falling by less than this between two rounds counts as settled. */
const SETTLED_BYTES = 1024 * 1024;

/** A full, synchronous GC. */
export function forceGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  gc();
}

/** What is held after GC; growth values are against a baseline of the same kind. */
export interface MemoryAfterGc {
  rss: number;
  heapUsed: number;
  /** the JS heap's committed size: with heapUsed low, what V8 keeps rather than returns */
  heapTotal: number;
  /** ArrayBuffers and Buffers (part of RSS outside the JS heap) */
  arrayBuffers: number;
}

/**
 * Memory after forced full GCs: rounds of two GCs and a short pause until
 * RSS stops falling (by less than 1 MiB), at least 2 and at most 5 rounds
 * (under a second). RSS is the lowest seen; heap and ArrayBuffers are the
 * last round's.
 */
export async function memoryAfterGc(): Promise<MemoryAfterGc> {
  let low = Infinity;
  let prev = Infinity;
  let mem = process.memoryUsage();
  for (let i = 0; i < MAX_ROUNDS; i++) {
    forceGc();
    forceGc(); // the first may only queue finalizers (weak references, FinalizationRegistry) that free more
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    mem = process.memoryUsage();
    low = Math.min(low, mem.rss);
    if (prev - mem.rss < SETTLED_BYTES) break;
    prev = mem.rss;
  }
  return { rss: low, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, arrayBuffers: mem.arrayBuffers };
}
