// Closing and draining a connection: what settles, what is refused afterwards,
// what still reaches the server, and how a lost server closes the client.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  connect,
  DrainingConnectionError,
  InvalidOperationError,
  type Msg,
  type NatsConnection,
  RequestError,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, sleep, within } from "../helpers/wait.js";

// Every scenario below must settle its promises: nothing may surface as an
// unhandled rejection. Checked by the last test of the file.
const unhandled: unknown[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason);
});

/** An assert.rejects validator for an error of class `cls` (brand-based instanceof). */
function isA(cls: abstract new (...args: never[]) => Error, name: string, re?: RegExp) {
  return (err: Error): boolean => {
    assert.ok(err instanceof cls, `expected ${name}, got ${err?.name}: ${err?.message}`);
    if (re) assert.match(err.message, re);
    return true;
  };
}

describe("close()", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv.stop());

  it("closed() is one promise that resolves undefined after close(); close() is idempotent", async () => {
    const nc = await connect({ port: srv.port });
    const closed = nc.closed();
    assert.equal(nc.closed(), closed, "the same promise each time");
    let settled = false;
    closed.then(() => (settled = true), () => (settled = true));
    await nc.flush();
    assert.equal(settled, false, "closed() pends while the connection is open");
    assert.equal(nc.isClosed(), false);

    const c1 = nc.close();
    const c2 = nc.close();
    await within(Promise.all([c1, c2]), 3000, "close()");
    assert.equal(nc.isClosed(), true);
    assert.equal(await within(closed, 1000, "closed()"), undefined);
    assert.equal(nc.closed(), closed, "still the same promise after close");
    await within(nc.close(), 1000, "close() again");
    assert.equal(await nc.closed(), undefined);
    assert.equal(nc.info, undefined, "info is gone once closed");
    await eventually(async () => (await srv.connz()).num_connections === 0, 2000, "server sees the close");
  });

  it("after close, publish/subscribe throw and request/flush/rtt/drain reject with ClosedConnectionError", async () => {
    const nc = await connect({ port: srv.port });
    await nc.close();

    assert.throws(() => nc.publish("a", "x"), isA(ClosedConnectionError, "ClosedConnectionError"));
    assert.throws(() => nc.subscribe("a"), isA(ClosedConnectionError, "ClosedConnectionError"));

    let req: Promise<Msg> | undefined;
    assert.doesNotThrow(() => {
      req = nc.request("a", "x", { timeout: 1000 });
    }, "request() reports through its promise, never synchronously");
    await assert.rejects(within(req!, 1000, "request"), isA(ClosedConnectionError, "ClosedConnectionError"));

    let flush: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      flush = nc.flush();
    });
    await assert.rejects(within(flush!, 1000, "flush"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await assert.rejects(within(nc.rtt(), 1000, "rtt"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await assert.rejects(within(nc.drain(), 1000, "drain"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await assert.rejects(
      within(nc.requestMany("a", "x", { maxWait: 200 }), 1000, "requestMany"),
      isA(ClosedConnectionError, "ClosedConnectionError"),
    );
    assert.equal(await nc.closed(), undefined);
  });

  it("subscriptions end with the connection: iterators finish, closed resolves undefined", async () => {
    const nc = await connect({ port: srv.port });
    const iterSub = nc.subscribe("close.subs.iter");
    let cbCalls = 0;
    const cbSub = nc.subscribe("close.subs.cb", { callback: () => void cbCalls++ });
    const loop = (async () => {
      let n = 0;
      for await (const _m of iterSub) n++;
      return n;
    })();
    await nc.flush();
    await nc.close();
    assert.equal(await within(loop, 1000, "iterator end"), 0);
    assert.equal(await within(iterSub.closed, 1000, "iterator sub closed"), undefined);
    assert.equal(await within(cbSub.closed, 1000, "callback sub closed"), undefined);
    assert.equal(iterSub.isClosed(), true);
    assert.equal(cbSub.isClosed(), true);
    assert.equal(cbCalls, 0);
  });

  it("messages published right before close() reach a subscriber on another connection; isClosed() is true from the call on, and nothing new is taken", async () => {
    const N = 2000;
    const receiver = await connect({ port: srv.port });
    try {
      let count = 0;
      let bytes = 0;
      receiver.subscribe("close.flush", {
        callback: (_e, m) => {
          count++;
          bytes += m.data.length;
        },
      });
      await receiver.flush();

      const nc = await connect({ port: srv.port });
      const payload = new Uint8Array(512).fill(7);
      for (let i = 0; i < N; i++) nc.publish("close.flush", payload);
      const closing = nc.close();
      // closed from the call on, as 3.4: state shown to a UI, and no new work
      assert.equal(nc.isClosed(), true, "isClosed() while close() sends what waits");
      assert.throws(() => nc.subscribe("close.late"), ClosedConnectionError);
      assert.throws(() => nc.publish("close.late", "x"), ClosedConnectionError);
      await within(closing, 5000, "close()");
      assert.equal(await nc.closed(), undefined);

      await eventually(() => count === N, 5000, `all ${N} messages delivered (got ${count})`);
      assert.equal(bytes, N * 512);
    } finally {
      await receiver.close();
    }
  });

  it("requests in flight reject promptly when the connection is closed", async () => {
    const responder = await connect({ port: srv.port });
    let seen = 0;
    responder.subscribe("close.silent", { callback: () => void seen++ }); // never answers
    await responder.flush();
    const nc = await connect({ port: srv.port });
    try {
      const mux = nc.request("close.silent", "a", { timeout: 10_000 });
      const noMux = nc.request("close.silent", "b", { timeout: 10_000, noMux: true });
      await nc.flush();
      await eventually(() => seen === 2, 2000, "both requests reached the responder");
      const t0 = Date.now();
      await nc.close();
      await assert.rejects(within(mux, 1000, "mux request"), isA(RequestError, "RequestError", /connection closed/));
      await assert.rejects(within(noMux, 1000, "noMux request"), isA(RequestError, "RequestError", /connection closed/));
      assert.ok(Date.now() - t0 < 1500, "rejected by the close, not by the 10 s timeout");
    } finally {
      await responder.close();
    }
  });
});

describe("pending operations when the server stops answering or dies", () => {
  it("paused server: close() rejects the pending flush, rtt and request", async (t) => {
    const srv = await NatsServer.start();
    t.after(() => srv.stop());
    const nc = await connect({ port: srv.port });
    await srv.pause();
    t.after(() => {
      if (srv.running) srv.resume();
    });

    const flush = nc.flush();
    const rtt = nc.rtt();
    const req = nc.request("paused.req", "x", { timeout: 10_000 });
    // nobody awaits this one (3.4's never settles): it must not become an unhandled rejection
    void nc.flush();
    const settled = [flush, rtt, req].map((p) => p.then(() => "resolved", () => "rejected"));
    // deliberate: time for the PINGs and the request to be written, so they are pending on the server
    await sleep(100);

    await within(nc.close(), 3000, "close() with a paused server");
    await assert.rejects(within(flush, 1000, "flush"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await assert.rejects(within(rtt, 1000, "rtt"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await assert.rejects(within(req, 1000, "request"), isA(RequestError, "RequestError", /connection closed/));
    assert.deepEqual(await Promise.all(settled), ["rejected", "rejected", "rejected"]);
    assert.equal(await within(nc.closed(), 1000, "closed()"), undefined);
    srv.resume();
  });

  it("killed server: pending flush, rtt and requests reject; closed() resolves a ConnectionError after disconnect, close", async (t) => {
    const srv = await NatsServer.start();
    t.after(() => srv.stop());
    const nc = await connect({ reconnect: false, port: srv.port });
    const status = new StatusLog(nc);
    const responder = await connect({ reconnect: false, port: srv.port });
    responder.subscribe("killed.silent", { callback: () => {} });
    await responder.flush();

    const req = nc.request("killed.silent", "x", { timeout: 10_000 });
    const sub = nc.subscribe("killed.sub");
    const loop = (async () => {
      for await (const _m of sub) {
        // nothing is published on it
      }
      return "ended";
    })();
    await nc.flush();
    await srv.pause(); // so the PINGs below stay unanswered until the kill
    const flush = nc.flush();
    const rtt = nc.rtt();
    // handlers attached now: the rejections come in the same tick as closed()
    const flushErr = flush.then(() => undefined, (e: Error) => e);
    const rttErr = rtt.then(() => undefined, (e: Error) => e);
    const reqErr = req.then(() => undefined, (e: Error) => e);
    await srv.kill();

    const reason = await within(nc.closed(), 3000, "closed() after kill");
    assert.ok(reason instanceof ConnectionError, `closed() value: ${String(reason)}`);
    assert.equal((reason as Error).name, "ConnectionError");
    assert.ok((await within(flushErr, 1000, "flush")) instanceof Error, "flush() rejected");
    assert.ok((await within(rttErr, 1000, "rtt")) instanceof Error, "rtt() rejected");
    isA(RequestError, "RequestError")((await within(reqErr, 1000, "request"))!);
    assert.equal(await within(sub.closed, 1000, "sub closed"), undefined);
    assert.equal(await within(loop, 1000, "iterator loop"), "ended", "the iterator ends without throwing");
    assert.equal(nc.isClosed(), true);

    await within(status.done, 1000, "status iterator ends");
    const types = status.events.map((s) => s.type);
    assert.deepEqual(types.slice(-2), ["disconnect", "close"], `statuses: ${types.join(",")}`);
    const disc = status.events.at(-2) as { type: "disconnect"; server: string };
    assert.equal(disc.server, srv.hostport);
    assert.throws(() => nc.publish("x"), isA(ClosedConnectionError, "ClosedConnectionError"));
    await within(responder.closed(), 3000, "responder closed()");
  });

  it("a server -ERR that ends the connection becomes the closed() value", async (t) => {
    // Reloading the server with a different token makes it drop the client with
    // -ERR 'Authorization Violation'.
    const srv = await NatsServer.start({ authorization: { token: "old-token-4711" } });
    t.after(() => srv.stop());
    const nc = await connect({ reconnect: false, port: srv.port, token: "old-token-4711" });
    const status = new StatusLog(nc);
    await nc.flush();

    const conf = readFileSync(srv.configFile, "utf8");
    assert.ok(conf.includes("old-token-4711"));
    writeFileSync(srv.configFile, conf.replace("old-token-4711", "new-token-0815"));
    process.kill(srv.pid, "SIGHUP");

    const reason = await within(nc.closed(), 5000, "closed() after the reload");
    assert.ok(reason instanceof AuthorizationError, `closed() value: ${String(reason)}`);
    assert.match((reason as Error).message, /authorization violation/i);
    await within(status.done, 1000, "status iterator ends");
    const errors = status.events.filter((s) => s.type === "error");
    assert.equal(errors.length, 1, `statuses: ${status.events.map((s) => s.type).join(",")}`);
    assert.ok((errors[0] as { error: Error }).error instanceof AuthorizationError);
    assert.equal(status.events.at(-1)?.type, "close");
  });
});

describe("drain()", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv.stop());

  it("delivers every in-flight message to iterator and callback subscriptions, then closes", async () => {
    const N = 500;
    const other = await connect({ port: srv.port });
    const nc = await connect({ port: srv.port });
    try {
      let cbCount = 0;
      const cbSub = nc.subscribe("drain.cb", { callback: () => void cbCount++ });
      const iterSub = nc.subscribe("drain.iter");
      let iterCount = 0;
      const loop = (async () => {
        for await (const _m of iterSub) {
          iterCount++;
          if (iterCount % 50 === 0) await sleep(1); // a consumer slower than the socket
        }
      })();
      await nc.flush();

      // half from another connection (already at the server), half from this
      // one (still in its outbound buffer when drain() starts)
      for (let i = 0; i < N; i++) {
        other.publish("drain.cb", String(i));
        other.publish("drain.iter", String(i));
      }
      await other.flush();
      for (let i = 0; i < N; i++) {
        nc.publish("drain.cb", String(i));
        nc.publish("drain.iter", String(i));
      }
      const drained = nc.drain();
      assert.equal(nc.isDraining(), true);
      await within(drained, 5000, "drain()");

      assert.equal(cbCount, 2 * N, "callback subscription got everything");
      await within(loop, 1000, "iterator loop ends");
      assert.equal(iterCount, 2 * N, "iterator subscription got everything");
      assert.equal(nc.isClosed(), true);
      assert.equal(nc.isDraining(), false);
      assert.equal(await within(nc.closed(), 1000, "closed()"), undefined);
      assert.equal(await cbSub.closed, undefined);
      assert.equal(await iterSub.closed, undefined);
    } finally {
      await other.close();
      await nc.close();
    }
  });

  it("drain() twice rejects with DrainingConnectionError; the first still completes", async () => {
    const nc = await connect({ port: srv.port });
    nc.subscribe("drain.twice", { callback: () => {} });
    const first = nc.drain();
    await assert.rejects(within(nc.drain(), 1000, "second drain"), isA(DrainingConnectionError, "DrainingConnectionError"));
    await within(first, 3000, "first drain");
    assert.equal(await nc.closed(), undefined);
    await assert.rejects(within(nc.drain(), 1000, "drain after close"), isA(ClosedConnectionError, "ClosedConnectionError"));
  });

  it("subscribe and request during drain fail with DrainingConnectionError; publish still goes out", async () => {
    const receiver = await connect({ port: srv.port });
    const got: string[] = [];
    receiver.subscribe("drain.pub", { callback: (_e, m) => void got.push(m.string()) });
    await receiver.flush();
    const nc = await connect({ port: srv.port });
    nc.subscribe("drain.busy", { callback: () => {} });
    const drained = nc.drain();
    assert.doesNotThrow(() => nc.publish("drain.pub", "during drain"));
    assert.throws(() => nc.subscribe("drain.more"), isA(DrainingConnectionError, "DrainingConnectionError"));
    let req: Promise<Msg> | undefined;
    assert.doesNotThrow(() => {
      req = nc.request("drain.req", "x", { timeout: 1000 });
    }, "request() reports through its promise");
    await assert.rejects(within(req!, 1000, "request"), isA(DrainingConnectionError, "DrainingConnectionError"));
    await assert.rejects(
      within(nc.requestMany("drain.req", "x", { maxWait: 200 }), 1000, "requestMany"),
      isA(DrainingConnectionError, "DrainingConnectionError"),
    );
    await within(drained, 3000, "drain()");
    assert.equal(await nc.closed(), undefined);
    await eventually(() => got.length === 1, 2000, "the publish made during drain is delivered");
    assert.deepEqual(got, ["during drain"]);
    await receiver.close();
  });

  it("close() during drain settles both; drain when the server dies settles too", async (t) => {
    const nc = await connect({ reconnect: false, port: srv.port });
    nc.subscribe("drain.close", { callback: () => {} });
    const drained = nc.drain().then(() => "resolved", (e: Error) => e.name);
    await within(nc.close(), 3000, "close() during drain");
    await within(drained, 2000, "drain() after close()");
    assert.equal(await nc.closed(), undefined);

    const dying = await NatsServer.start();
    t.after(() => dying.stop());
    const nc2 = await connect({ reconnect: false, port: dying.port });
    nc2.subscribe("drain.dying", { callback: () => {} });
    await nc2.flush();
    await dying.pause(); // the drain's round trip cannot complete
    const drained2 = nc2.drain().then(() => "resolved", (e: Error) => e.name);
    // deliberate: time for the drain's UNSUB and PING to be written before the server dies
    await sleep(50);
    await dying.kill();
    await within(drained2, 2000, "drain() after the server died");
    const reason = await within(nc2.closed(), 2000, "closed()");
    assert.ok(reason instanceof ConnectionError, `closed() value: ${String(reason)}`);
  });

  it("a request in flight settles when drain closes the connection, not at its timeout", async () => {
    const responder = await connect({ port: srv.port });
    responder.subscribe("drain.svc", {
      callback: (_e, m) => {
        setTimeout(() => {
          if (!responder.isClosed()) m.respond(`re:${m.string()}`);
        }, 50);
      },
    });
    await responder.flush();
    const nc = await connect({ port: srv.port });
    try {
      const req = nc.request("drain.svc", "q", { timeout: 10_000 });
      await nc.flush();
      const drained = nc.drain();
      // the reply may arrive before or after the drain's round trip; the
      // request must settle either way and never outlive the connection
      const outcome = await within(req.then((m) => m.string(), (e: Error) => e), 2000, "request");
      await within(drained, 2000, "drain()");
      if (typeof outcome === "string") assert.equal(outcome, "re:q");
      else assert.ok(outcome instanceof RequestError, `request failed with ${outcome.name}: ${outcome.message}`);
      assert.equal(await nc.closed(), undefined);
    } finally {
      await responder.close();
    }
  });

  it("await using drains the connection at the end of the block", async () => {
    let count = 0;
    let ref: NatsConnection | undefined;
    {
      await using nc = await connect({ port: srv.port });
      ref = nc;
      nc.subscribe("dispose.x", { callback: () => void count++ });
      for (let i = 0; i < 100; i++) nc.publish("dispose.x", String(i));
    }
    assert.ok(ref);
    assert.equal(ref.isClosed(), true);
    assert.equal(count, 100, "drained: every published message was delivered first");
    assert.equal(await within(ref.closed(), 1000, "closed()"), undefined);
    // disposing again is a no-op
    await within(ref[Symbol.asyncDispose](), 1000, "second dispose");
  });

  it("subscription drain() resolves once the server confirmed; the loop still gets every message; the connection stays open", async () => {
    const N = 200;
    const nc = await connect({ port: srv.port });
    const other = await connect({ port: srv.port });
    try {
      const sub = nc.subscribe("subdrain.x");
      let witness = 0;
      nc.subscribe("subdrain.x", { callback: () => void witness++ });
      await nc.flush();
      for (let i = 0; i < N; i++) other.publish("subdrain.x", String(i));
      await other.flush();

      const seen: string[] = [];
      const loop = (async () => {
        for await (const m of sub) {
          seen.push(m.string());
          if (seen.length % 20 === 0) await sleep(1);
        }
      })();
      const d = sub.drain();
      assert.equal(sub.isDraining(), true);
      await within(sub.drain(), 3000, "drain() again while draining");
      await within(d, 3000, "sub.drain()");
      assert.equal(sub.isClosed(), true);
      await within(loop, 3000, "iterator loop ends");
      assert.deepEqual(seen, Array.from({ length: N }, (_, i) => String(i)), "the loop got every message sent before the drain");
      assert.equal(await within(sub.closed, 1000, "sub.closed"), undefined);

      assert.equal(nc.isClosed(), false, "draining a subscription leaves the connection open");
      other.publish("subdrain.x", "late");
      await other.flush();
      await eventually(() => witness === N + 1, 2000, "the witness gets the late message");
      await nc.flush();
      assert.equal(seen.length, N, "the drained subscription got nothing more");
      assert.equal(sub.getReceived(), N);
      const connz = await srv.connz({ subs: true });
      const mine = connz.connections.find((c: { cid: number }) => c.cid === nc.info?.client_id);
      assert.equal(mine.subscriptions_list.length, 1, "only the witness subscription is left at the server");
    } finally {
      await Promise.all([nc.close(), other.close()]);
    }
  });
});

describe("subscription drain() on a closed subscription", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start();
  });
  after(() => srv.stop());

  // as in nats.js (SubscriptionImpl.drain checks isClosed() before anything else)
  it("rejects with InvalidOperationError after unsubscribe()", async () => {
    const nc = await connect({ port: srv.port });
    try {
      const sub = nc.subscribe("closedsub.unsub");
      sub.unsubscribe();
      await assert.rejects(
        within(sub.drain(), 1000, "drain"),
        isA(InvalidOperationError, "InvalidOperationError", /subscription is already closed/),
      );
    } finally {
      await nc.close();
    }
  });

  it("rejects with InvalidOperationError after a completed drain()", async () => {
    const nc = await connect({ port: srv.port });
    try {
      const sub = nc.subscribe("closedsub.drained", { callback: () => {} });
      await within(sub.drain(), 2000, "first drain");
      assert.equal(sub.isClosed(), true);
      await assert.rejects(
        within(sub.drain(), 1000, "second drain"),
        isA(InvalidOperationError, "InvalidOperationError", /subscription is already closed/),
      );
    } finally {
      await nc.close();
    }
  });

  it("rejects with ClosedConnectionError once the connection is closed", async () => {
    const nc = await connect({ port: srv.port });
    const sub = nc.subscribe("closedsub.conn");
    await nc.close();
    await assert.rejects(within(sub.drain(), 1000, "drain"), isA(ClosedConnectionError, "ClosedConnectionError"));
  });
});

describe("drain in the programs people write", () => {
  let srv: NatsServer;
  let other: NatsConnection;
  before(async () => {
    srv = await NatsServer.start();
    other = await connect({ port: srv.port });
  });
  after(async () => {
    await other.close();
    await srv.stop();
  });

  /** `subjects` published by `other`, all received by `nc` (its iterators hold them) when this resolves. */
  async function sendAll(nc: NatsConnection, subjects: string[]): Promise<void> {
    await nc.flush(); // its SUBs are in place
    for (const s of subjects) other.publish(s, s);
    await other.flush();
    await nc.flush();
  }

  for (const which of ["nc.drain()", "sub.drain()"] as const) {
    it(`a loop that awaits ${which} on a "stop" message ends, with every message it was sent`, async (t) => {
      const nc = await connect({ port: srv.port });
      t.after(() => nc.close());
      const sub = nc.subscribe("ctl.*");
      await sendAll(nc, ["ctl.a", "ctl.stop", "ctl.b"]);
      const handled: string[] = [];
      const loop = (async () => {
        for await (const m of sub) {
          handled.push(m.subject);
          if (m.subject === "ctl.stop") await (which === "nc.drain()" ? nc.drain() : sub.drain());
        }
        return "ended";
      })();
      assert.equal(await within(loop, 3000, `the loop awaiting ${which}`), "ended");
      assert.deepEqual(handled, ["ctl.a", "ctl.stop", "ctl.b"]);
      assert.equal(await within(sub.closed, 1000, "sub.closed"), undefined);
      assert.equal(nc.isClosed(), which === "nc.drain()");
    });
  }

  it("drain() does not wait for an iterator nobody reads; a late reader still gets what it holds", async (t) => {
    const nc = await connect({ port: srv.port });
    t.after(() => nc.close());
    const sub = nc.subscribe("unread.x");
    await sendAll(nc, ["unread.x", "unread.x"]);
    await within(nc.drain(), 3000, "drain() with an unread iterator");
    assert.equal(nc.isClosed(), true);
    const got: string[] = [];
    await within((async () => {
      for await (const m of sub) got.push(m.string());
    })(), 1000, "the late reader");
    assert.deepEqual(got, ["unread.x", "unread.x"]);
    assert.equal(await within(sub.closed, 1000, "sub.closed"), undefined);
  });

  it("a loop working through what drain let through replies while draining; once closed, respond() is false and throws nothing", async (t) => {
    const nc = await connect({ port: srv.port });
    t.after(() => nc.close());
    const sub = nc.subscribe("svc.drain");
    await nc.flush();
    const replies = [1, 2, 3].map((i) => other.request("svc.drain", String(i), { timeout: 1000 }).then((m) => m.string(), (e: Error) => e.name));
    await other.flush();
    await nc.flush(); // all three requests are in sub's iterator
    const drained = nc.drain();
    const sent: boolean[] = [];
    const loop = (async () => {
      for await (const m of sub) {
        if (m.string() === "2") await drained; // the rest are handled after the close
        sent.push(m.respond(`re:${m.string()}`));
      }
    })();
    await within(drained, 3000, "drain()");
    await within(loop, 1000, "the loop");
    assert.deepEqual(sent, [true, false, false]);
    assert.deepEqual(await within(Promise.all(replies), 3000, "the requests"), ["re:1", "TimeoutError", "TimeoutError"]);
  });

  it("drain() rejects with the reason when no server came back: what waited to be sent is lost", async (t) => {
    const dying = await NatsServer.start();
    t.after(() => dying.stop());
    const nc = await connect({ port: dying.port, maxReconnectAttempts: 2, reconnectTimeWait: 50 });
    t.after(() => nc.close());
    const status = new StatusLog(nc);
    await dying.kill();
    await status.waitFor("disconnect", 3000);
    nc.publish("lost.x", "buffered while disconnected");
    const err = await within(nc.drain().then(() => undefined, (e: Error) => e), 5000, "drain()");
    assert.ok(err instanceof ConnectionError, `drain() rejected with ${String(err)}`);
    assert.equal(await nc.closed(), err, "the same reason as closed()");
  });

  it("rtt() while disconnected rejects at once, as 3.4 does; after the reconnect it measures again", async (t) => {
    const restarting = await NatsServer.start();
    t.after(() => restarting.stop());
    const nc = await connect({ port: restarting.port, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    t.after(() => nc.close());
    const status = new StatusLog(nc);
    await restarting.kill();
    await status.waitFor("disconnect", 3000);
    await assert.rejects(within(nc.rtt(), 1000, "rtt() while disconnected"), isA(RequestError, "RequestError", /disconnected/));
    await restarting.restart();
    await status.waitFor("reconnect", 5000);
    assert.ok((await within(nc.rtt(), 2000, "rtt() after the reconnect")) >= 0);
  });
});

describe("no stray promises", () => {
  it("no unhandled rejection in any scenario of this file", async () => {
    await sleep(100); // let late rejections be reported
    assert.deepEqual(unhandled.map((r) => String(r)), []);
  });
});
