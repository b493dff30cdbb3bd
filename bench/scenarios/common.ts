/** Loops and waits shared by the scenarios: the same code runs for every client. */
import type { BenchConn } from "../clients/types.js";
import { TimedOut } from "../lib/ipc.js";
import type { RssSampler } from "../lib/rss.js";
import { quantileSorted } from "../lib/stats.js";
import type { Target } from "./types.js";

export const SAMPLE_EVERY = 8192;

const payloads = new Map<number, Uint8Array>();

/** One payload buffer per size, filled with printable bytes, shared by every loop in the process. */
export function payload(size: number): Uint8Array {
  let p = payloads.get(size);
  if (!p) {
    p = new Uint8Array(size);
    for (let i = 0; i < size; i++) p[i] = 0x61 + (i % 26);
    payloads.set(size, p);
  }
  return p;
}

/**
 * With publishAll awaiting ready(), quicknats' memory stays bounded however
 * much is published: peak RSS growth at most 64 MiB (issue 11 keeps this bound).
 */
export const READY_PUBLISHER_BOUND: Target = { source: "ready() publisher", maxPeakRss: 64 * 1024 * 1024 };

/**
 * Publishes `n` copies of `data`. When publish() asks to wait (quicknats
 * above its high-water mark, raw for 'drain'), the loop awaits `ready()`
 * before the next one. Returns how many times it waited.
 */
export async function publishAll(c: BenchConn, subject: string, data: Uint8Array, n: number, rss: RssSampler): Promise<number> {
  let waits = 0;
  for (let i = 1; i <= n; i++) {
    if (!c.publish(subject, data)) {
      waits++;
      await c.ready();
    }
    if ((i & (SAMPLE_EVERY - 1)) === 0) rss.sample();
  }
  return waits;
}

/** A promise settled from outside, e.g. by the callback that sees the last message. */
export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Rejects if `p` has not settled after `ms`; `what()` says how far it got. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`timed out after ${ms} ms: ${what()}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Times `n` calls of `op`, one after another, bounded by `timeoutMs`; each
 * result is checked by `verify` outside the timed span. Returns the run's
 * duration and the p50/p99 latencies in µs.
 */
export async function timeSequential<T>(
  n: number,
  timeoutMs: number,
  what: string,
  op: () => Promise<T>,
  verify: (result: T, i: number) => void,
): Promise<{ ms: number; p50us: number; p99us: number }> {
  const lat = new Float64Array(n);
  let i = 0;
  const run = async (): Promise<void> => {
    for (; i < n; i++) {
      const t = performance.now();
      const r = await op();
      lat[i] = performance.now() - t;
      verify(r, i);
    }
  };
  const t0 = performance.now();
  await withTimeout(run(), timeoutMs, () => `${i} of ${n} ${what}`);
  const ms = performance.now() - t0;
  lat.sort();
  return { ms, p50us: quantileSorted(lat, 0.5) * 1000, p99us: quantileSorted(lat, 0.99) * 1000 };
}

/**
 * Runs `op` `n` times with `width` calls in flight, bounded by `timeoutMs`;
 * each result is checked by `verify`. Returns the run's duration.
 */
export async function timeInFlight<T>(
  n: number,
  width: number,
  timeoutMs: number,
  what: string,
  op: () => Promise<T>,
  verify: (result: T) => void,
): Promise<number> {
  let started = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (started < n) {
      started++;
      verify(await op());
      done++;
    }
  };
  const t0 = performance.now();
  await withTimeout(Promise.all(Array.from({ length: width }, worker)), timeoutMs, () => `${done} of ${n} ${what}`);
  return performance.now() - t0;
}

export function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

/** msgs per second from a count and milliseconds. */
export function rate(count: number, ms: number): number {
  return (count * 1000) / ms;
}

export function count(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}
