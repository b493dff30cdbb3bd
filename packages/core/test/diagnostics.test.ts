// The diagnostics channels' mechanics, without a server: LocalChannel against
// node:diagnostics_channel's Channel (same operations, same observable
// behaviour), the process-wide table shared by copies of the core, plugging
// node:diagnostics_channel in (subscribers move, old references forward),
// and the event objects the core's call sites build (header copy-on-write,
// the publish and callback sequences, a request's single terminal event).
//
// The table is process-wide by design; the tests that plug Node's module in
// run last (node:test runs a file's tests in order, each file in its own
// process).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import * as dc from "node:diagnostics_channel";
import fc from "fast-check";
import { headers } from "../src/api/headers.js";
import type { Msg, NatsConnection, Subscription } from "../src/types.js";
import {
  ClosedConnectionError,
  ErrorCode,
  InvalidArgumentError,
  InvalidOperationError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  requestTimeoutError,
} from "../src/errors.js";
import { type DiagnosticsChannel, type DiagnosticsStore, LocalChannel } from "../src/diagnostics/channel.js";
import { DeliveryEventImpl, DropEventImpl, traceCallback } from "../src/diagnostics/delivery.js";
import type { DeliveryEvent, PublishEvent, RequestEvent } from "../src/diagnostics/events.js";
import { DiagnosticsChannels, DiagnosticsTracingChannels } from "../src/diagnostics/names.js";
import { PublishEventImpl, requestErrorReason, RequestEventImpl, tracePublish } from "../src/diagnostics/outgoing.js";
import {
  type Diagnostics,
  diagnostics,
  diagnosticsChannel,
  type DiagnosticsChannelProvider,
  useDiagnosticsChannel,
} from "../src/diagnostics/registry.js";
import * as mod from "../src/mod.js";

const REGISTRY = Symbol.for("quicknats.diagnostics");
const nodeDc = dc as unknown as DiagnosticsChannelProvider;

/** A connection stand-in: the events only carry it. */
const conn = { name: "conn" } as unknown as NatsConnection;
const sub = { getID: () => 7 } as unknown as Subscription;

function fakeMsg(subject: string, body: Uint8Array, sid = 7): Msg {
  let subjectReads = 0;
  let dataReads = 0;
  const m = {
    sid,
    get subject() {
      subjectReads++;
      return subject;
    },
    get data() {
      dataReads++;
      return body;
    },
    reads: () => ({ subjectReads, dataReads }),
  };
  return m as unknown as Msg;
}

/** Catches what a channel rethrows from a microtask (a throwing subscriber). */
async function rethrown(fn: () => void): Promise<unknown[]> {
  const caught: unknown[] = [];
  const original = globalThis.queueMicrotask;
  globalThis.queueMicrotask = (cb: () => void) =>
    original(() => {
      try {
        cb();
      } catch (err) {
        caught.push(err);
      }
    });
  try {
    fn();
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    globalThis.queueMicrotask = original;
  }
  return caught;
}

/** A bundle of fresh LocalChannels (the process-wide one is not touched). */
function localBundle(): Diagnostics {
  const b: Record<string, DiagnosticsChannel<unknown>> = {};
  for (const [k, name] of Object.entries(DiagnosticsChannels)) b[k] = new LocalChannel(name);
  return b as unknown as Diagnostics;
}

/** Subscribes a recorder to every channel of a bundle: "Key" per event, in order. */
function record(d: Diagnostics, keys: (keyof Diagnostics)[]): string[] {
  const log: string[] = [];
  for (const k of keys) (d[k] as DiagnosticsChannel<unknown>).subscribe(() => log.push(k));
  return log;
}

let uniq = 0;
const freshName = () => `quicknats-test:${process.pid}:${++uniq}`;

describe("LocalChannel", () => {
  it("has subscribers while it has a subscriber or a bound store", () => {
    const ch = new LocalChannel<number>("a");
    const f = () => {};
    const store: DiagnosticsStore<number> = { run: (_v, fn) => fn() };
    assert.equal(ch.hasSubscribers, false);
    ch.subscribe(f);
    assert.equal(ch.hasSubscribers, true);
    assert.equal(ch.unsubscribe(() => {}), false, "an unknown listener");
    assert.equal(ch.unsubscribe(f), true);
    assert.equal(ch.hasSubscribers, false);
    ch.bindStore(store);
    assert.equal(ch.hasSubscribers, true);
    assert.equal(ch.unbindStore({ run: (_v, fn) => fn() }), false, "an unknown store");
    assert.equal(ch.unbindStore(store), true);
    assert.equal(ch.hasSubscribers, false);
  });

  it("calls subscribers in order with the message and its name; an unsubscribe during publish skips nobody", () => {
    const ch = new LocalChannel<{ n: number }>("quicknats:x");
    const log: string[] = [];
    const second = (m: { n: number }, name: string | symbol) => log.push(`2:${m.n}:${String(name)}`);
    ch.subscribe((m) => {
      log.push(`1:${m.n}`);
      ch.unsubscribe(second);
    });
    ch.subscribe(second);
    ch.publish({ n: 1 });
    ch.publish({ n: 2 });
    assert.deepEqual(log, ["1:1", "2:1:quicknats:x", "1:2"]);
  });

  it("rethrows a subscriber's error from a microtask; the other subscribers and the publisher go on", async () => {
    const ch = new LocalChannel<number>("t");
    const boom = new Error("subscriber bug");
    let after = 0;
    ch.subscribe(() => {
      throw boom;
    });
    ch.subscribe(() => after++);
    let returned = false;
    const caught = await rethrown(() => {
      ch.publish(1);
      returned = true;
    });
    assert.equal(returned, true);
    assert.equal(after, 1);
    assert.deepEqual(caught, [boom]);
  });

  it("runStores: enters the bound stores with the transformed message, publishes, returns fn's result", () => {
    const ch = new LocalChannel<{ id: number }>("s");
    const als = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    ch.bindStore(als, (m) => `ctx-${m.id}`);
    ch.subscribe(() => seen.push(als.getStore()));
    const r = ch.runStores({ id: 4 }, function (this: { k: number }, a: number, b: number) {
      seen.push(als.getStore());
      return this.k + a + b;
    }, { k: 100 }, 1, 2);
    assert.equal(r, 103);
    assert.deepEqual(seen, ["ctx-4", "ctx-4"], "the subscriber and fn both run inside the store");
    assert.equal(als.getStore(), undefined, "left afterwards");
  });

  it("runStores on a channel nobody listens to only calls fn", () => {
    const ch = new LocalChannel<number>("idle");
    assert.equal(ch.runStores(1, (x: number) => x * 2, undefined, 21), 42);
  });

  it("a throwing transform skips its store; fn still runs and the error is rethrown later", async () => {
    const ch = new LocalChannel<number>("tf");
    const als = new AsyncLocalStorage<string>();
    const boom = new Error("transform bug");
    ch.bindStore(als, () => {
      throw boom;
    });
    let inside: string | undefined = "unset";
    const caught = await rethrown(() => {
      ch.runStores(1, () => {
        inside = als.getStore();
      });
    });
    assert.equal(inside, undefined);
    assert.deepEqual(caught, [boom]);
  });

  it("behaves as node:diagnostics_channel's Channel for any sequence of operations", () => {
    // the same script on both; everything observable is logged and compared
    type Op =
      | { op: "sub"; l: number }
      | { op: "unsub"; l: number }
      | { op: "bind"; s: number; t: number }
      | { op: "unbind"; s: number }
      | { op: "pub"; v: number }
      | { op: "run"; v: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant("sub" as const), l: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ op: fc.constant("unsub" as const), l: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ op: fc.constant("bind" as const), s: fc.integer({ min: 0, max: 1 }), t: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ op: fc.constant("unbind" as const), s: fc.integer({ min: 0, max: 1 }) }),
      fc.record({ op: fc.constant("pub" as const), v: fc.integer({ min: 0, max: 9 }) }),
      fc.record({ op: fc.constant("run" as const), v: fc.integer({ min: 0, max: 9 }) }),
    );
    function play(ch: DiagnosticsChannel<number>, ops: Op[]): string[] {
      const log: string[] = [];
      const stores = [0, 1].map((i) => ({
        run<R>(v: unknown, fn: () => R): R {
          log.push(`enter${i}:${String(v)}`);
          try {
            return fn();
          } finally {
            log.push(`leave${i}`);
          }
        },
      }));
      const transforms = [undefined, (m: number) => m * 10, (m: number) => `t${m}`];
      const listeners = [0, 1, 2].map((i) => (m: unknown) => log.push(`l${i}:${String(m)}`));
      for (const o of ops) {
        switch (o.op) {
          case "sub":
            ch.subscribe(listeners[o.l]);
            break;
          case "unsub":
            log.push(`unsub:${ch.unsubscribe(listeners[o.l])}`);
            break;
          case "bind":
            ch.bindStore(stores[o.s], transforms[o.t] as ((m: number) => unknown) | undefined);
            break;
          case "unbind":
            log.push(`unbind:${ch.unbindStore(stores[o.s])}`);
            break;
          case "pub":
            ch.publish(o.v);
            break;
          case "run":
            log.push(`ret:${ch.runStores(o.v, (x: number) => x + 1, undefined, o.v)}`);
            break;
        }
        log.push(`has:${ch.hasSubscribers}`);
      }
      return log;
    }
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const name = freshName();
        const ours = play(new LocalChannel<number>(name), ops);
        const node = play(dc.channel(name) as unknown as DiagnosticsChannel<number>, ops);
        assert.deepEqual(ours, node);
      }),
      { numRuns: 300 },
    );
  });
});

describe("event objects", () => {
  it("setHeader copies the caller's headers on first write and never changes them", () => {
    const user = headers();
    user.set("X-User", "1");
    const ev = new PublishEventImpl(conn, "orders", undefined, user, 3, true, undefined);
    assert.equal(ev.headers, user, "the caller's object until a header is set");
    assert.equal(ev.setHeader("traceparent", "00-abc-def-01"), true);
    assert.notEqual(ev.headers, user);
    assert.equal(ev.headers!.get("X-User"), "1", "the user's header is kept");
    assert.equal(ev.headers!.get("traceparent"), "00-abc-def-01");
    assert.equal(user.has("traceparent"), false, "the caller's headers are untouched");
    ev.setHeader("traceparent", "00-xyz-def-01");
    assert.deepEqual(ev.headers!.values("traceparent"), ["00-xyz-def-01"], "replaced, not appended");
  });

  it("a message without headers gains them; a server without headers gets none", () => {
    const ev = new PublishEventImpl(conn, "s", undefined, undefined, 0, true, undefined);
    assert.equal(ev.headers, undefined);
    ev.setHeader("a", "b");
    assert.equal(ev.headers!.get("a"), "b");
    const old = new PublishEventImpl(conn, "s", undefined, undefined, 0, false, undefined);
    assert.equal(old.setHeader("a", "b"), false);
    assert.equal(old.headers, undefined);
  });

  it("setHeader refuses what cannot be sent, and anything after the start event", () => {
    const ev = new PublishEventImpl(conn, "s", undefined, undefined, 0, true, undefined);
    assert.throws(() => ev.setHeader("a", "x\r\nInjected: 1"), InvalidArgumentError);
    assert.throws(() => ev.setHeader("bad key", "v"), InvalidArgumentError);
    ev.seal();
    assert.throws(() => ev.setHeader("a", "b"), InvalidOperationError);
  });

  it("a copied header set keeps the caller's status line", () => {
    const user = headers(409, "Conflict");
    const ev = new PublishEventImpl(conn, "s", undefined, user, 0, true, undefined);
    ev.setHeader("k", "v");
    assert.equal(ev.headers!.code, 409);
    assert.equal(ev.headers!.description, "Conflict");
  });

  it("tracePublish: start (headers settable), send with the final headers, end with the result", () => {
    const d = localBundle();
    const log = record(d, ["PublishStart", "PublishError", "PublishEnd"]);
    d.PublishStart.subscribe((ev) => ev.setHeader("traceparent", "tp"));
    const ev = new PublishEventImpl(conn, "a.b", "r", undefined, 5, true, undefined);
    let sentHeaders: string | undefined;
    const self = { tag: "engine" };
    const r = tracePublish(d, ev, "payload", function (this: typeof self, subject, reply, h, p) {
      assert.equal(this, self);
      assert.deepEqual([subject, reply, p], ["a.b", "r", "payload"]);
      sentHeaders = h?.get("traceparent");
      return false;
    }, self);
    assert.equal(r, false);
    assert.equal(sentHeaders, "tp");
    assert.deepEqual(log, ["PublishStart", "PublishEnd"]);
    assert.equal((ev as PublishEvent).result, false);
    assert.throws(() => ev.setHeader("late", "x"), InvalidOperationError, "sealed after start");
  });

  it("tracePublish: a send that throws publishes error then end, and the caller gets the error", () => {
    const d = localBundle();
    const log = record(d, ["PublishStart", "PublishError", "PublishEnd"]);
    const ev = new PublishEventImpl(conn, "a", undefined, undefined, 0, true, undefined);
    const boom = new Error("reconnect buffer full");
    assert.throws(() =>
      tracePublish(d, ev, 0, () => {
        throw boom;
      }, undefined), (e) => e === boom);
    assert.deepEqual(log, ["PublishStart", "PublishError", "PublishEnd"]);
    assert.equal(ev.error, boom);
    assert.equal(ev.result, undefined);
  });

  it("a request: start, responses, then exactly one of end and error, with elapsed time", async () => {
    const d = localBundle();
    const seen: string[] = [];
    const states: Partial<RequestEvent>[] = [];
    for (const k of ["RequestStart", "RequestResponse", "RequestEnd", "RequestError"] as const) {
      (d[k] as DiagnosticsChannel<RequestEvent>).subscribe((ev) => {
        seen.push(k);
        states.push({ responses: ev.responses, elapsed: ev.elapsed, reason: ev.reason });
      });
    }
    d.RequestStart.subscribe((ev) => ev.setHeader("traceparent", "tp"));
    const ev = new RequestEventImpl(d, conn, "svc.time", "_INBOX.x.1", undefined, 0, true, "many", 500, false);
    ev.start();
    assert.equal(ev.headers!.get("traceparent"), "tp");
    assert.throws(() => ev.setHeader("x", "y"), InvalidOperationError);
    await new Promise((r) => setTimeout(r, 5));
    const m1 = fakeMsg("_INBOX.x.1", new Uint8Array(1));
    ev.respond(m1);
    ev.respond(fakeMsg("_INBOX.x.1", new Uint8Array(2)));
    ev.end();
    ev.fail(new Error("late"));
    ev.end();
    ev.respond(m1);
    assert.deepEqual(seen, ["RequestStart", "RequestResponse", "RequestResponse", "RequestEnd"]);
    assert.equal(states[0].elapsed, 0);
    assert.ok(states[1].elapsed! >= 4, `elapsed ${states[1].elapsed}`);
    assert.equal(states[3].responses, 2);
    assert.equal(ev.error, undefined);
  });

  it("a failed request carries the error and its reason", () => {
    const cases: [Error, string][] = [
      [requestTimeoutError(), "timeout"],
      [new RequestError("no responders", { cause: new NoRespondersError("svc") }), "noResponders"],
      [new NoRespondersError("svc"), "noResponders"],
      [new RequestError("refused", { cause: new PermissionViolationError("Permissions Violation for Publish to \"svc\"", "publish", "svc") }), "permission"],
      [new RequestError("connection closed", { cause: new ClosedConnectionError() }), "closed"],
      [new Error("something else"), "other"],
    ];
    for (const [err, reason] of cases) {
      assert.equal(requestErrorReason(err), reason, err.message);
      const d = localBundle();
      let got: RequestEvent | undefined;
      d.RequestError.subscribe((ev) => (got = ev));
      const ev = new RequestEventImpl(d, conn, "svc", "r", undefined, 0, true, "single", 1000, false);
      ev.start();
      ev.fail(err);
      ev.end();
      assert.equal(got, ev);
      assert.equal(got!.error, err);
      assert.equal(got!.reason, reason);
    }
  });

  it("a delivery reads subject and size from the message only when asked", () => {
    const m = fakeMsg("orders.1", new Uint8Array(12), 3) as Msg & { reads(): { subjectReads: number; dataReads: number } };
    const ev = new DeliveryEventImpl(conn, sub, m, false);
    assert.deepEqual(m.reads(), { subjectReads: 0, dataReads: 0 });
    assert.equal(ev.subject, "orders.1");
    assert.equal(ev.size, 12);
    assert.equal(ev.sid, 3);
    assert.equal(ev.connection, conn);
    const drop = new DropEventImpl(conn, sub, m, 10, 1000, 4);
    assert.deepEqual([drop.subject, drop.size, drop.pending, drop.pendingBytes, drop.dropped], ["orders.1", 12, 10, 1000, 4]);
  });
});

describe("traceCallback", () => {
  const keys = ["CallbackStart", "CallbackEnd", "CallbackAsyncStart", "CallbackAsyncEnd", "CallbackError"] as const;

  function setup() {
    const d = localBundle();
    const log: string[] = [];
    for (const k of keys) {
      (d[k] as DiagnosticsChannel<DeliveryEvent>).subscribe((ev) =>
        log.push(`${k}${ev.async ? "(async)" : ""}${ev.error ? `(error:${(ev.error as Error).message})` : ""}`)
      );
    }
    const reported: unknown[] = [];
    const ev = new DeliveryEventImpl(conn, sub, fakeMsg("s", new Uint8Array(0)), false);
    return { d, log, reported, ev, report: { reportCallbackError: (e: unknown) => void reported.push(e) } };
  }

  it("a callback that returns: start, end, with its result; the bound store is active inside", () => {
    const { d, log, reported, ev, report } = setup();
    const als = new AsyncLocalStorage<string>();
    d.CallbackStart.bindStore(als, (e) => `span-for-${e.subject}`);
    let inside: string | undefined;
    traceCallback(d, ev, (err, m) => {
      assert.equal(err, null);
      assert.equal(m, ev.msg);
      inside = als.getStore();
      return 42 as unknown as void;
    }, report);
    assert.equal(inside, "span-for-s");
    assert.deepEqual(log, ["CallbackStart", "CallbackEnd"]);
    assert.equal(ev.result, 42);
    assert.deepEqual(reported, []);
  });

  it("a callback that throws: start, error, end; the error is reported after its events", () => {
    const { d, log, reported, ev, report } = setup();
    const boom = new Error("handler bug");
    d.CallbackEnd.subscribe(() => assert.equal(reported.length, 0, "reported after end"));
    traceCallback(d, ev, () => {
      throw boom;
    }, report);
    assert.deepEqual(log, ["CallbackStart", "CallbackError(error:handler bug)", "CallbackEnd(error:handler bug)"]);
    assert.deepEqual(reported, [boom]);
  });

  it("an async callback: end says async; asyncStart and asyncEnd follow when it settles", async () => {
    const { d, log, reported, ev, report } = setup();
    let resolve!: (v: string) => void;
    const p = new Promise<string>((r) => (resolve = r));
    traceCallback(d, ev, () => p as unknown as void, report);
    assert.deepEqual(log, ["CallbackStart", "CallbackEnd(async)"]);
    resolve("done");
    await p;
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(log, ["CallbackStart", "CallbackEnd(async)", "CallbackAsyncStart(async)", "CallbackAsyncEnd(async)"]);
    assert.equal(ev.result, "done");
    assert.deepEqual(reported, []);
  });

  it("an async callback that rejects: error, asyncStart, asyncEnd, then the report", async () => {
    const { d, log, reported, ev, report } = setup();
    const boom = new Error("async bug");
    traceCallback(d, ev, (async () => {
      await null;
      throw boom;
    }) as unknown as () => void, report);
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(log, [
      "CallbackStart",
      "CallbackEnd(async)",
      "CallbackError(async)(error:async bug)",
      "CallbackAsyncStart(async)(error:async bug)",
      "CallbackAsyncEnd(async)(error:async bug)",
    ]);
    assert.deepEqual(reported, [boom]);
  });
});

describe("the process-wide table", () => {
  it("holds one channel per name of the contract, by key and by name", () => {
    const d = diagnostics();
    assert.equal(diagnostics(), d, "one object");
    assert.deepEqual(Object.keys(d).sort(), Object.keys(DiagnosticsChannels).sort());
    for (const [k, name] of Object.entries(DiagnosticsChannels)) {
      const ch = d[k as keyof Diagnostics];
      assert.equal(ch.name, name);
      assert.equal(diagnosticsChannel(name), ch);
    }
    assert.equal(d.PublishStart.hasSubscribers, false, "nobody listens by default");
  });

  it("names the tracing channels as node:diagnostics_channel's tracingChannel() does", () => {
    const pub = dc.tracingChannel(DiagnosticsTracingChannels.Publish);
    assert.equal(pub.start.name, DiagnosticsChannels.PublishStart);
    assert.equal(pub.end.name, DiagnosticsChannels.PublishEnd);
    assert.equal(pub.error.name, DiagnosticsChannels.PublishError);
    const cb = dc.tracingChannel(DiagnosticsTracingChannels.Callback);
    assert.deepEqual(
      [cb.start.name, cb.end.name, cb.asyncStart.name, cb.asyncEnd.name, cb.error.name],
      [
        DiagnosticsChannels.CallbackStart,
        DiagnosticsChannels.CallbackEnd,
        DiagnosticsChannels.CallbackAsyncStart,
        DiagnosticsChannels.CallbackAsyncEnd,
        DiagnosticsChannels.CallbackError,
      ],
    );
  });

  it("lives on globalThis under Symbol.for, shared by another copy of the module", async () => {
    const desc = Object.getOwnPropertyDescriptor(globalThis, REGISTRY);
    assert.ok(desc, "on globalThis");
    assert.equal(desc.enumerable, false);
    assert.equal(desc.writable, false);
    // a second copy of the module, as the CommonJS build next to the ESM one would be
    const url = new URL("../src/diagnostics/registry.ts?second-copy", import.meta.url).href;
    const copy = (await import(url)) as typeof import("../src/diagnostics/registry.js");
    assert.notEqual(copy.diagnostics, diagnostics, "a distinct module instance");
    const got: unknown[] = [];
    const listener = (m: unknown) => got.push(m);
    copy.diagnosticsChannel(DiagnosticsChannels.Close).subscribe(listener);
    assert.equal(diagnostics().Close.hasSubscribers, true);
    diagnostics().Close.publish({ connection: conn, error: undefined });
    assert.deepEqual(got, [{ connection: conn, error: undefined }]);
    assert.equal(copy.diagnostics(), diagnostics(), "one table");
    diagnostics().Close.unsubscribe(listener);
  });

  it("is exported by the core's entry: names, diagnosticsChannel and useDiagnosticsChannel", () => {
    assert.equal(mod.DiagnosticsChannels, DiagnosticsChannels);
    assert.equal(mod.diagnosticsChannel, diagnosticsChannel);
    assert.equal(mod.useDiagnosticsChannel, useDiagnosticsChannel);
  });

  it("useDiagnosticsChannel refuses what is not a diagnostics_channel module", () => {
    // a TypeError, as Node's own; with the library's code, and an InvalidArgumentError
    const wrongType = (e: unknown) => e instanceof TypeError && e instanceof InvalidArgumentError && (e as { code?: string }).code === ErrorCode.InvalidArgument;
    assert.throws(() => useDiagnosticsChannel({} as DiagnosticsChannelProvider), wrongType);
    assert.throws(() => useDiagnosticsChannel(null as unknown as DiagnosticsChannelProvider), wrongType);
    assert.throws(() => diagnosticsChannel(7 as unknown as string), wrongType);
    assert.throws(() => diagnosticsChannel("quicknats:test:wrong-listener").subscribe("x" as never), wrongType);
  });

  // from here on Node's module is plugged in, for the rest of this process
  it("plugging node:diagnostics_channel in moves subscribers and stores; kept references forward", () => {
    const before = diagnostics();
    const local = before.RequestStart;
    assert.ok(local instanceof LocalChannel, "a LocalChannel before plugging in");
    const got: string[] = [];
    const early = (ev: RequestEvent) => got.push(`early:${ev.subject}`);
    local.subscribe(early);
    const als = new AsyncLocalStorage<string>();
    local.bindStore(als, () => "bound-early");
    const custom = diagnosticsChannel(freshName());
    const customGot: unknown[] = [];
    custom.subscribe((m) => customGot.push(m));
    // an APM agent loaded before quicknats subscribes by name: Node keeps that channel
    const agentGot: string[] = [];
    const earlyAgent = (m: unknown) => agentGot.push((m as RequestEvent).subject);
    dc.subscribe(DiagnosticsChannels.RequestStart, earlyAgent);

    useDiagnosticsChannel(nodeDc);

    const after = diagnostics();
    assert.equal(after, before, "the same table object");
    assert.equal(after.RequestStart, dc.channel(DiagnosticsChannels.RequestStart), "Node's channel now");
    assert.equal(diagnosticsChannel(custom.name as string), dc.channel(custom.name), "every channel made before too");
    for (const [k, name] of Object.entries(DiagnosticsChannels)) {
      assert.equal(after[k as keyof Diagnostics], dc.channel(name), k);
    }
    // an APM agent subscribing through node:diagnostics_channel sees what the core publishes
    const apm: string[] = [];
    const agent = (m: unknown) => apm.push((m as RequestEvent).subject);
    dc.subscribe(DiagnosticsChannels.RequestStart, agent);
    let inside: string | undefined;
    after.RequestStart.runStores({ subject: "svc.a" } as RequestEvent, () => (inside = als.getStore()));
    assert.deepEqual(got, ["early:svc.a"], "the early subscriber moved");
    assert.deepEqual(agentGot, ["svc.a"], "the agent that came before quicknats");
    dc.unsubscribe(DiagnosticsChannels.RequestStart, earlyAgent);
    assert.deepEqual(apm, ["svc.a"]);
    assert.equal(inside, "bound-early", "the early store moved");
    // the LocalChannel someone kept forwards everything
    local.publish({ subject: "svc.b" } as RequestEvent);
    assert.deepEqual(apm, ["svc.a", "svc.b"]);
    assert.equal(local.hasSubscribers, true);
    assert.equal(local.unsubscribe(early), true);
    assert.equal(local.unbindStore(als), true);
    dc.unsubscribe(DiagnosticsChannels.RequestStart, agent);
    assert.equal(local.hasSubscribers, false);
    assert.equal(after.RequestStart.hasSubscribers, false);
    diagnosticsChannel(custom.name as string).publish("x");
    assert.deepEqual(customGot, ["x"]);
  });

  it("plugging in again (any copy, any build) changes nothing", async () => {
    const d = diagnostics();
    const ch = d.Message;
    useDiagnosticsChannel(nodeDc);
    const url = new URL("../src/diagnostics/registry.ts?third-copy", import.meta.url).href;
    const copy = (await import(url)) as typeof import("../src/diagnostics/registry.js");
    copy.useDiagnosticsChannel(nodeDc);
    assert.equal(diagnostics().Message, ch);
    assert.equal(copy.diagnostics(), d);
    const name = freshName();
    assert.equal(diagnosticsChannel(name), dc.channel(name), "channels made afterwards are Node's");
  });
});
