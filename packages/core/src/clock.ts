/**
 * Time and timers, replaceable in tests: the timer wheel, the dial loop and
 * the outbound progress watch take a `Clock`, so a test moves time by hand.
 */

/** Monotonic time and one-shot timers. */
export interface Clock {
  /** monotonic milliseconds (never goes back when the wall clock is set) */
  now(): number;
  /** runs `f` once after `ms`; returns a handle for `cancel()` */
  after(f: () => void, ms: number): unknown;
  cancel(timer: unknown): void;
}

/** `performance.now()` and `setTimeout`: a pending timer keeps a process alive, as `setTimeout`'s does. */
export const systemClock: Clock = {
  now: () => performance.now(),
  after: (f, ms) => setTimeout(f, ms),
  cancel: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

/**
 * The system clock for watches that matter only while something else keeps
 * the process running: a pending timer alone does not keep it alive (Node's
 * `unref()`; a no-op elsewhere).
 */
export const unrefClock: Clock = {
  now: systemClock.now,
  after(f, ms) {
    const t = setTimeout(f, ms);
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  cancel: systemClock.cancel,
};
