// request(), requestMany(), no responders, timeouts: against a real nats-server.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ClosedConnectionError,
  createInbox,
  ErrorCode,
  headers,
  InvalidArgumentError,
  type Msg,
  type NatsConnection,
  NoRespondersError,
  RequestError,
  type RequestOptions,
  TimeoutError,
} from "@quicknats/node";
import type { NatsConnectionImpl } from "@quicknats/core/internal";
import { NatsServer } from "../helpers/nats-server.js";
import { connectForFile } from "../helpers/connections.js";
import { eventually, rejection, within } from "../helpers/wait.js";

let srv: NatsServer;
/** Every connection made here; closed at the end (before the server stops) even if a test failed half-way. */
const connect = connectForFile();

before(async () => {
  srv = await NatsServer.start();
});
after(() => srv.stop());

function conn(opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: srv.hostport, ...opts });
}

function counts(nc: NatsConnection): { subscriptions: number; requests: number } {
  return (nc as unknown as NatsConnectionImpl)._counts();
}

function subj(): string {
  return createInbox("rq");
}

/** A connection whose subscription to `subject` calls `respond` with each request, known to the server when this returns. */
async function responder(subject: string, respond: (m: Msg) => void): Promise<NatsConnection> {
  const rc = await conn();
  rc.subscribe(subject, { callback: (_err, m) => respond(m) });
  await rc.flush();
  return rc;
}

/** `nc.requestMany(subject, "q", opts)` drained within `bound` ms: its messages, the error it threw (if any), and how long it ran. */
async function timedMany(
  nc: NatsConnection,
  subject: string,
  opts: Parameters<NatsConnection["requestMany"]>[2],
  bound: number,
): Promise<{ msgs: Msg[]; err: unknown; ms: number }> {
  const start = performance.now();
  const it = await nc.requestMany(subject, "q", opts);
  const { msgs, err } = await drainIter(it, bound);
  return { msgs, err, ms: performance.now() - start };
}

/** All messages of a requestMany iterator, plus the error it threw (if any), bounded in time. */
async function drainIter(it: AsyncIterable<Msg>, ms: number): Promise<{ msgs: Msg[]; err: unknown }> {
  const msgs: Msg[] = [];
  let err: unknown;
  await within(
    (async () => {
      try {
        for await (const m of it) msgs.push(m);
      } catch (e) {
        err = e;
      }
    })(),
    ms,
    "requestMany iterator",
  );
  return { msgs, err };
}

/** The subscriptions the server holds for the connection named `name`. */
async function serverSubs(name: string): Promise<string[]> {
  const cz = await srv.connz({ subs: true });
  const c = (cz.connections as any[]).find((x) => x.name === name);
  assert.ok(c, `connection ${name} not in connz`);
  return (c.subscriptions_list as string[] | undefined) ?? [];
}

const te = new TextEncoder();
const td = new TextDecoder();

describe("request", () => {
  it("request/reply with a string payload", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await responder(s, (m) => void m.respond(`hello ${m.string()}`));
    const m = await nc.request(s, "world", { timeout: 2000 });
    assert.equal(m.string(), "hello world");
    assert.equal(typeof m.subject, "string");
    await nc.close();
    await rc.close();
  });

  it("request/reply with a binary payload (every byte value, CR LF included)", async () => {
    const nc = await conn();
    const rc = await conn();
    const s = subj();
    const payload = new Uint8Array(256 * 4);
    for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
    rc.subscribe(s, {
      callback: (_e, m) => {
        const r = new Uint8Array(m.data.length);
        for (let i = 0; i < r.length; i++) r[i] = m.data[m.data.length - 1 - i];
        m.respond(r);
      },
    });
    await rc.flush();
    const m = await nc.request(s, payload, { timeout: 2000 });
    const want = payload.slice().reverse();
    assert.equal(m.data.length, want.length);
    assert.deepEqual(Array.from(m.data), Array.from(want));
    // an empty request and an empty reply
    const s2 = subj();
    rc.subscribe(s2, { callback: (_e, m) => void m.respond(te.encode(`len=${m.data.length}`)) });
    await rc.flush();
    assert.equal((await nc.request(s2, new Uint8Array(0), { timeout: 2000 })).string(), "len=0");
    assert.equal((await nc.request(s2, undefined, { timeout: 2000 })).string(), "len=0");
    await nc.close();
    await rc.close();
  });

  it("default timeout is 1000 ms (mux and noMux)", async () => {
    const nc = await conn();
    const rc = await conn();
    const s = subj();
    let seen = 0;
    rc.subscribe(s, { callback: () => void seen++ }); // never answers
    await rc.flush();
    const timed = async (p: Promise<unknown>) => {
      const start = performance.now();
      const err = await rejection(p, 4000);
      return { err, ms: performance.now() - start };
    };
    const [a, b] = await Promise.all([
      timed(nc.request(s)),
      timed(nc.request(s, "x", { noMux: true } as RequestOptions)),
    ]);
    for (const r of [a, b]) {
      assert.ok(r.err instanceof TimeoutError, `got ${r.err}`);
      assert.ok(r.ms >= 950, `rejected too early: ${r.ms} ms`);
      assert.ok(r.ms < 2000, `rejected too late: ${r.ms} ms`);
    }
    assert.equal(seen, 2, "both requests reached the responder");
    await nc.close();
    await rc.close();
  });

  it("honours a custom timeout", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await responder(s, () => {});
    for (const noMux of [false, true]) {
      const start = performance.now();
      const err = await rejection(nc.request(s, "x", { timeout: 250, noMux }), 3000);
      const ms = performance.now() - start;
      assert.ok(err instanceof TimeoutError, `noMux=${noMux}: ${err}`);
      assert.ok(ms >= 240 && ms < 900, `noMux=${noMux}: rejected after ${ms} ms`);
    }
    await nc.close();
    await rc.close();
  });

  it("a timeout is both a TimeoutError and a RequestError caused by a TimeoutError", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await responder(s, () => {});
    for (const noMux of [false, true]) {
      const err = await rejection(nc.request(s, "x", { timeout: 100, noMux }));
      // 3.4 code
      assert.ok(err instanceof TimeoutError, `noMux=${noMux}: not a TimeoutError`);
      assert.ok(err instanceof Error);
      // the nats-core README's pattern
      assert.ok(err instanceof RequestError, `noMux=${noMux}: not a RequestError`);
      assert.ok(err.cause instanceof TimeoutError, `noMux=${noMux}: cause is ${err.cause}`);
      assert.equal(typeof err.isNoResponders, "function");
      assert.equal(err.isNoResponders(), false);
      assert.ok(!(err instanceof NoRespondersError));
      assert.equal(err.name, "TimeoutError");
      assert.equal(err.code, "NATS_TIMEOUT");
      assert.equal(err.code, ErrorCode.Timeout);
      assert.equal(err.message, "timeout");
    }
    await nc.close();
    await rc.close();
  });

  it("no responders: rejects at once with RequestError caused by NoRespondersError", async () => {
    const nc = await conn();
    for (const noMux of [false, true]) {
      const s = subj();
      const start = performance.now();
      const err = await rejection(nc.request(s, "x", { timeout: 5000, noMux }), 6000);
      const ms = performance.now() - start;
      assert.ok(ms < 1000, `noMux=${noMux}: took ${ms} ms, should be immediate`);
      assert.ok(err instanceof RequestError, `noMux=${noMux}: ${err}`);
      assert.ok(err.cause instanceof NoRespondersError, `noMux=${noMux}: cause ${err.cause}`);
      assert.equal(err.isNoResponders(), true);
      assert.ok(!(err instanceof TimeoutError), "a no-responders error is not a timeout");
      assert.equal(err.cause.subject, s);
      assert.equal(err.name, "RequestError");
      assert.equal(err.code, "NATS_REQUEST");
      assert.equal(err.cause.name, "NoResponders");
      assert.equal(err.cause.code, "NATS_NO_RESPONDERS");
      assert.equal(err.cause.message, `no responders: '${s}'`);
    }
    assert.equal(counts(nc).requests, 0);
    await nc.close();
  });

  it("noMux uses its own subscription, gone after the reply", async () => {
    const nc = await conn({ name: "nomux-req" });
    const rc = await conn();
    const s = subj();
    let release!: () => void;
    const go = new Promise<void>((r) => (release = r));
    let gotReq!: (m: Msg) => void;
    const received = new Promise<Msg>((r) => (gotReq = r));
    rc.subscribe(s, {
      callback: (_e, m) => {
        gotReq(m);
        go.then(() => m.respond("late"));
      },
    });
    await rc.flush();
    await nc.flush();
    assert.deepEqual(await serverSubs("nomux-req"), [], "fresh connection has no subscriptions");

    const p = nc.request(s, "x", { noMux: true, timeout: 5000 });
    const req = await within(received, 3000, "request at responder");
    assert.ok(req.reply, "the request has a reply subject");
    const during = await serverSubs("nomux-req");
    assert.deepEqual(during, [req.reply], "exactly one subscription: the request's own inbox");
    assert.ok(!during.some((x) => x.endsWith(".*")), "no mux wildcard inbox");
    assert.equal(counts(nc).subscriptions, 1);
    assert.equal(counts(nc).requests, 0, "not a mux request");

    release();
    const m = await within(p, 3000, "noMux reply");
    assert.equal(m.string(), "late");
    await nc.flush();
    assert.deepEqual(await serverSubs("nomux-req"), [], "no subscription after the reply");
    assert.equal(counts(nc).subscriptions, 0);
    await nc.close();
    await rc.close();
  });

  it("noMux subscription is removed after a timeout", async () => {
    const nc = await conn({ name: "nomux-timeout" });
    const s = subj();
    const rc = await responder(s, () => {});
    const p = nc.request(s, "x", { noMux: true, timeout: 200 });
    await nc.flush();
    assert.equal((await serverSubs("nomux-timeout")).length, 1);
    assert.ok((await rejection(p)) instanceof TimeoutError);
    await nc.flush();
    assert.deepEqual(await serverSubs("nomux-timeout"), []);
    assert.equal(counts(nc).subscriptions, 0);
    await nc.close();
    await rc.close();
  });

  it("mux: one wildcard inbox subscription shared by requests", async () => {
    const nc = await conn({ name: "mux-req" });
    const s = subj();
    const rc = await responder(s, (m) => void m.respond(m.data));
    for (let i = 0; i < 3; i++) assert.equal((await nc.request(s, `r${i}`, { timeout: 2000 })).string(), `r${i}`);
    const subs = await serverSubs("mux-req");
    assert.equal(subs.length, 1, `subs: ${subs}`);
    assert.match(subs[0], /^_INBOX\.[A-Za-z0-9]+\.\*$/);
    await nc.close();
    await rc.close();
  });

  it("reply with noMux delivers the reply to the given subject", async () => {
    const nc = await conn();
    const rc = await conn();
    const oc = await conn(); // an observer of the reply subject
    const s = subj();
    const replyTo = `${subj()}.myreply`;
    let seenReply = "";
    rc.subscribe(s, {
      callback: (_e, m) => {
        seenReply = m.reply ?? "";
        m.respond(`re:${m.string()}`);
      },
    });
    let observed!: (m: Msg) => void;
    const obs = new Promise<Msg>((r) => (observed = r));
    oc.subscribe(replyTo, { callback: (_e, m) => observed(m) });
    await rc.flush();
    await oc.flush();
    const m = await nc.request(s, "q", { noMux: true, reply: replyTo, timeout: 2000 });
    assert.equal(m.string(), "re:q");
    assert.equal(m.subject, replyTo);
    assert.equal(seenReply, replyTo);
    const o = await within(obs, 2000, "observer");
    assert.equal(o.string(), "re:q");
    await nc.close();
    await rc.close();
    await oc.close();
  });

  it("reply without noMux is rejected (not thrown) with InvalidArgumentError", async () => {
    const nc = await conn();
    let p: Promise<Msg> | undefined;
    assert.doesNotThrow(() => {
      p = nc.request("foo", "x", { reply: "bar", timeout: 1000 });
    });
    const err = await rejection(p!);
    assert.ok(err instanceof InvalidArgumentError, `${err}`);
    assert.equal(err.name, "InvalidArgumentError");
    assert.equal(err.code, "NATS_INVALID_ARGUMENT");
    assert.match(err.message, /reply/);
    assert.match(err.message, /noMux/);
    // same with noMux: false
    assert.ok((await rejection(nc.request("foo", "x", { reply: "bar", noMux: false, timeout: 1000 }))) instanceof InvalidArgumentError);
    await nc.close();
  });

  it("negative timeouts are rejected with InvalidArgumentError; timeout: 0 means the 1000 ms default", async () => {
    const nc = await conn({ name: "bad-timeout" });
    const rc = await conn();
    const s = subj();
    let seen = 0;
    rc.subscribe(s, { callback: () => void seen++ });
    await rc.flush();
    for (const noMux of [false, true]) {
      let p: Promise<Msg> | undefined;
      assert.doesNotThrow(() => {
        p = nc.request(s, "x", { timeout: -1, noMux });
      });
      const err = await rejection(p!);
      assert.ok(err instanceof InvalidArgumentError, `noMux=${noMux}: ${err}`);
      assert.match(err.message, /timeout/);
    }
    await nc.flush();
    await rc.flush();
    assert.equal(seen, 0, "nothing was published");
    assert.deepEqual(await serverSubs("bad-timeout"), []);
    // as in the official client, 0 falls back to the default: the request is sent and times out after ~1 s
    const start = Date.now();
    const err = await rejection(nc.request(s, "x", { timeout: 0 }));
    const took = Date.now() - start;
    assert.ok(err instanceof TimeoutError, String(err));
    assert.ok(took >= 900 && took < 3000, `timed out after ${took} ms`);
    await rc.flush();
    assert.equal(seen, 1);
    await nc.close();
    await rc.close();
  });

  it("1,000 concurrent requests each get their own reply", async () => {
    const nc = await conn();
    const rc = await conn();
    const s = subj();
    const N = 1000;
    const sub = rc.subscribe(s);
    // answer in reverse order, so routing must follow the token, not arrival order
    const responder = (async () => {
      const batch: Msg[] = [];
      for await (const m of sub) {
        batch.push(m);
        if (batch.length === N) break;
      }
      for (const m of batch.reverse()) m.respond(`rep-${m.string()}`);
    })();
    await rc.flush();
    const ps: Promise<Msg>[] = [];
    for (let i = 0; i < N; i++) ps.push(nc.request(s, `${i}`, { timeout: 10_000 }));
    assert.equal(counts(nc).requests, N, "all requests pending");
    const replies = await within(Promise.all(ps), 10_000, "1000 requests");
    replies.forEach((m, i) => assert.equal(m.string(), `rep-${i}`));
    await within(responder, 2000, "responder");
    assert.equal(counts(nc).requests, 0);
    await nc.close();
    await rc.close();
  });

  it("the mux inbox follows inboxPrefix", async () => {
    const nc = await conn({ inboxPrefix: "myapp.replies", name: "prefixed" });
    const rc = await conn();
    const s = subj();
    const replies: string[] = [];
    rc.subscribe(s, {
      callback: (_e, m) => {
        replies.push(m.reply ?? "");
        m.respond("ok");
      },
    });
    await rc.flush();
    assert.equal((await nc.request(s, "a", { timeout: 2000 })).string(), "ok");
    assert.equal((await nc.request(s, "b", { timeout: 2000 })).string(), "ok");
    assert.equal((await nc.request(s, "c", { timeout: 2000, noMux: true })).string(), "ok");
    assert.equal(replies.length, 3);
    const [r1, r2, r3] = replies;
    assert.match(r1, /^myapp\.replies\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/);
    assert.match(r2, /^myapp\.replies\.[A-Za-z0-9]+\.[A-Za-z0-9]+$/);
    // both mux requests share the inbox, with different tokens
    assert.equal(r1.slice(0, r1.lastIndexOf(".")), r2.slice(0, r2.lastIndexOf(".")));
    assert.notEqual(r1, r2);
    assert.match(r3, /^myapp\.replies\.[A-Za-z0-9]+$/);
    const subs = await serverSubs("prefixed");
    assert.deepEqual(subs, [`${r1.slice(0, r1.lastIndexOf("."))}.*`]);
    await nc.close();
    await rc.close();
  });

  it("the pending request count returns to 0 after replies and timeouts", async () => {
    const nc = await conn();
    const rc = await conn();
    const s = subj();
    const silent = subj();
    rc.subscribe(s, { callback: (_e, m) => void m.respond("ok") });
    rc.subscribe(silent, { callback: () => {} });
    await rc.flush();
    assert.equal(counts(nc).requests, 0);
    const ok = nc.request(s, "x", { timeout: 2000 });
    const late = nc.request(silent, "x", { timeout: 200 });
    assert.equal(counts(nc).requests, 2);
    await ok;
    assert.equal(counts(nc).requests, 1);
    assert.ok((await rejection(late)) instanceof TimeoutError);
    assert.equal(counts(nc).requests, 0);
    await nc.close();
    await rc.close();
  });

  it("requests in flight reject when the connection closes", async () => {
    const nc = await conn();
    const rc = await conn();
    const s = subj();
    let seen = 0;
    rc.subscribe(s, { callback: () => void seen++ });
    await rc.flush();
    const mux = nc.request(s, "x", { timeout: 5000 });
    const nomux = nc.request(s, "x", { timeout: 5000, noMux: true });
    await nc.flush();
    await rc.flush();
    assert.equal(seen, 2);
    const start = performance.now();
    await nc.close();
    for (const [what, p] of [["mux", mux], ["noMux", nomux]] as const) {
      const err = await rejection(p, 2000);
      assert.ok(err instanceof RequestError || err instanceof ClosedConnectionError, `${what}: ${err}`);
      assert.ok(!(err instanceof TimeoutError), `${what}: rejected by the timer, not by close`);
    }
    assert.ok(performance.now() - start < 1500);
    assert.equal(counts(nc).requests, 0);
    await rc.close();
  });

  it("request after close rejects with ClosedConnectionError", async () => {
    const nc = await conn();
    await nc.close();
    for (const noMux of [false, true]) {
      let p: Promise<Msg> | undefined;
      assert.doesNotThrow(() => {
        p = nc.request("foo", "x", { timeout: 1000, noMux });
      });
      const err = await rejection(p!);
      assert.ok(err instanceof ClosedConnectionError, `${err}`);
      assert.equal(err.name, "ClosedConnectionError");
      assert.equal(err.code, "NATS_CLOSED_CONNECTION");
    }
    const err = await rejection(nc.requestMany("foo", "x"));
    assert.ok(err instanceof ClosedConnectionError, `${err}`);
  });

  it("requests carry headers, and respond() sends headers back", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await responder(s, (m) => {
      const h = headers();
      h.set("X-Echo", m.headers?.get("X-Id") ?? "none");
      h.append("X-Multi", "1");
      h.append("X-Multi", "2");
      m.respond(`body-${m.headers?.get("X-Id")}`, { headers: h });
    });
    for (const noMux of [false, true]) {
      const h = headers();
      h.set("X-Id", `id-${noMux}`);
      const m = await nc.request(s, "x", { headers: h, timeout: 2000, noMux });
      assert.equal(m.string(), `body-id-${noMux}`);
      assert.ok(m.headers, "reply has headers");
      assert.equal(m.headers.get("X-Echo"), `id-${noMux}`);
      assert.deepEqual(m.headers.values("X-Multi"), ["1", "2"]);
    }
    await nc.close();
    await rc.close();
  });
});

describe("requestMany", () => {
  /** Three responders that answer `<name>:<payload>` each. */
  async function threeResponders(s: string): Promise<NatsConnection> {
    const rc = await conn();
    for (const name of ["a", "b", "c"]) {
      rc.subscribe(s, { callback: (_e, m) => void m.respond(`${name}:${m.string()}`) });
    }
    await rc.flush();
    return rc;
  }

  for (const noMux of [false, true]) {
    const tag = noMux ? " (noMux)" : "";

    it(`timer: collects every reply until maxWait${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const rc = await threeResponders(s);
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "timer", maxWait: 500, noMux }, 3000);
      assert.equal(err, undefined, `iterator threw ${err}`);
      assert.deepEqual(msgs.map((m) => m.string()).sort(), ["a:q", "b:q", "c:q"]);
      assert.ok(ms >= 450, `ended before maxWait: ${ms} ms`);
      assert.ok(ms < 1500, `ended late: ${ms} ms`);
      assert.equal(counts(nc).requests, 0);
      await nc.flush();
      assert.equal(counts(nc).subscriptions, noMux ? 0 : 1);
      await nc.close();
      await rc.close();
    });

    it(`count: stops after maxMessages${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const rc = await threeResponders(s);
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "count", maxMessages: 2, maxWait: 5000, noMux }, 6000);
      assert.equal(err, undefined, `iterator threw ${err}`);
      assert.equal(msgs.length, 2);
      for (const m of msgs) assert.match(m.string(), /^[abc]:q$/);
      assert.ok(ms < 1500, "ended at maxMessages, not at maxWait");
      assert.equal(counts(nc).requests, 0);
      await nc.close();
      await rc.close();
    });

    it(`count: maxWait still bounds the wait${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const rc = await threeResponders(s);
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "count", maxMessages: 10, maxWait: 400, noMux }, 3000);
      assert.equal(err, undefined);
      assert.equal(msgs.length, 3);
      assert.ok(ms >= 350 && ms < 1500, `${ms} ms`);
      await nc.close();
      await rc.close();
    });

    it(`stall: stops after a gap of 'stall' ms${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      // two quick replies, then one 1 s later: past the stall, before maxWait
      const rc = await responder(s, (m) => {
        m.respond("1");
        m.respond("2");
        setTimeout(() => {
          if (!rc.isClosed()) m.respond("late");
        }, 1000);
      });
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "stall", stall: 200, maxWait: 5000, noMux }, 6000);
      assert.equal(err, undefined);
      assert.deepEqual(msgs.map((m) => m.string()), ["1", "2"]);
      assert.ok(ms >= 180 && ms < 900, `ended after ${ms} ms`);
      assert.equal(counts(nc).requests, 0);
      await nc.close();
      await rc.close();
    });

    it(`stall: a longer 'stall' option is honoured${tag}`, async () => {
      // the official client hard-codes 300 ms on the noMux path; a 500 ms gap
      // with stall: 1000 must keep the second reply
      const nc = await conn();
      const s = subj();
      const rc = await responder(s, (m) => {
        m.respond("first");
        setTimeout(() => {
          if (!rc.isClosed()) m.respond("second");
        }, 500);
      });
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "stall", stall: 1000, maxWait: 8000, noMux }, 9000);
      assert.equal(err, undefined);
      assert.deepEqual(msgs.map((m) => m.string()), ["first", "second"]);
      assert.ok(ms >= 1400 && ms < 3000, `ended after ${ms} ms (500 + 1000 expected)`);
      await nc.close();
      await rc.close();
    });

    it(`sentinel: the empty-payload reply is yielded last, then the iterator ends${tag}`, async () => {
      // 3.4 pushes the sentinel to the iterator before ending it (request.ts, nats.ts)
      const nc = await conn();
      const s = subj();
      const rc = await responder(s, (m) => {
        for (const part of ["p1", "p2", "p3"]) m.respond(part);
        m.respond(new Uint8Array(0));
        m.respond("after-sentinel");
      });
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "sentinel", maxWait: 5000, noMux }, 6000);
      assert.equal(err, undefined);
      assert.deepEqual(msgs.map((m) => m.string()), ["p1", "p2", "p3", ""]);
      assert.equal(msgs[3].data.length, 0);
      assert.ok(ms < 1500, "ended at the sentinel, not at maxWait");
      assert.equal(counts(nc).requests, 0);
      await nc.flush();
      assert.equal(counts(nc).subscriptions, noMux ? 0 : 1);
      await nc.close();
      await rc.close();
    });

    it(`sentinel: a reply with headers and no data is the sentinel too, and is yielded${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const rc = await responder(s, (m) => {
        m.respond("part");
        const h = headers();
        h.set("X-End", "yes");
        m.respond(new Uint8Array(0), { headers: h });
        m.respond("after-sentinel");
      });
      const it = await nc.requestMany(s, "q", { strategy: "sentinel", maxWait: 5000, noMux });
      const { msgs, err } = await drainIter(it, 6000);
      assert.equal(err, undefined);
      assert.deepEqual(msgs.map((m) => m.string()), ["part", ""]);
      assert.equal(msgs[1].headers?.get("X-End"), "yes");
      assert.equal(counts(nc).requests, 0);
      await nc.close();
      await rc.close();
    });

    it(`no responders: the iterator throws NoRespondersError${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const { msgs, err, ms } = await timedMany(nc, s, { strategy: "timer", maxWait: 5000, noMux }, 6000);
      assert.equal(msgs.length, 0);
      assert.ok(err instanceof NoRespondersError, `got ${err}`);
      assert.equal(err.subject, s);
      assert.equal(err.name, "NoResponders");
      assert.ok(ms < 1500, "immediate, not at maxWait");
      assert.equal(counts(nc).requests, 0);
      await nc.close();
    });

    it(`breaking out of the loop cancels the request${tag}`, async () => {
      const nc = await conn({ name: `rm-break-${noMux}` });
      const s = subj();
      const rc = await responder(s, (m) => {
        m.respond("one");
        m.respond("two");
      });
      const it = await nc.requestMany(s, "q", { strategy: "timer", maxWait: 5000, noMux });
      const got: string[] = [];
      await within(
        (async () => {
          for await (const m of it) {
            got.push(m.string());
            break;
          }
        })(),
        3000,
        "first reply",
      );
      assert.deepEqual(got, ["one"]);
      assert.equal(counts(nc).requests, 0);
      await nc.flush();
      assert.equal(counts(nc).subscriptions, noMux ? 0 : 1);
      assert.equal((await serverSubs(`rm-break-${noMux}`)).length, noMux ? 0 : 1);
      await nc.close();
      await rc.close();
    });

    it(`the iterator ends when the connection closes${tag}`, async () => {
      const nc = await conn();
      const s = subj();
      const rc = await responder(s, (m) => void m.respond("only"));
      const it = await nc.requestMany(s, "q", { strategy: "timer", maxWait: 10_000, noMux });
      const msgs: Msg[] = [];
      let err: unknown;
      const done = within(
        (async () => {
          try {
            for await (const m of it) msgs.push(m);
          } catch (e) {
            err = e;
          }
        })(),
        3000,
        "requestMany iterator",
      );
      await eventually(() => msgs.length === 1, 3000, "the reply");
      const start = performance.now();
      await nc.close();
      await done;
      assert.ok(performance.now() - start < 2000, "ended by close, not by maxWait");
      assert.deepEqual(msgs.map((m) => m.string()), ["only"]);
      if (err !== undefined) {
        assert.ok(err instanceof RequestError || err instanceof ClosedConnectionError, `${err}`);
      }
      await rc.close();
    });
  }

  it("defaults: strategy timer, maxWait 1000 ms", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await threeResponders(s);
    const start = performance.now();
    const it = await nc.requestMany(s, "d");
    const { msgs, err } = await drainIter(it, 4000);
    const ms = performance.now() - start;
    assert.equal(err, undefined);
    assert.equal(msgs.length, 3);
    assert.ok(ms >= 950 && ms < 2000, `${ms} ms`);
    await nc.close();
    await rc.close();
  });

  it("headers reach the responders", async () => {
    const nc = await conn();
    const s = subj();
    const rc = await responder(s, (m) => void m.respond(m.headers?.get("X-K") ?? "none"));
    const h = headers();
    h.set("X-K", "v1");
    const it = await nc.requestMany(s, "q", { strategy: "count", maxMessages: 1, maxWait: 3000, headers: h });
    const { msgs } = await drainIter(it, 4000);
    assert.deepEqual(msgs.map((m) => td.decode(m.data)), ["v1"]);
    await nc.close();
    await rc.close();
  });
});
