// The diagnostics channels against a real nats-server: connect() publishes
// them on node:diagnostics_channel (for the ESM and the CommonJS build
// alike), and every event of the contract (README "Diagnostics channels")
// fires with its documented fields, in order, including under reconnect.
//
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as dc from "node:diagnostics_channel";
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire } from "node:module";
import {
  connect,
  type DeliveryEvent,
  DiagnosticsChannels,
  diagnosticsChannel,
  headers,
  type NatsConnection,
  type PublishEvent,
  type RequestEvent,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { freePort } from "../helpers/ports.js";
import { eventually, rejection, within } from "../helpers/wait.js";

const require = createRequire(import.meta.url);

type Key = keyof typeof DiagnosticsChannels;

/** What an event looked like when it fired (the objects change as their operation goes on). */
interface Entry {
  key: Key;
  ev: any;
  snap: Record<string, unknown>;
}

const FIELDS = [
  "server", "error", "reconnecting", "subject", "reply", "size", "result", "sid", "queue", "requestReply",
  "async", "kind", "timeout", "noMux", "elapsed", "responses", "reason", "pending", "pendingBytes", "dropped",
];

/** Records every event of the contract (through node:diagnostics_channel, as an APM agent would) whose connection passes `keep`. */
class EventLog {
  readonly entries: Entry[] = [];
  readonly #subs: [string, (m: unknown) => void][] = [];

  constructor(keep: (connection: unknown) => boolean) {
    for (const [key, name] of Object.entries(DiagnosticsChannels) as [Key, string][]) {
      const fn = (m: unknown) => {
        const ev = m as Record<string, unknown>;
        if (!keep(ev.connection)) return;
        const snap: Record<string, unknown> = {};
        for (const f of FIELDS) if (f in ev) snap[f] = ev[f];
        this.entries.push({ key, ev, snap });
      };
      dc.subscribe(name, fn);
      this.#subs.push([name, fn]);
    }
  }

  keys(filter?: (k: Key) => boolean): Key[] {
    return this.entries.map((e) => e.key).filter((k) => filter === undefined || filter(k));
  }

  of(key: Key): Entry[] {
    return this.entries.filter((e) => e.key === key);
  }

  close(): void {
    for (const [name, fn] of this.#subs) dc.unsubscribe(name, fn);
  }
}

let srv: NatsServer;

before(async () => {
  srv = await NatsServer.start({ max_payload: 1024 });
});

after(async () => {
  await srv.stop();
});

async function withConnection<T>(fn: (nc: NatsConnection, log: EventLog) => Promise<T>, opts = {}): Promise<T> {
  let nc: NatsConnection | undefined;
  const log = new EventLog((c) => nc === undefined || c === nc);
  try {
    nc = await connect({ port: srv.port, ...opts });
    return await fn(nc, log);
  } finally {
    log.close();
    await nc?.close();
  }
}

describe("node:diagnostics_channel", () => {
  it("connect() publishes the channels on Node's module, for the ESM and the CommonJS build", async () => {
    const nc = await connect({ port: srv.port });
    try {
      const cjs = require("@quicknats/node") as typeof import("@quicknats/node");
      assert.notEqual(cjs.diagnosticsChannel, diagnosticsChannel, "two copies of the core");
      for (const name of Object.values(DiagnosticsChannels)) {
        assert.equal(diagnosticsChannel(name), dc.channel(name), name);
        assert.equal(cjs.diagnosticsChannel(name), dc.channel(name), `${name} (CommonJS)`);
      }
      // an agent subscribed by name sees what either copy publishes
      const got: unknown[] = [];
      const fn = (m: unknown) => got.push(m);
      dc.subscribe(DiagnosticsChannels.Drop, fn);
      cjs.diagnosticsChannel(DiagnosticsChannels.Drop).publish({ connection: nc } as never);
      dc.unsubscribe(DiagnosticsChannels.Drop, fn);
      assert.deepEqual(got, [{ connection: nc }]);
    } finally {
      await nc.close();
    }
  });
});

describe("the events", () => {
  it("connect fires once, with the server and its INFO, before connect() resolves", async () => {
    await withConnection(async (nc, log) => {
      const [c] = log.of("Connect");
      assert.equal(log.of("Connect").length, 1);
      assert.equal(c.ev.connection, nc);
      assert.equal(c.snap.server, nc.getServer());
      assert.equal(c.ev.info.server_id, nc.info!.server_id);
    });
  });

  it("publish: start then end, with subject, reply, body size in bytes, headers and the result", async () => {
    await withConnection(async (nc, log) => {
      const h = headers();
      h.set("X-Id", "1");
      nc.publish("diag.pub", "héllo", { reply: "diag.reply", headers: h });
      assert.deepEqual(log.keys((k) => k.startsWith("Publish")), ["PublishStart", "PublishEnd"]);
      const [start, end] = log.entries.filter((e) => e.key.startsWith("Publish"));
      assert.equal(start.ev, end.ev, "one object for the operation");
      assert.deepEqual(
        { subject: start.snap.subject, reply: start.snap.reply, size: start.snap.size },
        { subject: "diag.pub", reply: "diag.reply", size: 6 },
      );
      assert.equal((start.ev as PublishEvent).headers!.get("X-Id"), "1");
      assert.equal(end.snap.result, true);
      assert.equal(end.snap.error, undefined);
    });
  });

  it("setHeader at publish start reaches the subscriber next to the user's headers; the user's set is untouched", async () => {
    await withConnection(async (nc) => {
      const add = (ev: PublishEvent) => {
        if (ev.connection === nc) ev.setHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      };
      dc.subscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
      try {
        const got: { with?: string[]; plain?: string[] } = {};
        const sub = nc.subscribe("diag.hdr.*", { max: 2 });
        await nc.flush();
        const h = headers();
        h.set("X-User", "kept");
        nc.publish("diag.hdr.a", "x", { headers: h });
        nc.publish("diag.hdr.b", "y");
        await within((async () => {
          for await (const m of sub) {
            if (m.subject.endsWith("a")) got.with = m.headers!.keys();
            else got.plain = m.headers?.keys();
          }
        })(), 3000, "both messages");
        assert.deepEqual(got.with!.sort(), ["X-User", "traceparent"]);
        assert.deepEqual(got.plain, ["traceparent"], "a publish without headers gained them");
        assert.deepEqual(h.keys(), ["X-User"]);
      } finally {
        dc.unsubscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
      }
    });
  });

  it("a publish refused after start (headers added past max_payload): error then end, and publish() throws", async () => {
    await withConnection(async (nc, log) => {
      const add = (ev: PublishEvent) => {
        if (ev.connection === nc) ev.setHeader("x-pad", "p".repeat(100));
      };
      dc.subscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
      try {
        assert.throws(() => nc.publish("diag.big", new Uint8Array(1000)), /max_payload/);
      } finally {
        dc.unsubscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
      }
      assert.deepEqual(log.keys((k) => k.startsWith("Publish")), ["PublishStart", "PublishError", "PublishEnd"]);
      assert.match(String((log.of("PublishError")[0].snap.error as Error).message), /max_payload/);
    });
  });

  it("a callback delivery: message, then callback start and end around it, the bound store active inside", async () => {
    await withConnection(async (nc, log) => {
      const als = new AsyncLocalStorage<string>();
      const start = dc.channel(DiagnosticsChannels.CallbackStart);
      start.bindStore(als, (ev) => `ctx:${(ev as DeliveryEvent).subject}`);
      try {
        let inside: string | undefined;
        const done = new Promise<void>((resolve) => {
          nc.subscribe("diag.cb", {
            queue: "q1",
            max: 1,
            callback: () => {
              inside = als.getStore();
              resolve();
            },
          });
        });
        await nc.flush();
        nc.publish("diag.cb", "1234");
        await within(done, 2000, "callback");
        assert.equal(inside, "ctx:diag.cb");
      } finally {
        start.unbindStore(als);
      }
      const keys = log.keys((k) => k === "Message" || k.startsWith("Callback"));
      assert.deepEqual(keys, ["Message", "CallbackStart", "CallbackEnd"]);
      const m = log.of("Message")[0];
      assert.deepEqual(
        { subject: m.snap.subject, size: m.snap.size, queue: m.snap.queue, requestReply: m.snap.requestReply },
        { subject: "diag.cb", size: 4, queue: "q1", requestReply: false },
      );
      assert.equal(m.snap.sid, m.ev.subscription.getID());
      assert.equal(log.of("CallbackStart")[0].ev, m.ev, "the same object");
    });
  });

  it("an async callback: end says async; asyncStart and asyncEnd when it settles; a throw publishes error", async () => {
    await withConnection(async (nc, log) => {
      let finish!: () => void;
      const gate = new Promise<void>((r) => (finish = r));
      nc.subscribe("diag.async", { max: 1, callback: async () => await gate });
      nc.subscribe("diag.throw", { max: 1, callback: () => { throw new Error("handler bug"); } });
      await nc.flush();
      nc.publish("diag.async");
      nc.publish("diag.throw");
      await eventually(() => log.of("CallbackEnd").length === 2, 2000, "two callback ends");
      finish();
      await eventually(() => log.of("CallbackAsyncEnd").length === 1, 2000, "asyncEnd");
      const cb = log.entries.filter((e) => e.key.startsWith("Callback")).map((e) => `${e.key}:${e.snap.subject}`);
      assert.deepEqual(cb, [
        "CallbackStart:diag.async",
        "CallbackEnd:diag.async",
        "CallbackStart:diag.throw",
        "CallbackError:diag.throw",
        "CallbackEnd:diag.throw",
        "CallbackAsyncStart:diag.async",
        "CallbackAsyncEnd:diag.async",
      ]);
      assert.equal(log.of("CallbackEnd")[0].snap.async, true);
    });
  });

  it("an iterator subscription: message events, no callback events; drops over the pending limit", async () => {
    await withConnection(async (nc, log) => {
      const sub = nc.subscribe("diag.slow", { pendingMsgsLimit: 2 });
      await nc.flush();
      for (let i = 0; i < 5; i++) nc.publish("diag.slow", "x");
      await nc.flush();
      await eventually(() => log.of("Drop").length === 3, 2000, "three drops");
      assert.equal(log.of("Message").length, 5);
      assert.deepEqual(log.keys((k) => k.startsWith("Callback")), []);
      assert.deepEqual(log.of("Drop").map((e) => [e.snap.pending, e.snap.pendingBytes, e.snap.dropped]), [[2, 2, 1], [2, 2, 2], [2, 2, 3]]);
      assert.equal(log.of("Drop")[0].ev.subscription, sub);
      assert.equal(log.of("Drop")[0].snap.size, 1);
      sub.unsubscribe();
    });
  });

  it("a request: start (headers settable), the reply on the inbox, response then end with elapsed time", async () => {
    await withConnection(async (nc, log) => {
      const seen: string[] = [];
      nc.subscribe("diag.svc", { callback: (_e, m) => { seen.push(m.headers?.get("x-req") ?? ""); m.respond("ok"); } });
      await nc.flush();
      const add = (ev: RequestEvent) => {
        if (ev.connection === nc) ev.setHeader("x-req", "set-at-start");
      };
      dc.subscribe(DiagnosticsChannels.RequestStart, add as (m: unknown) => void);
      try {
        const r = await nc.request("diag.svc", "q", { timeout: 2000 });
        assert.equal(r.string(), "ok");
      } finally {
        dc.unsubscribe(DiagnosticsChannels.RequestStart, add as (m: unknown) => void);
      }
      assert.deepEqual(seen, ["set-at-start"]);
      const req = log.entries.filter((e) => e.key.startsWith("Request"));
      assert.deepEqual(req.map((e) => e.key), ["RequestStart", "RequestResponse", "RequestEnd"]);
      assert.deepEqual(
        { kind: req[0].snap.kind, timeout: req[0].snap.timeout, noMux: req[0].snap.noMux, elapsed: req[0].snap.elapsed },
        { kind: "single", timeout: 2000, noMux: false, elapsed: 0 },
      );
      assert.ok((req[2].snap.elapsed as number) > 0, `elapsed ${req[2].snap.elapsed}`);
      const pub = log.of("PublishStart").find((e) => e.snap.subject === "diag.svc")!;
      assert.equal(pub.ev.request, req[0].ev, "the request's publish points at it");
      const reply = log.of("Message").find((e) => e.snap.requestReply === true);
      assert.ok(reply, "the reply arrives on the inbox, flagged");
    });
  });

  it("request failures: no responders and timeout, with their reasons and elapsed time", async () => {
    await withConnection(async (nc, log) => {
      await rejection(nc.request("diag.nobody", "", { timeout: 2000 }));
      nc.subscribe("diag.silent", { callback: () => {} });
      await nc.flush();
      await rejection(nc.request("diag.silent", "", { timeout: 100 }));
      const errs = log.of("RequestError");
      assert.deepEqual(errs.map((e) => e.snap.reason), ["noResponders", "timeout"]);
      assert.ok((errs[1].snap.elapsed as number) >= 90, `elapsed ${errs[1].snap.elapsed}`);
      assert.deepEqual(log.of("RequestEnd"), []);
    });
  });

  it("requestMany and noMux requests: the same events", async () => {
    await withConnection(async (nc, log) => {
      nc.subscribe("diag.many", { callback: (_e, m) => m.respond("a") });
      nc.subscribe("diag.many", { callback: (_e, m) => m.respond("b") });
      await nc.flush();
      const it = await nc.requestMany("diag.many", "", { strategy: "count", maxMessages: 2, maxWait: 2000 });
      for await (const _m of it) { /* drain */ }
      await nc.request("diag.many", "", { noMux: true, timeout: 2000 });
      const req = log.entries.filter((e) => e.key.startsWith("Request"));
      assert.deepEqual(req.map((e) => `${e.key}:${e.snap.kind}:${e.snap.noMux}`), [
        "RequestStart:many:false",
        "RequestResponse:many:false",
        "RequestResponse:many:false",
        "RequestEnd:many:false",
        "RequestStart:single:true",
        "RequestResponse:single:true",
        "RequestEnd:single:true",
      ]);
    });
  });

  it("a server restart: disconnect (server, why), failed attempts, reconnect (the new INFO), in order; publishes while down fire; the subscription's messages flow again; close last", async () => {
    const log = new EventLog(() => true);
    let nc: NatsConnection | undefined;
    try {
      nc = await connect({ port: srv.port, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
      const mine = (e: Entry) => e.ev.connection === nc;
      const before = nc.info!.server_id;
      const got: string[] = [];
      nc.subscribe("diag.restart", { callback: (_e, m) => got.push(m.string()) });
      await nc.flush();
      await srv.kill();
      try {
        await eventually(() => log.entries.some((e) => mine(e) && e.key === "Disconnect"), 3000, "disconnect");
        nc.publish("diag.restart", "while down");
        await eventually(() => log.entries.some((e) => mine(e) && e.key === "ConnectError"), 3000, "a failed attempt");
      } finally {
        // the next tests need it, whatever happened here
        await srv.restart();
      }
      await eventually(() => log.entries.some((e) => mine(e) && e.key === "Reconnect"), 5000, "reconnect");
      nc.publish("diag.restart", "after");
      await eventually(() => got.length === 2, 3000, "both messages on the old subscription");
      assert.deepEqual(got, ["while down", "after"]);
      await nc.close();

      const life = log.entries.filter((e) => mine(e) && e.key.startsWith("Connect") || mine(e) && ["Disconnect", "Reconnect", "Close"].includes(e.key));
      const keys = life.map((e) => e.key).filter((k, i, a) => !(k === "ConnectError" && a[i - 1] === "ConnectError"));
      assert.deepEqual(keys, ["Connect", "Disconnect", "ConnectError", "Reconnect", "Close"], "the lifecycle in order (repeated attempts folded)");
      const d = life.find((e) => e.key === "Disconnect")!;
      assert.equal(d.snap.server, `127.0.0.1:${srv.port}`);
      assert.ok(d.snap.error instanceof Error, "why it was lost");
      for (const e of life.filter((x) => x.key === "ConnectError")) {
        assert.equal(e.snap.reconnecting, true);
        assert.equal(e.snap.server, `127.0.0.1:${srv.port}`);
        assert.ok(e.snap.error instanceof Error, "why the attempt failed");
      }
      const r = life.find((e) => e.key === "Reconnect")!;
      assert.equal(r.snap.server, `127.0.0.1:${srv.port}`);
      assert.notEqual(r.ev.info.server_id, before, "the restarted server's INFO");
      assert.equal(life.at(-1)!.snap.error, undefined, "a requested close");
      // the publish made while down: start and end (queued for the next connection; its result,
      // publish()'s, is false: while disconnected it says to await ready())
      const down = log.entries.filter((e) => mine(e) && e.key.startsWith("Publish") && e.snap.subject === "diag.restart");
      assert.deepEqual(down.map((e) => `${e.key}:${e.snap.result}`), ["PublishStart:undefined", "PublishEnd:false", "PublishStart:undefined", "PublishEnd:true"]);
      // what the subscription received: a message event each, before and after the restart
      const msgs = log.entries.filter((e) => mine(e) && e.key === "Message").map((e) => e.ev.msg.string());
      assert.deepEqual(msgs, ["while down", "after"]);
      // nothing of that connection after close
      assert.equal(log.entries.filter(mine).at(-1)!.key, "Close");
    } finally {
      log.close();
      await nc?.close();
    }
  });

  it("setHeader on a publish made while reconnecting (the last server took headers): the header arrives after the reconnect", async () => {
    const own = await NatsServer.start();
    let nc: NatsConnection | undefined;
    const add = (ev: PublishEvent) => {
      if (ev.connection === nc) ev.setHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    };
    dc.subscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
    try {
      nc = await connect({ port: own.port, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
      const conn = nc;
      const got: (string | undefined)[] = [];
      conn.subscribe("diag.down.hdr", { callback: (_e, m) => got.push(m.headers?.get("traceparent")) });
      await conn.flush();
      await own.kill();
      // a dial began and cleared the INFO
      await eventually(() => conn.info === undefined, 3000, "a dial while the server is down");
      conn.publish("diag.down.hdr", "while down");
      await own.restart();
      await eventually(() => got.length === 1, 5000, "the message published while down");
      assert.deepEqual(got, ["00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"]);
    } finally {
      dc.unsubscribe(DiagnosticsChannels.PublishStart, add as (m: unknown) => void);
      await nc?.close();
      await own.stop();
    }
  });

  it("reconnect disabled: disconnect, then close with the error closed() gives", async () => {
    const own = await NatsServer.start();
    const log = new EventLog(() => true);
    try {
      const nc = await connect({ port: own.port, reconnect: false });
      await own.kill();
      const err = await within(nc.closed(), 5000, "closed()");
      const keys = log.entries.filter((e) => e.ev.connection === nc).map((e) => e.key);
      assert.deepEqual(keys, ["Connect", "Disconnect", "Close"]);
      const close = log.of("Close").find((e) => e.ev.connection === nc)!;
      assert.ok(close.snap.error instanceof Error, `close error ${String(close.snap.error)}`);
      assert.equal(close.snap.error, err);
    } finally {
      log.close();
      await own.stop();
    }
  });

  it("a first connect that fails: a connectError per server tried (not reconnecting), no connect event", async () => {
    const ports = [await freePort(), await freePort()];
    const log = new EventLog(() => true);
    try {
      await rejection(connect({ servers: ports.map((p) => `127.0.0.1:${p}`), noRandomize: true }));
      const errs = log.of("ConnectError").filter((e) => ports.some((p) => e.snap.server === `127.0.0.1:${p}`));
      assert.deepEqual(errs.map((e) => [e.snap.server, e.snap.reconnecting]), ports.map((p) => [`127.0.0.1:${p}`, false]));
      for (const e of errs) assert.ok(e.snap.error instanceof Error, "why");
      assert.equal(errs[0].ev.connection, errs[1].ev.connection, "one connection object, never returned");
      assert.deepEqual(log.entries.filter((e) => e.ev.connection === errs[0].ev.connection).map((e) => e.key), ["ConnectError", "ConnectError"]);
    } finally {
      log.close();
    }
  });

  it("a request across two connections: every event of both sides, in order", async () => {
    const a = await connect({ port: srv.port });
    const b = await connect({ port: srv.port });
    const log = new EventLog((c) => c === a || c === b);
    try {
      b.subscribe("diag.pair", { callback: (_e, m) => m.respond("pong") });
      await b.flush();
      log.entries.length = 0;
      assert.equal((await a.request("diag.pair", "ping", { timeout: 2000 })).string(), "pong");
      await b.flush();
      const seq = log.entries.map((e) => `${e.ev.connection === a ? "A" : "B"}:${e.key}`);
      assert.deepEqual(seq, [
        "A:RequestStart",
        "A:PublishStart",
        "A:PublishEnd",
        "B:Message",
        "B:CallbackStart",
        "B:PublishStart",
        "B:PublishEnd",
        "B:CallbackEnd",
        "A:Message",
        "A:RequestResponse",
        "A:RequestEnd",
      ]);
      const [start, pub, , bMsg, , bPub] = log.entries;
      assert.equal(pub.ev.request, start.ev);
      assert.equal(pub.snap.reply, start.snap.reply);
      assert.match(String(start.snap.reply), /^_INBOX\./);
      assert.deepEqual({ subject: bMsg.snap.subject, size: bMsg.snap.size, requestReply: bMsg.snap.requestReply }, { subject: "diag.pair", size: 4, requestReply: false });
      assert.deepEqual({ subject: bPub.snap.subject, reply: bPub.snap.reply, size: bPub.snap.size }, { subject: start.snap.reply, reply: undefined, size: 4 });
      assert.equal(bPub.ev.request, undefined, "a respond() is a plain publish");
      const reply = log.entries[8];
      assert.equal(reply.snap.requestReply, true);
      assert.equal(log.entries[9].ev.response, reply.ev.msg);
      assert.equal(log.entries[10].snap.responses, 1);
    } finally {
      log.close();
      await a.close();
      await b.close();
    }
  });

  it("request errors sorted: a noMux timeout, a refused publish (permission), a close while waiting (closed)", async () => {
    const own = await NatsServer.start({
      authorization: { users: [{ user: "u", password: "p", permissions: { publish: { deny: ["diag.secret.>"] } } }] },
    });
    const log = new EventLog(() => true);
    try {
      const nc = await connect({ port: own.port, user: "u", pass: "p" });
      nc.subscribe("diag.quiet", { callback: () => {} });
      await nc.flush();
      await rejection(nc.request("diag.quiet", "", { timeout: 100, noMux: true }));
      await rejection(nc.request("diag.secret.x", "", { timeout: 5000 }));
      const pending = nc.request("diag.quiet", "", { timeout: 10_000 });
      await nc.flush();
      await nc.close();
      await rejection(pending);
      const errs = log.of("RequestError").filter((e) => e.ev.connection === nc);
      assert.deepEqual(errs.map((e) => [e.snap.subject, e.snap.noMux, e.snap.reason]), [
        ["diag.quiet", true, "timeout"],
        ["diag.secret.x", false, "permission"],
        ["diag.quiet", false, "closed"],
      ]);
      for (const e of errs) assert.ok(e.snap.error instanceof Error, "the error the caller got");
      assert.deepEqual(log.of("RequestEnd").filter((e) => e.ev.connection === nc), []);
    } finally {
      log.close();
      await own.stop();
    }
  });

  it("a connection of the CommonJS build publishes on the same channels", async () => {
    const cjs = require("@quicknats/node") as typeof import("@quicknats/node");
    const log = new EventLog(() => true);
    try {
      const nc = await cjs.connect({ port: srv.port });
      nc.publish("diag.cjs", "x");
      await nc.close();
      assert.deepEqual(log.entries.filter((e) => e.ev.connection === nc).map((e) => e.key), ["Connect", "PublishStart", "PublishEnd", "Close"]);
    } finally {
      log.close();
    }
  });

  it("close: one event with closed()'s value; nothing after it", async () => {
    const log = new EventLog(() => true);
    try {
      const nc = await connect({ port: srv.port });
      await nc.close();
      const closes = log.entries.filter((e) => e.ev.connection === nc && e.key === "Close");
      assert.equal(closes.length, 1);
      assert.equal(closes[0].snap.error, undefined);
      assert.equal(log.entries.at(-1)!.key, "Close");
    } finally {
      log.close();
    }
  });

  it("each event carries its own connection", async () => {
    const a = await connect({ port: srv.port });
    const b = await connect({ port: srv.port });
    const log = new EventLog(() => true);
    try {
      a.publish("diag.a");
      b.publish("diag.b");
      const pubs = log.of("PublishStart").map((e) => [e.ev.connection === a ? "a" : e.ev.connection === b ? "b" : "?", e.snap.subject]);
      assert.deepEqual(pubs, [["a", "diag.a"], ["b", "diag.b"]]);
    } finally {
      log.close();
      await a.close();
      await b.close();
    }
  });
});
