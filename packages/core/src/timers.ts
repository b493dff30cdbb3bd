/** Promise helpers of the public API, and small timer utilities. */
import { TimeoutError } from "./errors.js";

export interface Deferred<T> extends Promise<T> {
  resolve: (v: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

/** A Promise with its resolve and reject exposed. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const p = new Promise<T>((res, rej) => {
    resolve = res;
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

class WheelEntry implements WheelTimer {
  constructor(public target: Expiring | undefined) {}
  cancel(): void {
    this.target = undefined;
  }
}

/**
 * Many timeouts on one `setTimeout`: entries go into buckets of `resolution`
 * ms, and one timer fires for the earliest bucket. Cancelling (the common
 * case: the reply came) only clears a field. Timeouts fire up to
 * `resolution` ms late, never early. (undici's lib/util/timers.js does the
 * same for its socket timeouts.) One wheel per connection: no global state.
 */
export class TimerWheel {
  private readonly buckets = new Map<number, WheelEntry[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private nextTick = Number.POSITIVE_INFINITY;
  private readonly fire = () => this.onTimer();

  constructor(private readonly resolution = 10) {}

  /** Calls `target.expire()` after at least `ms`. */
  add(ms: number, target: Expiring): WheelTimer {
    const entry = new WheelEntry(target);
    const tick = Math.ceil((Date.now() + ms) / this.resolution);
    const bucket = this.buckets.get(tick);
    if (bucket) bucket.push(entry);
    else this.buckets.set(tick, [entry]);
    if (tick < this.nextTick) this.schedule(tick);
    return entry;
  }

  /** Drops every pending timeout (connection closed). */
  clear(): void {
    this.buckets.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextTick = Number.POSITIVE_INFINITY;
  }

  private schedule(tick: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.nextTick = tick;
    this.timer = setTimeout(this.fire, Math.max(0, tick * this.resolution - Date.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.nextTick = Number.POSITIVE_INFINITY;
    const now = Math.floor(Date.now() / this.resolution);
    const due: WheelEntry[][] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [tick, bucket] of this.buckets) {
      if (tick <= now) {
        due.push(bucket);
        this.buckets.delete(tick);
      } else if (tick < next) {
        next = tick;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.schedule(next);
    for (const bucket of due) {
      for (const e of bucket) {
        const target = e.target;
        if (target === undefined) continue;
        e.target = undefined;
        target.expire();
      }
    }
  }
}
