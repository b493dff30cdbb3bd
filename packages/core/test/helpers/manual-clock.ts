// A Clock the test moves by hand, for the timer wheel, the dial loop and the
// progress watch: no real timer runs, so a test of seconds of waits takes
// microseconds and cannot be disturbed by a busy machine.
import type { Clock } from "../../src/clock.js";

interface PendingTimer {
  at: number;
  f: () => void;
  /** when it was set, so timers due at the same time run in the order they were set */
  id: number;
}

/** Bounds the timers one advance() may run, so a timer that keeps setting itself at 0 ms cannot hang a test. */
const MAX_TIMERS_PER_ADVANCE = 100_000;

export class ManualClock implements Clock {
  time = 0;
  private readonly timers = new Map<number, PendingTimer>();
  private nextId = 1;
  /** every after() call: [ms asked, time it was asked at] */
  readonly requested: { ms: number; at: number }[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(f: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.requested.push({ ms, at: this.time });
    this.timers.set(id, { at: this.time + Math.max(0, ms), f, id });
    return id;
  }

  cancel(id: unknown): void {
    this.timers.delete(id as number);
  }

  /**
   * Moves time forward by `ms`; each timer that comes due meanwhile runs at
   * its own time, earliest first, including timers set by the ones that run.
   */
  advance(ms: number): void {
    const end = this.time + ms;
    for (let n = 0; ; n++) {
      if (n >= MAX_TIMERS_PER_ADVANCE) throw new Error(`ManualClock: more than ${MAX_TIMERS_PER_ADVANCE} timers in one advance()`);
      const next = this.earliest();
      if (next === undefined || next.at > end) break;
      this.timers.delete(next.id);
      this.time = Math.max(this.time, next.at);
      next.f();
    }
    this.time = end;
  }

  /**
   * Moves time forward by `ms` at once, then runs the timers that are due,
   * late (as after an event loop blocked for `ms`); timers they set are not run.
   */
  jump(ms: number): void {
    this.time += ms;
    const due = [...this.timers.values()].filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at || a.id - b.id);
    for (const t of due) {
      if (!this.timers.delete(t.id)) continue; // cancelled by one that ran before it
      t.f();
    }
  }

  /** Moves time to the earliest pending timer and runs it (and any due at the same time); false if none is pending. */
  runNext(): boolean {
    const next = this.earliest();
    if (next === undefined) return false;
    this.advance(Math.max(0, next.at - this.time));
    return true;
  }

  /** how many timers are pending */
  get pending(): number {
    return this.timers.size;
  }

  /** the due times of the pending timers, earliest first */
  dueTimes(): number[] {
    return [...this.timers.values()].map((t) => t.at).sort((a, b) => a - b);
  }

  private earliest(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.timers.values()) {
      if (best === undefined || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  }
}
