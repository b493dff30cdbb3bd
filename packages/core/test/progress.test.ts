// The progress watch with a manual clock: a server that stopped reading
// (bytes wait and none leave) told from a fast publisher (bytes wait and
// leave), and a blocked event loop taken for neither.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ProgressHost, ProgressWatch, STALL_MS, TICK_MS } from "../src/connection/progress.js";
import { ManualClock } from "./helpers/manual-clock.js";

class Host implements ProgressHost {
  waiting = 1000;
  sent = 0;
  events: string[] = [];
  waitingBytes(): number {
    return this.waiting;
  }
  sentBytes(): number {
    return this.sent;
  }
  onStall(): void {
    this.events.push("stall");
  }
  onStallTimeout(): void {
    this.events.push("timeout");
  }
  onProgress(): void {
    this.events.push("progress");
  }
}

describe("ProgressWatch", () => {
  /** A watch armed with `timeout`, on a manual clock, over a host with bytes waiting. */
  const armed = (timeout: number) => {
    const clock = new ManualClock();
    const host = new Host();
    new ProgressWatch(host, timeout, clock).arm();
    return { clock, host };
  };

  const ticks = (clock: ManualClock, n: number): void => {
    for (let i = 0; i < n; i++) clock.advance(TICK_MS);
  };

  it("no progress for STALL_MS is a stall, reported once; progress ends it", () => {
    const { clock, host } = armed(10_000);
    ticks(clock, STALL_MS / TICK_MS - 1);
    assert.deepEqual(host.events, []);
    ticks(clock, 1);
    assert.deepEqual(host.events, ["stall"]);
    ticks(clock, 4);
    assert.deepEqual(host.events, ["stall"]);
    host.sent += 10;
    ticks(clock, 1);
    assert.deepEqual(host.events, ["stall", "progress"]);
  });

  it("bytes that keep leaving are never a stall, however long they wait", () => {
    const { clock, host } = armed(2_000);
    for (let i = 0; i < 100; i++) {
      host.sent += 1;
      ticks(clock, 1);
    }
    assert.deepEqual(host.events, []);
  });

  it("a tick that comes late (a blocked event loop) starts a new observation", () => {
    const { clock, host } = armed(10_000);
    // a synchronous loop runs for 5 s: nothing could leave meanwhile
    clock.jump(5_000);
    assert.deepEqual(host.events, []);
    // the socket goes on once the loop is free
    host.sent += 1;
    ticks(clock, 2);
    assert.deepEqual(host.events, []);
  });

  it("no progress for the timeout calls onStallTimeout once and stops", () => {
    const { clock, host } = armed(3_000);
    ticks(clock, 3_000 / TICK_MS);
    assert.deepEqual(host.events, ["stall", "timeout"]);
    assert.equal(clock.pending, 0);
  });

  it("stops when nothing waits, and reports the end of a stall then", () => {
    const { clock, host } = armed(10_000);
    ticks(clock, STALL_MS / TICK_MS);
    host.waiting = 0;
    ticks(clock, 1);
    assert.deepEqual(host.events, ["stall", "progress"]);
    assert.equal(clock.pending, 0);
  });
});
