// The timer wheel on a manual clock: when timeouts fire (never early, at
// most `resolution` late, in deadline order across buckets), cancel(), the
// buckets a wheel holds (only live timeouts: a bucket whose timeouts were
// all cancelled goes), one clock timer for many timeouts, clear(), timeouts
// added while firing; and, on the system clock, that the wheel follows the
// monotonic clock and keeps a process alive while a timeout waits, as a
// plain setTimeout does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type Clock, systemClock, unrefClock } from "../src/clock.js";
import { type Expiring, TimerWheel } from "../src/timers.js";
import { ManualClock } from "./helpers/manual-clock.js";

/** Records the clock's time when it expires. */
class Target implements Expiring {
  firedAt: number[] = [];
  constructor(
    private readonly clock: Clock,
    readonly name = "",
    private readonly log?: string[],
  ) {}
  expire(): void {
    this.firedAt.push(this.clock.now());
    this.log?.push(this.name);
  }
}

/** Deterministic pseudo-random numbers (a test that fails, fails again). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Timers fire up to `early` ms before they are due, as setTimeout may by its rounding (but at least 1 ms later, as setTimeout does). */
class EarlyClock extends ManualClock {
  constructor(private readonly early: number) {
    super();
  }
  override after(f: () => void, ms: number): unknown {
    return super.after(f, Math.max(1, ms - this.early));
  }
}

const activeTimeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("TimerWheel", () => {
  it("fires a timeout never early and at most `resolution` late", () => {
    const rnd = lcg(1);
    for (const resolution of [1, 10, 25]) {
      for (let k = 0; k < 200; k++) {
        // fractional start times, as performance.now() gives
        const clock = new ManualClock(rnd() * 100_000);
        const wheel = new TimerWheel(resolution, clock);
        const ms = Math.floor(rnd() * 5_000);
        const t = new Target(clock);
        const deadline = clock.now() + ms;
        wheel.add(ms, t);
        clock.advance(ms + resolution + 1);
        assert.equal(t.firedAt.length, 1, `res ${resolution}, ${ms} ms: fired once`);
        assert.ok(t.firedAt[0] >= deadline, `res ${resolution}, ${ms} ms: fired ${deadline - t.firedAt[0]} ms early`);
        assert.ok(t.firedAt[0] <= deadline + resolution, `res ${resolution}, ${ms} ms: fired ${t.firedAt[0] - deadline} ms late`);
      }
    }
  });

  it("a clock timer that fires early fires nothing early: the wheel waits again", () => {
    const clock = new EarlyClock(3);
    const wheel = new TimerWheel(10, clock);
    const t = new Target(clock);
    wheel.add(100, t);
    clock.advance(99);
    assert.deepEqual(t.firedAt, [], "not before its deadline");
    assert.equal(clock.pending, 1, "the wheel set its timer again");
    clock.advance(20);
    assert.equal(t.firedAt.length, 1);
    assert.ok(t.firedAt[0] >= 100 && t.firedAt[0] <= 110, `fired at ${t.firedAt[0]}`);
  });

  it("a cancelled timeout does not fire; the others of its bucket do", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const a = new Target(clock);
    const b = new Target(clock);
    const c = new Target(clock);
    wheel.add(41, a);
    const tb = wheel.add(45, b);
    wheel.add(50, c);
    assert.equal(wheel.bucketCount, 1, "one bucket: the same 10 ms slot");
    tb.cancel();
    tb.cancel();
    assert.equal(wheel.size, 2);
    clock.advance(100);
    assert.equal(a.firedAt.length, 1);
    assert.equal(b.firedAt.length, 0);
    assert.equal(c.firedAt.length, 1);
    assert.equal(wheel.size, 0);
  });

  it("cancelling a timeout that has fired changes nothing", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const a = new Target(clock);
    const ta = wheel.add(10, a);
    clock.advance(20);
    const b = new Target(clock);
    wheel.add(10, b);
    ta.cancel();
    assert.equal(wheel.size, 1);
    clock.advance(20);
    assert.equal(a.firedAt.length, 1);
    assert.equal(b.firedAt.length, 1);
  });

  it("a bucket whose every timeout was cancelled goes at once, and with no bucket left so does the clock timer", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const timers = Array.from({ length: 5 }, () => wheel.add(1_000, new Target(clock)));
    const later = wheel.add(5_000, new Target(clock));
    assert.equal(wheel.bucketCount, 2);
    // cancelled out of order: the entries left must stay reachable for their cancel()
    for (const i of [3, 0, 4, 1]) timers[i].cancel();
    assert.equal(wheel.bucketCount, 2);
    assert.equal(wheel.size, 2);
    timers[2].cancel();
    assert.equal(wheel.bucketCount, 1, "the emptied bucket went before it came due");
    assert.equal(wheel.size, 1);
    later.cancel();
    assert.equal(wheel.bucketCount, 0);
    assert.equal(clock.pending, 0, "no clock timer left for an empty wheel");
  });

  it("after the earliest bucket went, the timer finds the next one", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const early = wheel.add(100, new Target(clock));
    const b = new Target(clock);
    wheel.add(300, b);
    early.cancel();
    clock.advance(299);
    assert.deepEqual(b.firedAt, []);
    clock.advance(20);
    assert.equal(b.firedAt.length, 1);
    assert.ok(b.firedAt[0] >= 300 && b.firedAt[0] <= 310);
  });

  it("requests answered in time leave nothing behind: 64 in flight with 5 s timeouts hold at most 64 timeouts", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const inFlight: ReturnType<TimerWheel["add"]>[] = [];
    let maxSize = 0;
    let maxBuckets = 0;
    // 200,000 requests, one every 50 µs (10 s), each answered 64 requests later (3.2 ms)
    for (let i = 0; i < 200_000; i++) {
      inFlight.push(wheel.add(5_000, new Target(clock)));
      if (inFlight.length > 64) inFlight.shift()!.cancel();
      maxSize = Math.max(maxSize, wheel.size);
      maxBuckets = Math.max(maxBuckets, wheel.bucketCount);
      clock.advance(0.05);
    }
    // keeping cancelled timeouts until due would hold 5 s of them: 100,000
    assert.ok(maxSize <= 65, `held ${maxSize} timeouts`);
    assert.ok(maxBuckets <= 2, `held ${maxBuckets} buckets`);
    for (const t of inFlight) t.cancel();
    assert.equal(wheel.size, 0);
    assert.equal(clock.pending, 0);
  });

  it("many timeouts share one clock timer", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const targets: Target[] = [];
    for (let i = 0; i < 1_000; i++) {
      const t = new Target(clock);
      targets.push(t);
      wheel.add(100 + i, t);
    }
    assert.equal(clock.pending, 1);
    assert.equal(clock.requested.length, 1, "later deadlines do not set the timer again");
    // an earlier deadline moves the one timer
    wheel.add(50, new Target(clock));
    assert.equal(clock.pending, 1);
    assert.equal(clock.requested.length, 2);
    const buckets = wheel.bucketCount;
    assert.equal(buckets, 102, "10 ms slots: 100..1099 ms and 50 ms");
    clock.advance(2_000);
    assert.ok(targets.every((t) => t.firedAt.length === 1));
    // one clock timer per bucket that came due, not per timeout
    assert.ok(clock.requested.length <= 2 + buckets, `${clock.requested.length} clock timers`);
  });

  it("clear() drops every timeout and the clock timer; the wheel works afterwards", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const a = new Target(clock);
    const old = wheel.add(100, a);
    wheel.add(200, new Target(clock));
    wheel.clear();
    assert.equal(wheel.size, 0);
    assert.equal(wheel.bucketCount, 0);
    assert.equal(clock.pending, 0);
    // a timeout in the same slot as a cleared one; cancelling the cleared one must not touch it
    const b = new Target(clock);
    wheel.add(100, b);
    old.cancel();
    assert.equal(wheel.size, 1);
    clock.advance(300);
    assert.deepEqual(a.firedAt, []);
    assert.equal(b.firedAt.length, 1);
  });

  it("timeouts added and cancelled from inside expire()", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const log: string[] = [];
    const again = new Target(clock, "again", log);
    const zero = new Target(clock, "zero", log);
    const victim = new Target(clock, "victim", log);
    const bystander = new Target(clock, "bystander", log);
    let victimTimer: ReturnType<TimerWheel["add"]> | undefined;
    const adder: Expiring = {
      expire() {
        log.push("adder");
        wheel.add(0, zero);
        wheel.add(100, again);
        victimTimer!.cancel();
      },
    };
    // one bucket, due at 50: the adder fires first and cancels the victim, due with it
    wheel.add(50, adder);
    victimTimer = wheel.add(50, victim);
    wheel.add(50, bystander);
    clock.advance(55);
    assert.deepEqual(log, ["adder", "bystander", "zero"], "the victim did not fire; the 0 ms timeout fired after the bucket");
    clock.advance(200);
    assert.deepEqual(log, ["adder", "bystander", "zero", "again"]);
    assert.ok(again.firedAt[0] >= 150 && again.firedAt[0] <= 160);
    assert.equal(wheel.size, 0);
    assert.equal(clock.pending, 0);
  });

  it("cancelling, while firing, the last timeout of another due bucket leaves a new timeout of its slot alone", () => {
    const clock = new ManualClock();
    const wheel = new TimerWheel(10, clock);
    const log: string[] = [];
    const zero = new Target(clock, "zero", log);
    let victimTimer: ReturnType<TimerWheel["add"]> | undefined;
    wheel.add(40, {
      expire() {
        log.push("first");
        // now is 50: a 0 ms timeout goes to the 50 ms slot, the victim's, which is being fired
        wheel.add(0, zero);
        victimTimer!.cancel();
      },
    });
    victimTimer = wheel.add(50, new Target(clock, "victim", log));
    clock.jump(50); // the timer comes late: both buckets are due at once
    clock.advance(100);
    assert.deepEqual(log, ["first", "zero"]);
  });

  it("fires in deadline order across buckets, also when the timer comes late", () => {
    for (const late of [false, true]) {
      const clock = new ManualClock();
      const wheel = new TimerWheel(10, clock);
      const log: string[] = [];
      for (const ms of [500, 100, 300, 20, 400]) wheel.add(ms, new Target(clock, String(ms), log));
      if (late) clock.jump(1_000); // a blocked event loop: every bucket is due when the timer runs
      else clock.advance(1_000);
      assert.deepEqual(log, ["20", "100", "300", "400", "500"], late ? "late timer" : "timer on time");
    }
  });

  it("follows the monotonic clock: setting the wall clock back does not hold a timeout", async (t) => {
    const wheel = new TimerWheel(10);
    const fired = new Promise<void>((resolve) => wheel.add(20, { expire: resolve }));
    // the wall clock goes back an hour once the timeout is set
    const real = Date.now;
    t.mock.method(Date, "now", () => real() - 3_600_000);
    let bound: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<string>((resolve) => {
      bound = setTimeout(() => resolve("not fired within 5 s"), 5_000);
    });
    try {
      assert.equal(await Promise.race([fired.then(() => "fired"), timedOut]), "fired");
    } finally {
      clearTimeout(bound);
      wheel.clear();
    }
  });

  it("keeps a process alive while a timeout waits, as setTimeout does (the system clock); not once none waits", () => {
    const before = activeTimeouts();
    const wheel = new TimerWheel();
    const timer = wheel.add(60_000, { expire() {} });
    assert.equal(activeTimeouts(), before + 1, "a referenced timer");
    timer.cancel();
    assert.equal(activeTimeouts(), before, "the wheel's timer went with its last timeout");
    wheel.add(60_000, { expire() {} });
    wheel.clear();
    assert.equal(activeTimeouts(), before);
  });
});

describe("clocks", () => {
  it("systemClock's timers keep a process alive, unrefClock's do not", () => {
    const before = activeTimeouts();
    const a = systemClock.after(() => {}, 60_000);
    assert.equal(activeTimeouts(), before + 1);
    systemClock.cancel(a);
    const b = unrefClock.after(() => {}, 60_000);
    assert.equal(activeTimeouts(), before);
    unrefClock.cancel(b);
  });

  it("now() is monotonic milliseconds, not the wall clock", () => {
    const a = systemClock.now();
    const b = systemClock.now();
    assert.ok(b >= a);
    assert.ok(Math.abs(a - performance.now()) < 1_000);
    assert.ok(a < Date.now() / 2, "performance.now() counts from the process start");
  });
});
