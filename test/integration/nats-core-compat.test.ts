// What libraries built on @nats-io/nats-core use of a connection beyond the
// public NatsConnection interface, checked on quicknats alone against a real
// server (test/interop/ runs the libraries themselves, side by side with the
// official transport): headers made by another implementation, nc.features,
// getServerVersion(), close listeners, _resub(), nc.options, msg.publisher,
// and a status() iterator the library stops.
import { createRequire } from "node:module";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { headers as officialHeaders } from "@nats-io/nats-core";
import { connect, headers, InvalidArgumentError, type Msg, type NatsConnection, type Subscription } from "@quicknats/node";
import { Feature, type NatsConnectionImpl } from "@quicknats/core/internal";
import type * as OfficialTypes from "@nats-io/transport-node";
import type * as OurTypes from "@quicknats/node";
import type { NatsServer } from "../helpers/nats-server.js";
import { serverWithConnections } from "../helpers/connections.js";
import { RogueServer } from "../helpers/rogue-server.js";
import { eventually, within } from "../helpers/wait.js";

/** The connection with its nats-core-compatible members visible. */
type Compat = NatsConnectionImpl;

/**
 * What @nats-io/transport-node exports (nats-core's internal entry included)
 * that @quicknats/node does not: the official engine's own parts, which have
 * no counterpart here (README, Differences).
 */
const ENGINE_PARTS = [
  "Connect", "DenoBuffer", "Heartbeat", "Kind", "MAX_SIZE", "MuxSubscription", "Parser", "ProtocolHandler",
  "RequestOne", "Servers", "State", "Subscriptions", "checkOptions", "checkUnsupportedOption", "defaultOptions",
  "describe", "getResolveFn", "parseOptions", "readAll", "setTransportFactory", "writeAll",
];

describe("@quicknats/node exports what @nats-io/transport-node does", () => {
  it("every name but the official engine's own parts, in ESM and CommonJS", async () => {
    const require = createRequire(import.meta.url);
    const theirs = Object.keys(require("@nats-io/transport-node") as object);
    const esm = new Set(Object.keys(await import("@quicknats/node")));
    const cjs = new Set(Object.keys(require("@quicknats/node") as object));
    const skip = new Set(ENGINE_PARTS);
    assert.deepEqual(theirs.filter((n) => !skip.has(n) && !esm.has(n)), [], "missing from the ESM build");
    assert.deepEqual(theirs.filter((n) => !skip.has(n) && !cjs.has(n)), [], "missing from the CommonJS build");
    assert.deepEqual(ENGINE_PARTS.filter((n) => !theirs.includes(n)), [], "no longer exported by the official package");
    // @quicknats/deno gives the same names (its module loads in Node: Deno's APIs are used only when dialing)
    const deno = new Set(Object.keys(await import("@quicknats/deno")));
    assert.deepEqual(theirs.filter((n) => !skip.has(n) && !deno.has(n)), [], "missing from @quicknats/deno");
  });
});

// The type names programs import from @nats-io/transport-node: npm run
// typecheck:tests fails if one is missing here, or its shape differs
// (each is assigned both ways).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typeNames: Record<string, true> = {
  CallbackFn: true satisfies Same<OfficialTypes.CallbackFn, OurTypes.CallbackFn>,
  CallbackOptionalErrorFn: true satisfies Same<OfficialTypes.CallbackOptionalErrorFn, OurTypes.CallbackOptionalErrorFn>,
  Dispatcher: true satisfies Same<OfficialTypes.Dispatcher<number>, OurTypes.Dispatcher<number>>,
  Prettify: true satisfies Same<OfficialTypes.Prettify<{ a: 1 }>, OurTypes.Prettify<{ a: 1 }>>,
  Result: true satisfies Same<OfficialTypes.Result<string>, OurTypes.Result<string>>,
  ValueResult: true satisfies Same<OfficialTypes.ValueResult<string>, OurTypes.ValueResult<string>>,
  ErrorResult: true satisfies Same<OfficialTypes.ErrorResult, OurTypes.ErrorResult>,
  ConnectionClosedListener: true satisfies Same<OfficialTypes.ConnectionClosedListener, OurTypes.ConnectionClosedListener>,
  Request: true satisfies Same<keyof OfficialTypes.Request, keyof OurTypes.Request>,
};

describe("default imports", () => {
  it("of @quicknats/core and @quicknats/node give the module, as the CommonJS official packages do", async () => {
    const core = await import("@quicknats/core");
    const node = await import("@quicknats/node");
    assert.equal(core.default.headers, core.headers);
    assert.equal(core.default.wsconnect, core.wsconnect);
    assert.equal(node.default.connect, node.connect);
  });
});

describe("type names of @nats-io/transport-node", () => {
  it("are exported with the same shapes (checked by the compiler)", () => {
    assert.equal(Object.keys(typeNames).length, 9);
    const listener: OurTypes.ConnectionClosedListener = { connectionClosedCallback: () => {} };
    const adds = (c: NatsConnectionImpl) => c.addCloseListener(listener);
    assert.equal(typeof adds, "function");
  });
});

describe("nats-core compatibility", () => {
  let srv: NatsServer;
  let nc: NatsConnection;
  let other: NatsConnection;
  serverWithConnections({}, 2, (s, conns) => void ([srv, nc, other] = [s, ...conns]));

  /** The next message on `subject`, as `other` receives it after `publish()` runs. */
  async function receive(subject: string, publish: () => void): Promise<Msg> {
    const sub = other.subscribe(subject, { max: 1 });
    await other.flush();
    publish();
    await nc.flush();
    const got: Msg[] = [];
    await within((async () => {
      for await (const m of sub) got.push(m);
    })(), 3000, `a message on ${subject}`);
    return got[0];
  }

  describe("headers made by @nats-io/nats-core's headers()", () => {
    it("are published with their keys, values and status", async () => {
      const h = officialHeaders();
      h.set("X-One", "1");
      h.append("X-Multi", "a");
      h.append("X-Multi", "b");
      const m = await receive("compat.hdr", () => nc.publish("compat.hdr", "data", { headers: h }));
      assert.equal(m.string(), "data");
      assert.deepEqual(m.headers?.keys(), ["X-One", "X-Multi"]);
      assert.deepEqual(m.headers?.values("X-Multi"), ["a", "b"]);
      const s = officialHeaders(409, "Conflict");
      const r = await receive("compat.status", () => nc.publish("compat.status", "", { headers: s }));
      assert.equal(r.headers?.code, 409);
      assert.equal(r.headers?.description, "Conflict");
    });

    it("an empty set sends no header block, as the official client does, whoever made it", async () => {
      const m = await receive("compat.empty", () => nc.publish("compat.empty", "x", { headers: officialHeaders() }));
      assert.equal(m.headers, undefined);
      const ours = await receive("compat.ours", () => nc.publish("compat.ours", "x", { headers: headers() }));
      assert.equal(ours.headers, undefined);
      // a status alone is a header block
      const status = await receive("compat.busy", () => nc.publish("compat.busy", "x", { headers: headers(503, "Busy") }));
      assert.equal(status.headers?.code, 503);
    });

    it("are validated like ours: CR/LF and control characters never reach the wire", async () => {
      // the official fromRecord() stores keys and values unchecked
      const { MsgHdrsImpl: OfficialHdrs } = await import("@nats-io/nats-core/internal");
      const bad = [
        OfficialHdrs.fromRecord({ "X-Bad": ["v\r\nPUB injected 1\r\n"] }),
        OfficialHdrs.fromRecord({ "X\r\nPUB injected 1": ["v"] }),
        OfficialHdrs.fromRecord({ "X-Nul": ["a\u0000b"] }),
        OfficialHdrs.fromRecord({ "Bad Key": ["v"] }),
      ];
      const before = (await srv.connz({ cid: nc.info!.client_id })).connections[0].in_msgs as number;
      for (const h of bad) {
        assert.throws(() => nc.publish("compat.bad", "x", { headers: h }), InvalidArgumentError);
      }
      // a description with CR/LF, and an object that only looks like headers
      const desc = officialHeaders(503, "ok");
      (desc as unknown as { _description: string })._description = "x\r\nPUB injected 1\r\n";
      assert.throws(() => nc.publish("compat.bad", "x", { headers: desc }), InvalidArgumentError);
      const lookalike = { code: 0, keys: () => ["X\r\nY"], values: () => ["v"] };
      assert.throws(() => nc.publish("compat.bad", "x", { headers: lookalike as never }), InvalidArgumentError);
      assert.throws(() => nc.publish("compat.bad", "x", { headers: { code: 0 } as never }), InvalidArgumentError);
      await nc.flush();
      const afterIn = (await srv.connz({ cid: nc.info!.client_id })).connections[0].in_msgs as number;
      assert.equal(afterIn, before, "nothing was published");
      assert.equal(nc.isClosed(), false);
    });
  });

  it("nc.features and getServerVersion() follow the server's version", () => {
    const c = nc as Compat;
    const v = c.getServerVersion();
    assert.ok(v);
    assert.equal(`${v.major}.${v.minor}.${v.micro}`, nc.info!.version.match(/^\d+\.\d+\.\d+/)![0]);
    const f = c.features;
    assert.equal(f.require("2.0.0"), true);
    assert.equal(f.require("99.0.0"), false);
    assert.deepEqual(f.get(Feature.JS_KV), { ok: f.require("2.6.2"), min: "2.6.2" });
    assert.deepEqual(f.get(Feature.JS_PRIORITY_GROUPS), { ok: f.require("2.11.0"), min: "2.11.0" });
    assert.equal(f.supports(Feature.JS_NEW_CONSUMER_CREATE_API), f.require("2.9.0"));
    assert.deepEqual(f.get("no_such_feature"), { ok: false, min: "unknown" });
    f.disable(Feature.JS_KV);
    assert.equal(f.isDisabled(Feature.JS_KV), true);
    assert.equal(f.get(Feature.JS_KV).ok, false);
    f.resetDisabled();
    assert.equal(f.get(Feature.JS_KV).ok, f.require("2.6.2"));
    assert.equal(c.features, f, "the same object every time");
  });

  it("a server version that is not x.y.z: no features, no version, nothing throws", async () => {
    const rogue = await RogueServer.start({ info: { version: "not-a-version" } });
    try {
      const c = (await connect({ servers: rogue.url, reconnect: false })) as Compat;
      try {
        assert.equal(c.getServerVersion(), undefined);
        assert.equal(c.features.get(Feature.JS_KV).ok, false);
        assert.equal(c.features.require("0.0.1"), false);
      } finally {
        await c.close();
      }
    } finally {
      await rogue.stop();
    }
  });

  it("nc.options carries the inbox prefix the libraries build inboxes from; none given is undefined, as 3.4 (jetstream's watcherPrefix)", async () => {
    const c = await connect({ port: srv.port, inboxPrefix: "my.inbox" });
    const d = await connect({ port: srv.port });
    try {
      assert.equal((c as Compat).options.inboxPrefix, "my.inbox");
      assert.equal((d as Compat).options.inboxPrefix, undefined);
      // requests still use the default prefix
      d.subscribe("compat.inbox", { callback: (_e, m) => void m.respond(m.reply) });
      assert.match((await d.request("compat.inbox", "", { timeout: 2000 })).string(), /^_INBOX\./);
    } finally {
      await Promise.all([c.close(), d.close()]);
    }
  });

  it("close listeners: called once on close; removed ones and late ones behave", async () => {
    const c = (await connect({ port: srv.port })) as Compat;
    const calls: Array<[string, unknown]> = [];
    const a = { connectionClosedCallback: (err?: Error) => void calls.push(["a", err]) };
    const b = { connectionClosedCallback: (err?: Error) => void calls.push(["b", err]) };
    const thrower = {
      connectionClosedCallback: () => {
        throw new Error("ignored");
      },
    };
    c.addCloseListener(thrower);
    c.addCloseListener(a);
    c.addCloseListener(b);
    c.removeCloseListener(b);
    // one added twice is gone after one remove, as in the official client
    c.addCloseListener(b);
    c.addCloseListener(b);
    c.removeCloseListener(b);
    await c.close();
    assert.deepEqual(calls, [["a", undefined]]);
    const late = { connectionClosedCallback: (err?: Error) => void calls.push(["late", err]) };
    c.addCloseListener(late);
    await eventually(() => calls.length === 2, 1000, "the late listener");
    assert.deepEqual(calls, [["a", undefined], ["late", undefined]]);
  });

  it("_resub() moves a subscription to another subject under a new sid", async () => {
    const c = nc as Compat;
    const got: string[] = [];
    const sub = nc.subscribe("resub.old", { callback: (_e, m) => void got.push(m.subject) });
    const oldSid = sub.getID();
    await nc.flush();
    c._resub(sub, "resub.new.*");
    await nc.flush();
    assert.notEqual(sub.getID(), oldSid);
    assert.equal(sub.getSubject(), "resub.new.*");
    other.publish("resub.old", "x");
    other.publish("resub.new.a", "y");
    await other.flush();
    await eventually(() => got.length === 1, 3000, "the message on the new subject");
    await nc.flush();
    assert.deepEqual(got, ["resub.new.a"]);
    const subs = (await srv.connz({ cid: nc.info!.client_id, subs: true })).connections[0].subscriptions_list as string[];
    assert.ok(subs.includes("resub.new.*") && !subs.includes("resub.old"), `server subscriptions: ${subs}`);
    // with max: ends after that many more messages
    c._resub(sub, "resub.max", 2);
    await nc.flush();
    for (let i = 0; i < 3; i++) other.publish("resub.max", String(i));
    await other.flush();
    await eventually(() => sub.isClosed(), 3000, "the subscription ends after 2 more");
    assert.deepEqual(got, ["resub.new.a", "resub.max", "resub.max"]);
    assert.throws(() => c._resub(nc.subscribe("x"), "bad subject"), (err: Error) => err.name === "InvalidSubjectError");
  });

  it("msg.publisher lets nats-core code publish and make a request on the connection's inbox", async () => {
    // what JsMsg.ackAck() does with it, with a stand-in for nats-core's RequestOne
    const svc = other.subscribe("compat.ack", { callback: (_e, m) => void m.respond(`ack:${m.string()}`) });
    await other.flush();
    const got: Msg[] = [];
    const sub = nc.subscribe("compat.own", { max: 1, callback: (_e, msg) => void got.push(msg) });
    await nc.flush();
    other.publish("compat.own", "hello");
    await eventually(() => got.length === 1, 3000, "a message for the connection");
    const proto = (got[0] as unknown as { publisher: any }).publisher;
    assert.ok(sub.isClosed());
    const settled: Array<[Error | null, string]> = [];
    const r = {
      token: "",
      requestSubject: "compat.ack",
      resolver(err: Error | null, msg: Msg) {
        settled.push([err, err ? "" : msg.string()]);
      },
      cancel() {
        proto.muxSubscriptions.cancel(r);
      },
    };
    proto.request(r);
    assert.match(r.token, /^[0-9a-z]+$/);
    proto.publish("compat.ack", "ACK", { reply: `${proto.muxSubscriptions.baseInbox}${r.token}` });
    await eventually(() => settled.length === 1, 3000, "the reply");
    assert.deepEqual(settled, [[null, "ack:ACK"]]);
    // nobody listening: the official mux's no-responders error
    const r2 = { ...r, requestSubject: "compat.nobody", token: "" };
    r2.resolver = (err: Error | null) => void settled.push([err, ""]);
    proto.request(r2);
    proto.publish("compat.nobody", "ACK", { reply: `${proto.muxSubscriptions.baseInbox}${r2.token}` });
    await eventually(() => settled.length === 2, 3000, "the no-responders reply");
    assert.equal(settled[1][0]?.name, "NoResponders");
    assert.equal(proto.options, (nc as Compat).options, "the connection's options");
    svc.unsubscribe();
  });

  it("a status() iterator that is stopped stops receiving and is let go", async () => {
    const c = (await connect({ port: srv.port })) as Compat;
    try {
      const iter = c.status() as AsyncIterable<unknown> & { stop(): void };
      const listeners = (c as unknown as { listeners: Set<unknown> }).listeners;
      assert.equal(listeners.size, 1);
      iter.stop();
      assert.equal(listeners.size, 0, "the stopped iterator left the listener set");
      const seen: unknown[] = [];
      await within((async () => {
        for await (const s of iter) seen.push(s);
      })(), 1000, "the stopped iterator ends");
      assert.deepEqual(seen, []);
    } finally {
      await c.close();
    }
  });

  it("a status() iterator stopped with events nobody read is let go too", async () => {
    const c = (await connect({ port: srv.port, reconnectTimeWait: 50 })) as Compat;
    try {
      const iter = c.status() as AsyncIterable<unknown> & { stop(): void };
      const listeners = (c as unknown as { listeners: Set<unknown> }).listeners;
      await c.reconnect();
      await eventually(() => (iter as unknown as { getPending(): number }).getPending() > 0, 3000, "events waiting unread");
      iter.stop();
      assert.equal(listeners.size, 0, "the stopped iterator left the listener set");
    } finally {
      await c.close();
    }
  });

  it("a quicknats Subscription is what _resub() takes; another object is refused", () => {
    const c = nc as Compat;
    assert.throws(() => c._resub({} as Subscription, "a.b"), InvalidArgumentError);
  });
});
