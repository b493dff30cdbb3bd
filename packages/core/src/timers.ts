/** Promise helpers of the public API, and small timer utilities. */
import { type Clock, systemClock } from "./clock.js";
import { TimeoutError } from "./errors.js";

export interface Deferred<T> extends Promise<T> {
  /** the value is optional, as in the official type (`deferred<void>().resolve()`, and `deferred().resolve()` as its README writes it) */
  resolve: (v?: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

/** A Promise with its resolve and reject exposed. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (v?: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const p = new Promise<T>((res, rej) => {
    resolve = res as (v?: T | PromiseLike<T>) => void;
    reject = rej;
  }) as Deferred<T>;
  p.resolve = resolve;
  p.reject = reject;
  return p;
}

/** A Promise that can be cancelled (the official `timeout()` returns one). */
export interface Timeout<T> extends Promise<T> {
  cancel: () => void;
}

/**
 * A promise that rejects with a TimeoutError after `ms`, unless `cancel()` is
 * called first (then it never settles). With `asyncTraces`, the error's stack
 * is the caller's, taken now.
 */
export function timeout<T>(ms: number, asyncTraces = true): Timeout<T> {
  const early = asyncTraces ? new TimeoutError() : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const p = new Promise<T>((_resolve, reject) => {
    timer = setTimeout(() => reject(early ?? new TimeoutError()), ms);
  });
  return Object.assign(p, { cancel: () => clearTimeout(timer) });
}

export interface Delay extends Promise<void> {
  /** resolves the delay now */
  cancel: () => void;
}

/** Resolves after `ms`; `cancel()` resolves it early. */
export function delay(ms = 0): Delay {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const d = deferred<void>();
  timer = setTimeout(() => d.resolve(), ms);
  const p = d as unknown as Delay;
  p.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    d.resolve();
  };
  return p;
}

/** Races `p` against a TimeoutError after `millis`. */
export function deadline<T>(p: Promise<T>, millis = 1000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError()), millis);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export interface Backoff {
  backoff(attempt: number): number;
}

/** Delays per attempt from `policy` (the last one repeats), with 0.5x-1.5x jitter. */
export function backoff(policy: number[] = [0, 250, 250, 500, 500, 3000, 5000]): Backoff {
  if (!Array.isArray(policy) || policy.length === 0) policy = [0];
  return {
    backoff(attempt: number): number {
      const base = policy[Math.min(Math.max(attempt, 0), policy.length - 1)];
      return Math.floor(base * (0.5 + Math.random()));
    },
  };
}

/** Nanoseconds to milliseconds. */
export function millis(ns: number): number {
  return Math.floor(ns / 1_000_000);
}

/** Milliseconds to nanoseconds. */
export function nanos(ms: number): number {
  return ms * 1_000_000;
}

export type Nanos = number;

/** A timeout registered with a TimerWheel; `cancel()` is O(1). */
export interface WheelTimer {
  cancel(): void;
}

/** What a TimerWheel calls when its time is up (an object, so callers need no closure per timeout). */
export interface Expiring {
  expire(): void;
}

/** The timeouts of one `resolution`-wide slot of time. */
class Bucket {
  readonly entries: WheelEntry[] = [];
  /** false once the bucket came due or the wheel was cleared: nothing is removed from it any more */
  live = true;
  constructor(
    readonly wheel: TimerWheel,
    readonly tick: number,
  ) {}
}

class WheelEntry implements WheelTimer {
  /** where it is in `bucket.entries`, so cancel() can take it out in O(1) */
  index: number;
  constructor(
    public target: Expiring | undefined,
    public bucket: Bucket | undefined,
  ) {
    this.index = bucket!.entries.length;
  }

  cancel(): void {
    const bucket = this.bucket;
    this.target = undefined;
    this.bucket = undefined;
    if (bucket === undefined || !bucket.live) return;
    // the last entry takes this one's place: no hole, no scan
    const entries = bucket.entries;
    const last = entries.pop()!;
    if (last !== this) {
      entries[this.index] = last;
      last.index = this.index;
    }
    if (entries.length === 0) bucket.wheel.drop(bucket);
  }
}

/**
 * Many timeouts on one timer: entries go into buckets of `resolution` ms,
 * and one timer fires for the earliest bucket. Timeouts fire up to
 * `resolution` ms late, never early; within a bucket in no set order.
 * Cancelling (the common case: the reply came) takes the entry out of its
 * bucket at once, and a bucket left empty goes: a wheel holds only live
 * timeouts (keeping cancelled ones until due grew to ~26 MiB with 64
 * requests in flight and 5 s timeouts). Time is the monotonic `clock`, so
 * setting the wall clock neither fires nor holds timeouts. (undici's
 * lib/util/timers.js does the same for its socket timeouts.) One wheel per
 * connection: no global state.
 */
export class TimerWheel {
  readonly #buckets = new Map<number, Bucket>();
  #timer: unknown;
  #nextTick = Number.POSITIVE_INFINITY;
  readonly #fire = () => this.#onTimer();
  readonly #resolution: number;
  readonly #clock: Clock;

  constructor(
    resolution = 10,
    clock: Clock = systemClock,
  ) {
    this.#resolution = resolution;
    this.#clock = clock;
  }

  /** Calls `target.expire()` after at least `ms`. */
  add(ms: number, target: Expiring): WheelTimer {
    const tick = Math.ceil((this.#clock.now() + ms) / this.#resolution);
    let bucket = this.#buckets.get(tick);
    if (bucket === undefined) {
      bucket = new Bucket(this, tick);
      this.#buckets.set(tick, bucket);
    }
    const entry = new WheelEntry(target, bucket);
    bucket.entries.push(entry);
    if (tick < this.#nextTick) this.#schedule(tick);
    return entry;
  }

  /** Drops every pending timeout (connection closed). */
  clear(): void {
    for (const bucket of this.#buckets.values()) bucket.live = false;
    this.#buckets.clear();
    this.#stop();
  }

  /** Timeouts waiting (cancelled and fired ones are not held). */
  get size(): number {
    let n = 0;
    for (const bucket of this.#buckets.values()) n += bucket.entries.length;
    return n;
  }

  /** Buckets held: one per `resolution` ms slot that has a timeout waiting. */
  get bucketCount(): number {
    return this.#buckets.size;
  }

  /** @internal A bucket whose every entry was cancelled. */
  drop(bucket: Bucket): void {
    bucket.live = false;
    this.#buckets.delete(bucket.tick);
    // the timer stays for the next bucket (it finds it when it fires); with none left it goes
    if (this.#buckets.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) this.#clock.cancel(this.#timer);
    this.#timer = undefined;
    this.#nextTick = Number.POSITIVE_INFINITY;
  }

  #schedule(tick: number): void {
    if (this.#timer !== undefined) this.#clock.cancel(this.#timer);
    this.#nextTick = tick;
    this.#timer = this.#clock.after(this.#fire, Math.max(0, tick * this.#resolution - this.#clock.now()));
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#nextTick = Number.POSITIVE_INFINITY;
    const now = Math.floor(this.#clock.now() / this.#resolution);
    const due: Bucket[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [tick, bucket] of this.#buckets) {
      if (tick <= now) {
        bucket.live = false;
        due.push(bucket);
        this.#buckets.delete(tick);
      } else if (tick < next) {
        next = tick;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.#schedule(next);
    // buckets are held in the order they were made: a late timer fires the earlier deadlines first
    if (due.length > 1) due.sort((a, b) => a.tick - b.tick);
    for (const bucket of due) {
      for (const e of bucket.entries) {
        const target = e.target;
        if (target === undefined) continue;
        e.target = undefined;
        e.bucket = undefined;
        target.expire();
      }
    }
  }
}
