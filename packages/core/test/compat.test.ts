/**
 * @quicknats/core/compat: the helpers @nats-io/transport-node exports beside
 * the client, checked against the official ones (@nats-io/nats-core's
 * internal entry, a devDependency of the tests) on the same inputs: fixed
 * cases and fast-check samples (fixed seed).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as official from "@nats-io/nats-core/internal";
import * as ours from "../src/compat.js";
import { QueuedIteratorImpl } from "../src/api/queued-iterator.js";
import { TimeoutError } from "../src/errors.js";
import { deferred } from "../src/timers.js";

const SEED = 1303;
const te = new TextEncoder();
/** A comparable form of a parse result. */
const shown = (v: Uint8Array | undefined) => v === undefined ? undefined : Array.from(v);

const IP_CASES = [
  "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3", "01.02.03.004", "1..2.3",
  " 1.2.3.4", "a.b.c.d", "99999999.1.1.1",
  "::", "::1", "1::", "fe80::1", "2001:db8::8a2e:370:7334", "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9", "1::2::3", ":1", "1:", ":::", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
  "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "12345::1", "g::1", "[::1]", "::ffff:256.1.1.1",
  "1:2:3:4:5::1.2.3.4", "localhost", "", "demo.nats.io:4222", "nats:4222", "a:b:c",
];
/** Malformed addresses nats-core's parseIP takes and ours refuses. */
const STRICTER = ["1.2.3.4.5", "1.2.3.4:80", "1.2.3.4 ", "1.2.3.4::", "00000::", "::00001"];

describe("compat helpers agree with @nats-io/nats-core's", () => {
  it("parseIP, isIP and isIPV4OrHostname: fixed cases", () => {
    for (const h of IP_CASES) {
      assert.deepEqual(shown(ours.parseIP(h)), shown(official.parseIP(h)), `parseIP(${JSON.stringify(h)})`);
      assert.equal(ours.isIP(h), official.isIP(h), `isIP(${JSON.stringify(h)})`);
      assert.equal(ours.isIPV4OrHostname(h), official.isIPV4OrHostname(h), `isIPV4OrHostname(${JSON.stringify(h)})`);
    }
    assert.deepEqual(shown(ours.ipV4(10, 0, 0, 255)), shown(official.ipV4(10, 0, 0, 255)));
    // stricter than nats-core's port of Go's ParseIP, which ignores what follows
    // an IPv4 address's fourth number and reads a hex group of any length
    for (const h of STRICTER) {
      assert.equal(ours.parseIP(h), undefined, `parseIP(${JSON.stringify(h)})`);
      assert.notEqual(official.parseIP(h), undefined, `nats-core's parseIP(${JSON.stringify(h)})`);
    }
  });

  it("parseIP: every address fast-check makes reads the same; nothing we read is read otherwise", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (h) => {
        assert.notEqual(ours.parseIP(h), undefined, h);
        assert.deepEqual(shown(ours.parseIP(h)), shown(official.parseIP(h)), `parseIP(${JSON.stringify(h)})`);
      }),
      { seed: SEED, numRuns: 2000 },
    );
    const chars = fc.constantFrom(..."0123456789abcdefABCDEFg:.:.:. ".split(""));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 45 }).map((a) => a.join("")), (h) => {
        const mine = ours.parseIP(h);
        if (mine !== undefined) assert.deepEqual(shown(mine), shown(official.parseIP(h)), `parseIP(${JSON.stringify(h)})`);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it("protoLen, extractProtocolMessage and render", () => {
    for (const s of ["PING\r\n", "INFO {}\r\nPONG\r\n", "no line end", "\r\n", "\r", "\n", "", "a\rb\r\n", "MSG a 1 2\r\nhi\r\n"]) {
      const b = te.encode(s);
      assert.equal(ours.protoLen(b), official.protoLen(b), `protoLen(${JSON.stringify(s)})`);
      assert.equal(ours.extractProtocolMessage(b), official.extractProtocolMessage(b), `extractProtocolMessage(${JSON.stringify(s)})`);
      assert.equal(ours.render(b), official.render(b), `render(${JSON.stringify(s)})`);
    }
    assert.equal(ours.INFO.exec("INFO {\"a\":1}\r\n")?.[1], official.INFO.exec("INFO {\"a\":1}\r\n")?.[1]);
    assert.equal(ours.TD.decode(ours.TE.encode("héllo")), "héllo");
  });

  it("extend and collect", async () => {
    assert.deepEqual(ours.extend({ a: 1 }, { b: 2 }, { a: 3 }), official.extend({ a: 1 }, { b: 2 }, { a: 3 }));
    const iter = new QueuedIteratorImpl<number>();
    [1, 2, 3].forEach((n) => iter.push(n));
    iter.stop();
    assert.deepEqual(await ours.collect(iter), [1, 2, 3]);
  });

  it("DataBuffer: random sequences of operations give the same results", () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant("fill"), a: fc.uint8Array({ maxLength: 6 }), more: fc.array(fc.uint8Array({ maxLength: 4 }), { maxLength: 3 }) }),
      fc.record({ op: fc.constant("drain"), n: fc.option(fc.nat(12), { nil: undefined }) }),
      fc.constantFrom({ op: "shift" as const }, { op: "peek" as const }, { op: "pack" as const }, { op: "reset" as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const a = new ours.DataBuffer();
        const b = new official.DataBuffer();
        for (const o of ops) {
          const call = (d: typeof a | typeof b): unknown => {
            switch (o.op) {
              case "fill": return "a" in o ? d.fill(o.a, ...o.more) : undefined;
              case "drain": return "n" in o ? shown(d.drain(o.n)) : undefined;
              case "shift": return shown(d.shift());
              case "peek": return shown(d.peek());
              case "pack": return d.pack();
              default: return d.reset();
            }
          };
          assert.deepEqual(call(a), call(b), `${o.op}`);
          assert.deepEqual([a.size(), a.length()], [b.size(), b.length()], `after ${o.op}`);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
    const parts = [te.encode("ab"), te.encode(""), te.encode("c")];
    assert.deepEqual(shown(ours.DataBuffer.concat(...parts)), shown(official.DataBuffer.concat(...parts)));
    assert.equal(ours.DataBuffer.toAscii(ours.DataBuffer.fromAscii("PING")), "PING");
  });
});

describe("compat helpers that keep time", () => {
  it("timeout() rejects with a TimeoutError; cancel() stops it", async () => {
    const t0 = performance.now();
    await assert.rejects(ours.timeout(30), (err: Error) => err instanceof TimeoutError && err.name === "TimeoutError");
    assert.ok(performance.now() - t0 >= 25, "not before its time");
    const cancelled = ours.timeout(20);
    cancelled.cancel();
    const outcome = await Promise.race([
      cancelled.then(() => "settled", () => "settled"),
      new Promise((r) => setTimeout(() => r("pending"), 100)),
    ]);
    assert.equal(outcome, "pending");
  });

  it("SimpleMutex lets `max` holders in, the others as holders leave, first come first served", async () => {
    const m = new ours.SimpleMutex(2);
    const order: number[] = [];
    const holders = [1, 2, 3, 4].map((i) => m.lock().then(() => order.push(i)));
    await Promise.all(holders.slice(0, 2));
    assert.deepEqual(order, [1, 2]);
    m.unlock();
    await holders[2];
    assert.deepEqual(order, [1, 2, 3]);
    m.unlock();
    await holders[3];
    assert.deepEqual(order, [1, 2, 3, 4]);
  });

  it("IdleHeartbeatMonitor calls back after maxOut silent intervals and stops when told; cancelAfter stops it", async () => {
    const calls: number[] = [];
    let resolve!: () => void;
    const called = new Promise<void>((r) => (resolve = r));
    const mon = new ours.IdleHeartbeatMonitor(10, (n) => {
      calls.push(n);
      resolve();
      return true;
    }, { maxOut: 2 });
    await called;
    assert.ok(calls[0]! >= 2, `missed ${calls[0]}`);
    assert.equal(mon.timer, 0, "stopped: the callback returned true");

    const quiet = new ours.IdleHeartbeatMonitor(60_000, () => false, { cancelAfter: 10 });
    assert.notEqual(quiet.timer, 0);
    await new Promise<void>((r) => {
      const check = setInterval(() => {
        if (quiet.timer === 0) {
          clearInterval(check);
          r();
        }
      }, 5);
    });
    assert.equal(quiet.autoCancelTimer, 0);
  });
});

describe("deferred", () => {
  it("resolve() takes no value, as the official type and its KV README have it", async () => {
    const d = deferred();
    d.resolve();
    assert.equal(await d, undefined);
    const n = deferred<number>();
    n.resolve(7);
    assert.equal(await n, 7);
  });
});
