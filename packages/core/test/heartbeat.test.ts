// Client PINGs and stale detection on a hand-driven interval: the `ping` statuses
// (3.4's sequence: 1..maxOut, then maxOut + 1 with staleConnection), a PONG
// or inbound traffic resetting the count, interval 0 turning PINGs off.
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { Heartbeat, type HeartbeatHost } from "../src/connection/heartbeat.js";

class Host implements HeartbeatHost {
  events: string[] = [];
  pongs: Array<() => void> = [];
  sendPing(onPong: () => void): void {
    this.events.push("PING");
    this.pongs.push(onPong);
  }
  onPingTick(pending: number): void {
    this.events.push(`ping ${pending}`);
  }
  onStale(): void {
    this.events.push("stale");
  }
}

/**
 * The heartbeat's interval, driven by hand: setInterval/clearInterval are
 * replaced, and `ticks(n)` fires the interval n times while it is set.
 */
function manualInterval(t: TestContext): { ticks(n: number): void } {
  let callback: (() => void) | undefined;
  t.mock.method(globalThis, "setInterval", (fn: () => void) => {
    callback = fn;
    return { unref() {} };
  });
  t.mock.method(globalThis, "clearInterval", () => {
    callback = undefined;
  });
  return {
    ticks(n: number) {
      for (let i = 0; i < n; i++) callback?.();
    },
  };
}

/** A started heartbeat on a manual interval. */
function heartbeat(t: TestContext, interval: number, maxOut: number): { host: Host; hb: Heartbeat; ticks(n: number): void } {
  const { ticks } = manualInterval(t);
  const host = new Host();
  const hb = new Heartbeat(host, interval, maxOut);
  t.after(() => hb.stop());
  hb.start();
  return { host, hb, ticks };
}

describe("Heartbeat", () => {
  it("no answer: ping 1..maxOut with a PING each, then ping maxOut+1 and stale (as 3.4); nothing after", (t) => {
    const { host, ticks } = heartbeat(t, 100, 2);
    ticks(10);
    assert.deepEqual(host.events, ["ping 1", "PING", "ping 2", "PING", "ping 3", "stale"]);
  });

  it("a PONG resets the count", (t) => {
    const { host, ticks } = heartbeat(t, 100, 2);
    ticks(2);
    host.pongs.at(-1)!();
    ticks(1);
    assert.deepEqual(host.events, ["ping 1", "PING", "ping 2", "PING", "ping 1", "PING"]);
  });

  it("inbound traffic counts as liveness: a busy connection is never stale", (t) => {
    const { host, hb, ticks } = heartbeat(t, 100, 1);
    for (let i = 0; i < 10; i++) {
      hb.alive = true;
      ticks(1);
    }
    assert.ok(!host.events.includes("stale"), host.events.join(","));
    assert.equal(host.events.filter((e) => e === "ping 1").length, 10);
  });

  it("maxOut 0 counts as 1; interval 0 sends no PINGs", (t) => {
    const { host, ticks } = heartbeat(t, 100, 0);
    ticks(5);
    assert.deepEqual(host.events, ["ping 1", "PING", "ping 2", "stale"]);
    const off = new Host();
    const hb = new Heartbeat(off, 0, 2);
    hb.start();
    ticks(10);
    assert.deepEqual(off.events, [], "no interval was set");
  });
});
