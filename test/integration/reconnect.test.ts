// Reconnection against a real nats-server that is killed, restarted, paused or
// that closes the connection itself: status events, what survives a reconnect
// (subscriptions, auto-unsubscribe counts, the reconnect buffer, flush(),
// requests in flight), giving up, and the dial options (waitOnFirstConnect,
// reconnectDelayHandler, reconnectToServer).
import { describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  ConnectionError,
  connect,
  ErrorCode,
  headers,
  InvalidArgumentError,
  type Msg,
  type NatsConnection,
  type NodeConnectionOptions,
  type Server,
  type ServerInfo,
} from "@quicknats/node";
import { NatsServer, startCluster, stopAll, waitForRoutes } from "../helpers/nats-server.js";
import { connectFor } from "../helpers/connections.js";
import { freePort } from "../helpers/ports.js";
import { RogueServer } from "../helpers/rogue-server.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, sleep, within } from "../helpers/wait.js";

/** Short timings: a restarted server is found within ~50 ms. */
const FAST: NodeConnectionOptions = {
  reconnectTimeWait: 50,
  reconnectJitter: 0,
  maxReconnectAttempts: -1,
  timeout: 2000,
};

async function startServer(t: TestContext, config: Record<string, unknown> = {}): Promise<NatsServer> {
  const srv = await NatsServer.start(config);
  t.after(() => srv.stop());
  return srv;
}

/** Kills the server and waits until the client has noticed (`disconnect`); returns the event's index. */
async function killAndWait(srv: NatsServer, log: StatusLog, from = 0): Promise<number> {
  await srv.kill();
  return log.waitFor("disconnect", 3000, from);
}

/** Restarts the server and waits for the client's `reconnect`; returns the event's index. */
async function restartAndWait(srv: NatsServer, log: StatusLog, from = 0): Promise<number> {
  await srv.restart();
  return log.waitFor("reconnect", 5000, from);
}

/**
 * A connection to a paused server that has published 16 MB to `subject`: the
 * burst fills the socket, the rest waits in the client.
 */
async function backedUp(t: TestContext, subject: string): Promise<{ srv: NatsServer; nc: NatsConnection; log: StatusLog }> {
  const srv = await startServer(t);
  const nc = await connectFor(t, { servers: srv.url, ...FAST });
  const log = new StatusLog(nc);
  await srv.pause();
  const data = new Uint8Array(16 * 1024);
  for (let i = 0; i < 1000; i++) nc.publish(subject, data);
  return { srv, nc, log };
}

/** Subscribes to `subject` and collects `map(m)` of each message; the server knows the subscription when this returns. */
async function collect<T>(nc: NatsConnection, subject: string, map: (m: Msg) => T): Promise<T[]> {
  const got: T[] = [];
  nc.subscribe(subject, { callback: (_err, m) => got.push(map(m)) });
  await nc.flush();
  return got;
}

/** The error a reconnect buffer holding headers is dropped with when the server reached takes none. */
function isHeadersError(err: unknown): boolean {
  assert.ok(err instanceof InvalidArgumentError, String(err));
  assert.equal(err.code, ErrorCode.HeadersNotSupported);
  return true;
}

/** The buffer was dropped with that error, in an `error` status before the `reconnect` (at index `r`, both after `d`). */
async function assertHeadersErrorBefore(log: StatusLog, d: number, r: number): Promise<void> {
  const e = await log.waitFor("error", 3000, d);
  assert.ok(e < r, "the error comes before the reconnect");
  isHeadersError(log.of("error")[0]!.error);
}

/** The connection works after the drop: no HPUB reached `srv` (which would have closed it), what waited is gone. */
async function assertUpWithoutWhatWaited(nc: NatsConnection, log: StatusLog, srv: NatsServer, subject: string, got: string[]): Promise<void> {
  nc.publish(subject, "after");
  await within(nc.flush(), 3000, "flush after the reconnect");
  await eventually(() => got.length >= 1, 3000, "the message published after the reconnect");
  assert.deepEqual(got, ["after"], "what waited was dropped, nothing else");
  assert.equal(log.count("disconnect"), 1, log.types().join(","));
  assert.equal((await srv.connz()).num_connections, 1);
}

describe("reconnect after the server restarts", () => {
  it("emits disconnect, reconnecting, reconnect in order, and subscriptions keep receiving", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.keep", (m) => m.string());

    const d = await killAndWait(srv, log);
    await eventually(() => log.count("reconnecting") >= 2, 5000, "a few failed attempts while the server is down");
    const r = await restartAndWait(srv, log, d);

    assert.deepEqual(log.events[d], { type: "disconnect", server: srv.hostport });
    assert.deepEqual(log.events[r], { type: "reconnect", server: srv.hostport });
    const seq = log.types().filter((ty) => ty === "disconnect" || ty === "reconnecting" || ty === "reconnect");
    assert.equal(seq[0], "disconnect", seq.join(","));
    assert.equal(seq.at(-1), "reconnect", seq.join(","));
    const middle = seq.slice(1, -1);
    assert.ok(middle.length >= 2, `several failed attempts while down: ${seq.join(",")}`);
    assert.ok(middle.every((ty) => ty === "reconnecting"), seq.join(","));
    assert.equal(nc.isClosed(), false);
    assert.equal(nc.getServer(), srv.hostport);

    // the SUB was re-sent: another connection's messages reach it
    const nc2 = await connectFor(t, { servers: srv.url });
    for (let i = 0; i < 10; i++) nc2.publish("rc.keep", `m${i}`);
    await nc2.flush();
    await nc.flush(); // the server wrote nc's MSGs before this PONG
    assert.deepEqual(got, Array.from({ length: 10 }, (_, i) => `m${i}`));
    const connz = await srv.connz({ subs: true });
    const withSub = (connz.connections as { subscriptions_list?: string[] }[])
      .filter((c) => (c.subscriptions_list ?? []).includes("rc.keep"));
    assert.equal(withSub.length, 1, "the restarted server knows the subscription");
  });

  it("re-sends an auto-unsubscribe subscription with its remaining count", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got: number[] = [];
    const sub = nc.subscribe("rc.max", { max: 10, callback: (_err, m) => got.push(Number(m.string())) });
    for (let i = 0; i < 4; i++) nc.publish("rc.max", String(i));
    await nc.flush();
    assert.deepEqual(got, [0, 1, 2, 3]);

    const d = await killAndWait(srv, log);
    await restartAndWait(srv, log, d);

    const inBefore = nc.stats().inMsgs;
    const nc2 = await connectFor(t, { servers: srv.url });
    for (let i = 4; i < 24; i++) nc2.publish("rc.max", String(i));
    await nc2.flush();
    // the server wrote nc's MSGs before this PONG: anything past the max would be here by now
    await nc.flush();
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(sub.getReceived(), 10);
    assert.equal(sub.isClosed(), true);
    // the server itself stopped after 6 (UNSUB sid 6 was re-sent), not the client filtering 20
    assert.equal(nc.stats().inMsgs - inBefore, 6, "messages the server sent after the reconnect");
  });

  it("delivers everything published while disconnected, in order, after the reconnect", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.buf", (m) => Number(m.string()));

    const d = await killAndWait(srv, log);
    for (let i = 0; i < 1000; i++) nc.publish("rc.buf", String(i));
    assert.equal(got.length, 0);
    await restartAndWait(srv, log, d);
    await within(nc.flush(), 3000, "flush after reconnect");
    await eventually(() => got.length >= 1000, 3000, `1000 messages (have ${got.length})`);
    // a duplicate would have been sent before this PING, so it would be delivered before its PONG
    await nc.flush();
    assert.equal(got.length, 1000, "no duplicates");
    assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i));
  });

  it("reconnectBufSize: 0 makes publish() throw while disconnected", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST, reconnectBufSize: 0 });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.nobuf", (m) => m.string());

    const d = await killAndWait(srv, log);
    assert.throws(() => nc.publish("rc.nobuf", "lost"), ConnectionError);
    await restartAndWait(srv, log, d);
    nc.publish("rc.nobuf", "after");
    await nc.flush();
    assert.deepEqual(got, ["after"]);
  });

  it("a small reconnectBufSize throws once full and keeps what fit", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST, reconnectBufSize: 1024 });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.small", (m) => Number(m.string()));

    const d = await killAndWait(srv, log);
    let accepted = 0;
    let thrown: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        nc.publish("rc.small", String(i).padStart(100, "0")); // ~120 bytes a frame
        accepted++;
      } catch (err) {
        thrown = err;
        break;
      }
    }
    assert.ok(thrown instanceof ConnectionError, `publish throws a ConnectionError once full (got ${thrown})`);
    assert.ok(accepted >= 5 && accepted <= 9, `about 1024 / 120 frames fit, accepted ${accepted}`);
    // still full: the refused message was not kept, nor is the next one
    assert.throws(() => nc.publish("rc.small", String(999).padStart(100, "0")), ConnectionError);

    await restartAndWait(srv, log, d);
    // the buffered PUBs went out before this PING: their MSGs come back before its PONG
    await nc.flush();
    assert.deepEqual(got, Array.from({ length: accepted }, (_, i) => i));
  });

  it("past the default reconnect buffer, publish() drops instead of throwing: one error status per outage, and what fit is delivered", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.default", (m) => m.data.length);

    // the setInterval publisher of a 3.4 program, which has no try/catch: 12 MiB during the outage
    const d = await killAndWait(srv, log);
    const data = new Uint8Array(64 * 1024);
    const before = nc.stats().outMsgs;
    const results: boolean[] = [];
    for (let i = 0; i < 192; i++) results.push(nc.publish("rc.default", data));
    const kept = nc.stats().outMsgs - before;
    assert.ok(kept >= 120 && kept < 128, `about 8 MiB / 64 KiB messages kept, kept ${kept}`);
    assert.ok(results.every((r) => !r), "while disconnected, publish() says to wait for ready()");
    await log.waitFor("error", 2000, d);
    const errors = log.of("error");
    assert.equal(errors.length, 1, "one error status for the outage");
    assert.ok(errors[0]!.error instanceof ConnectionError);
    assert.equal((errors[0]!.error as ConnectionError).code, ErrorCode.ReconnectBufferFull);

    await restartAndWait(srv, log, d);
    await nc.flush();
    assert.equal(got.length, kept, "what fit is delivered, the rest was dropped");

    // a second outage reports again
    const d2 = await killAndWait(srv, log, log.events.length);
    for (let i = 0; i < 192; i++) nc.publish("rc.default", data);
    await log.waitFor("error", 2000, d2);
    assert.equal(log.of("error").length, 2, "one more error status for the second outage");
    await restartAndWait(srv, log, d2);
  });

  it("a publisher that awaits ready() when publish() returns false loses nothing through an outage longer than the reconnect buffer", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.ready", (m) => Number.parseInt(m.string(), 10));

    const d = await killAndWait(srv, log);
    const N = 12_000; // 12 MiB of 1 KiB messages: more than the 8 MiB reconnect buffer
    const loop = (async () => {
      for (let i = 0; i < N; i++) {
        if (!nc.publish("rc.ready", String(i).padEnd(1024))) await nc.ready();
      }
    })();
    await restartAndWait(srv, log, d);
    await within(loop, 20_000, "the publisher's loop");
    await nc.flush();
    await eventually(() => got.length >= N, 10_000, () => `${N} messages (have ${got.length})`);
    assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
    assert.equal(log.count("error"), 0, "nothing was dropped");
  });

  it("flush() issued while disconnected resolves after the reconnect", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const d = await killAndWait(srv, log);

    let outcome: string | undefined;
    let reconnectSeen = false;
    const p = nc.flush().then(
      () => {
        outcome = "resolved";
        reconnectSeen = log.types().includes("reconnect");
      },
      (err) => {
        outcome = `rejected: ${err}`;
      },
    );
    // deliberate: time passes to show that flush() does not settle while disconnected
    await sleep(300);
    assert.equal(outcome, undefined, "flush waits while disconnected");
    await restartAndWait(srv, log, d);
    await within(p, 3000, "flush");
    assert.equal(outcome, "resolved");
    assert.ok(reconnectSeen, "resolved after the reconnect");
  });

  it("flush() pending when the connection drops rejects, as 3.4's: what went to the dead socket may be lost, so its PONG would confirm nothing", async (t) => {
    const { srv, nc, log } = await backedUp(t, "rc.flush.lost");
    const flushed = nc.flush().then(
      () => "resolved",
      (err: Error) => `${err.name}: ${err.message}`,
    );
    const d = await killAndWait(srv, log);
    assert.equal(await within(flushed, 3000, "flush"), "RequestError: connection disconnected");
    await restartAndWait(srv, log, d);
    await within(nc.flush(), 3000, "a flush on the new connection");
  });

  it("drain() pending when the connection drops goes on after the reconnect: what waited in the client is sent, then it closes", async (t) => {
    const { srv, nc, log } = await backedUp(t, "rc.drain.rest");
    const drained = nc.drain();
    const d = await killAndWait(srv, log);
    await restartAndWait(srv, log, d);
    await within(drained, 10_000, "drain");
    assert.equal(await nc.closed(), undefined);
    // the restarted server counts from 0: what it got came from the client's queue
    const varz = await srv.varz();
    assert.ok(varz.in_msgs > 0 && varz.in_msgs <= 1000, `the server got the rest (${varz.in_msgs})`);
  });

  it("a request in flight is answered after the reconnect, and one made while disconnected too", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    let held: Msg | undefined;
    nc.subscribe("rc.svc.held", { callback: (_err, m) => { held = m; } });
    nc.subscribe("rc.svc.echo", { callback: (_err, m) => { m.respond(`echo ${m.string()}`); } });
    await nc.flush();

    const inFlight = nc.request("rc.svc.held", "q", { timeout: 10_000 });
    await eventually(() => held !== undefined, 2000, "the responder got the request");
    const d = await killAndWait(srv, log);
    const whileDown = nc.request("rc.svc.echo", "down", { timeout: 10_000 });
    await restartAndWait(srv, log, d);

    assert.ok(held!.respond("answer"));
    const [a, b] = await within(Promise.all([inFlight, whileDown]), 5000, "requests");
    assert.equal(a.string(), "answer");
    assert.equal(b.string(), "echo down");
  });
});

describe("requests while disconnected", () => {
  it("a request in flight keeps its timer: it times out while the server is down", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    nc.subscribe("rc.silent", { callback: () => {} }); // receives, never answers
    await nc.flush();
    const start = Date.now();
    const p = nc.request("rc.silent", "", { timeout: 600 });
    p.catch(() => {});
    await killAndWait(srv, log);
    await assert.rejects(within(p, 3000, "request"), (err: Error) => {
      assert.equal(err.name, "TimeoutError", String(err));
      return true;
    });
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 550 && elapsed < 2000, `timed out after its 600 ms, not at the disconnect (${elapsed} ms)`);
    assert.equal(nc.isClosed(), false);
  });

  it("one made while disconnected that timed out is not sent after the reconnect (its caller was told it failed); one still awaited is", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST, name: "req-down" });
    const log = new StatusLog(nc);
    const seen: string[] = [];
    // the responder on the same connection: its SUB is back before anything buffered goes out
    nc.subscribe("rc.once.*", { callback: (_err, m) => { seen.push(m.string()); m.respond("done"); } });
    await nc.flush();

    const d = await killAndWait(srv, log);
    const expired = nc.request("rc.once.create", "job-1", { timeout: 200 });
    const awaited = nc.request("rc.once.create", "job-2", { timeout: 10_000 });
    const many = await nc.requestMany("rc.once.many", "job-3", { maxWait: 200 });
    await assert.rejects(within(expired, 3000, "the short request"), (err: Error) => err.name === "TimeoutError");
    const manyGot: string[] = [];
    for await (const m of many) manyGot.push(m.string());
    assert.deepEqual(manyGot, [], "requestMany ended while the server was down");

    await restartAndWait(srv, log, d);
    assert.equal((await within(awaited, 5000, "the awaited request")).string(), "done");
    // everything sent after the reconnect came back before this PONG
    await nc.flush();
    assert.deepEqual(seen, ["job-2"], "only the request still awaited reached the responder");
  });

  it("a request that does not fit in the reconnect buffer times out (a TimeoutError, which @nats-io/jetstream retries), not a ConnectionError", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST, reconnectBufSize: 4096 });
    const log = new StatusLog(nc);
    nc.subscribe("rc.fit", { callback: (_err, m) => { m.respond(`ok ${m.data.length}`); } });
    await nc.flush();
    const d = await killAndWait(srv, log);
    const fits = nc.request("rc.fit", new Uint8Array(3000), { timeout: 10_000 });
    const tooBig = nc.request("rc.fit", new Uint8Array(3000), { timeout: 300 });
    await assert.rejects(within(tooBig, 3000, "the request that did not fit"), (err: Error) => {
      assert.equal(err.name, "TimeoutError", String(err));
      return true;
    });
    // a plain publish still throws at once: it has no timeout to end in
    assert.throws(() => nc.publish("rc.fit", new Uint8Array(3000)), ConnectionError);
    await restartAndWait(srv, log, d);
    assert.equal((await within(fits, 5000, "the request that fit")).string(), "ok 3000");
  });
});

describe("headers while reconnecting", () => {
  it("a publish and a request with headers made while the server is down are buffered (the last INFO took headers) and arrive with them", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got: Msg[] = [];
    nc.subscribe("rc.hdr", { callback: (_err, m) => got.push(m) });
    nc.subscribe("rc.hdr.echo", {
      callback: (_err, m) => {
        const h = headers();
        h.set("X-Echo", m.headers?.get("X-Req") ?? "none");
        m.respond("echoed", { headers: h });
      },
    });
    await nc.flush();

    const d = await killAndWait(srv, log);
    // the case at stake: a dial began and cleared the INFO (as the official client's does)
    await eventually(() => nc.info === undefined, 3000, "a dial, which clears the INFO");
    const h = headers();
    h.set("X-Id", "down-1");
    nc.publish("rc.hdr", "while down", { headers: h });
    const rh = headers();
    rh.set("X-Req", "r1");
    const reply = nc.request("rc.hdr.echo", "q", { headers: rh, timeout: 10_000 });
    reply.catch(() => {});
    await restartAndWait(srv, log, d);

    const m = await within(reply, 5000, "the reply to the request made while down");
    assert.equal(m.string(), "echoed");
    assert.equal(m.headers?.get("X-Echo"), "r1", "the request arrived with its header");
    await eventually(() => got.length >= 1, 3000, "the message published while down");
    assert.equal(got.length, 1);
    assert.equal(got[0]!.string(), "while down");
    assert.equal(got[0]!.headers?.get("X-Id"), "down-1");
  });

  it("a server that does not take headers after the reconnect: the buffer is dropped with an error status (and a failed flush), the connection stays up", async (t) => {
    const first = await startServer(t);
    const nc = await connectFor(t, { servers: first.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.nohdr", (m) => m.string());

    const d = await killAndWait(first, log);
    await eventually(() => nc.info === undefined, 3000, "a dial, which clears the INFO");
    const h = headers();
    h.set("X-Id", "1");
    nc.publish("rc.nohdr", "with headers", { headers: h });
    nc.publish("rc.nohdr", "plain, behind it");
    const flushed = nc.flush();
    flushed.catch(() => {});
    // the same port, now a server without header support
    const second = await startServer(t, { listen: first.hostport, no_header_support: true });
    const r = await log.waitFor("reconnect", 5000, d);

    await assertHeadersErrorBefore(log, d, r);
    await assert.rejects(within(flushed, 3000, "the flush made while down"), isHeadersError);
    await assertUpWithoutWhatWaited(nc, log, second, "rc.nohdr", got);
    assert.throws(() => nc.publish("rc.nohdr", "x", { headers: h }), isHeadersError);
    assert.equal(nc.isClosed(), false);
  });

  it("messages with headers published while connected but still queued when the server went away: dropped with the error status if the next server takes no headers", async (t) => {
    const first = await startServer(t);
    const nc = await connectFor(t, { servers: first.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.q", (m) => m.string());
    // paused, the server reads nothing: most of the burst waits in the client
    await first.pause();
    const h = headers();
    h.set("X-Id", "1");
    const data = new Uint8Array(16 * 1024);
    for (let i = 0; i < 1000; i++) nc.publish("rc.q.hdr", data, { headers: h }); // 16 MB
    const d = await killAndWait(first, log);
    const second = await startServer(t, { listen: first.hostport, no_header_support: true });
    const r = await log.waitFor("reconnect", 5000, d);
    await assertHeadersErrorBefore(log, d, r);
    await assertUpWithoutWhatWaited(nc, log, second, "rc.q", got);
  });
});

describe("max_payload while reconnecting", () => {
  it("a message over the last server's max_payload is refused at publish(), not buffered for a server that would drop the connection on it", async (t) => {
    const srv = await startServer(t, { max_payload: 1024 });
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.big", (m) => m.data.length);
    assert.equal(nc.info?.max_payload, 1024);

    const d = await killAndWait(srv, log);
    await eventually(() => nc.info === undefined, 3000, "a dial, which clears the INFO");
    const isTooBig = (err: unknown): boolean => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.equal(err.code, ErrorCode.MaxPayloadExceeded);
      return true;
    };
    assert.throws(() => nc.publish("rc.big", new Uint8Array(1025)), isTooBig);
    const h = headers();
    h.set("X-Pad", "x".repeat(100));
    assert.throws(() => nc.publish("rc.big", new Uint8Array(1000), { headers: h }), isTooBig, "headers count toward the limit");
    nc.publish("rc.big", new Uint8Array(1024)); // at the limit: buffered
    await restartAndWait(srv, log, d);

    await within(nc.flush(), 5000, "flush after the reconnect");
    await eventually(() => got.length >= 1, 3000, "the message at the limit");
    assert.deepEqual(got, [1024], "only the message at the limit was sent");
    assert.equal(log.count("disconnect"), 1, `the server never dropped the connection: ${log.types().join(",")}`);
    assert.doesNotMatch(srv.output, /Maximum Payload/i);
  });
});

describe("giving up", () => {
  it("maxReconnectAttempts: 3 closes after 3 attempts with an Error in closed()", async (t) => {
    const srv = await startServer(t);
    const nc = await connect({ servers: srv.url, maxReconnectAttempts: 3, reconnectTimeWait: 100, reconnectJitter: 0 });
    t.after(() => nc.close());
    const log = new StatusLog(nc);
    const start = Date.now();
    await srv.kill();
    const err = await within(nc.closed(), 5000, "closed()");
    const elapsed = Date.now() - start;
    assert.ok(err instanceof ConnectionError, `closed() gives a ConnectionError (got ${err})`);
    assert.equal(log.count("reconnecting"), 3, log.types().join(","));
    assert.equal(log.count("reconnect"), 0);
    assert.ok(elapsed >= 180, `3 attempts 100 ms apart take >= 200 ms (took ${elapsed})`);
    assert.equal(nc.isClosed(), true);
    await eventually(() => log.types().at(-1) === "close", 1000, "close status");
  });

  it("reconnect: false closes on disconnect with the cause in closed()", async (t) => {
    const srv = await startServer(t);
    const nc = await connect({ servers: srv.url, reconnect: false });
    t.after(() => nc.close());
    const log = new StatusLog(nc);
    await srv.kill();
    const err = await within(nc.closed(), 3000, "closed()");
    assert.ok(err instanceof Error, `closed() gives an Error (got ${err})`);
    assert.equal(nc.isClosed(), true);
    await eventually(() => log.types().includes("close"), 1000, "close status");
    assert.deepEqual(log.types().filter((ty) => ty !== "ping"), ["disconnect", "close"]);
    assert.throws(() => nc.publish("x", "y"));
  });

  it("a server -ERR that closes the connection leads to a reconnect", async (t) => {
    const srv = await startServer(t, { max_control_line: 256 });
    const nc = await connectFor(t, { servers: srv.url, ...FAST });
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.err", (m) => m.string());

    nc.publish("rc." + "x".repeat(400), "too long a control line");
    const e = await log.waitFor("error", 3000);
    const err = (log.events[e] as { error: Error }).error;
    assert.match(err.message, /maximum control line/i);
    const d = await log.waitFor("disconnect", 3000, e);
    await log.waitFor("reconnect", 3000, d);
    assert.equal(nc.isClosed(), false);
    nc.publish("rc.err", "ok");
    await nc.flush();
    assert.deepEqual(got, ["ok"]);
  });

  it("with reconnect: false the server's -ERR is the close reason", async (t) => {
    const srv = await startServer(t, { max_control_line: 256 });
    const nc = await connect({ servers: srv.url, reconnect: false });
    t.after(() => nc.close());
    nc.publish("rc." + "x".repeat(400), "too long a control line");
    const err = await within(nc.closed(), 3000, "closed()");
    assert.ok(err instanceof Error, `closed() gives an Error (got ${err})`);
    assert.match(err.message, /maximum control line/i);
  });
});

describe("authorization errors on reconnect", () => {
  it("two authorization errors in a row from a server remove it, and the connection closes", async (t) => {
    const srv = await startServer(t, { authorization: { token: "good" } });
    let token = "good";
    const nc = await connect({ servers: srv.url, ...FAST, authenticator: () => ({ auth_token: token }) });
    t.after(() => nc.close());
    const log = new StatusLog(nc);
    token = "bad";
    await nc.reconnect();
    const err = await within(nc.closed(), 5000, "closed() (attempts with maxReconnectAttempts: -1 would never end otherwise)");
    assert.ok(err instanceof AuthorizationError, `closed with an AuthorizationError (got ${err})`);
    assert.equal(log.count("reconnecting"), 2, log.types().join(","));
  });

  it("with a peer that is down in the pool: closed() gives the AuthorizationError, not the peer's connection refused", async (t) => {
    const srv = await startServer(t, { authorization: { token: "good" } });
    const down = `127.0.0.1:${await freePort()}`;
    let token = "good";
    const nc = await connect({ servers: [srv.url, down], noRandomize: true, ...FAST, maxReconnectAttempts: 5, authenticator: () => ({ auth_token: token }) });
    t.after(() => nc.close());
    token = "bad";
    await nc.reconnect();
    const err = await within(nc.closed(), 5000, "closed()");
    assert.ok(err instanceof AuthorizationError, `closed with an AuthorizationError (got ${err})`);
  });

  it("ignoreAuthErrorAbort keeps trying after authorization errors", async (t) => {
    const srv = await startServer(t, { authorization: { token: "good" } });
    let token = "good";
    const nc = await connectFor(t, { servers: srv.url, ...FAST, ignoreAuthErrorAbort: true, authenticator: () => ({ auth_token: token }) });
    const log = new StatusLog(nc);
    token = "bad";
    await nc.reconnect();
    await eventually(() => log.count("reconnecting") >= 4, 3000, "several failed attempts");
    assert.equal(nc.isClosed(), false);
    token = "good";
    await log.waitFor("reconnect", 3000);
    await nc.flush();
  });
});

describe("first connect", () => {
  it("waitOnFirstConnect: a server refusing the credentials twice and a peer that is down reject connect() with the AuthorizationError", async (t) => {
    const srv = await startServer(t, { authorization: { token: "good" } });
    const down = `127.0.0.1:${await freePort()}`;
    const pending = connect({ servers: [srv.url, down], waitOnFirstConnect: true, ...FAST, token: "bad" });
    const err = await within(pending.then((nc) => nc.close(), (e: unknown) => e), 5000, "connect()");
    assert.ok(err instanceof AuthorizationError, `rejected with an AuthorizationError (got ${err})`);
  });

  it("waitOnFirstConnect keeps trying until the server starts, past maxReconnectAttempts (which counts from a first connection, as 3.4)", async (t) => {
    const port = await freePort();
    const start = Date.now();
    const pending = connect({ servers: `127.0.0.1:${port}`, waitOnFirstConnect: true, ...FAST, maxReconnectAttempts: 2 });
    let settled = false;
    pending.then(() => { settled = true; }, () => { settled = true; });
    // deliberate: time passes (many more attempts than maxReconnectAttempts) to show that connect() does not give up
    await sleep(500);
    assert.equal(settled, false, "still trying while nothing listens");
    const srv = await startServer(t, { listen: `127.0.0.1:${port}` });
    const nc = await within(pending, 5000, "connect()");
    t.after(() => nc.close());
    assert.ok(Date.now() - start >= 500);
    assert.equal(nc.getServer(), srv.hostport);
    const sub = nc.subscribe("rc.first", { max: 1 });
    nc.publish("rc.first", "hi");
    for await (const m of sub) assert.equal(m.string(), "hi");
    assert.equal(sub.getReceived(), 1);
  });

  it("a hostname is resolved on each dial; noResolve leaves it to the transport", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: `localhost:${srv.port}`, ...FAST });
    assert.equal(nc.getServer(), `localhost:${srv.port}`);
    const log = new StatusLog(nc);
    const d = await killAndWait(srv, log);
    await restartAndWait(srv, log, d);
    await nc.flush();
    const nc2 = await connectFor(t, { servers: `localhost:${srv.port}`, noResolve: true });
    await nc2.flush();
    await assert.rejects(connect({ servers: "no-such-host.invalid:4222" }), ConnectionError);
  });

  it("without waitOnFirstConnect a missing server rejects at once", async () => {
    const port = await freePort();
    const start = Date.now();
    await assert.rejects(connect({ servers: `127.0.0.1:${port}`, ...FAST }), ConnectionError);
    assert.ok(Date.now() - start < 1000);
  });

});

describe("nc.reconnect()", () => {
  it("emits forceReconnect, disconnect, reconnect, and everything still works", async (t) => {
    const srv = await startServer(t);
    const nc = await connectFor(t, { servers: srv.url, ...FAST, name: "forced" });
    const log = new StatusLog(nc);
    const got: string[] = [];
    nc.subscribe("rc.force", { callback: (_err, m) => got.push(m.string()) });
    nc.subscribe("rc.force.svc", { callback: (_err, m) => { m.respond("pong"); } });
    await nc.flush();
    const cid = nc.info?.client_id;

    await nc.reconnect();
    const r = await log.waitFor("reconnect", 3000);
    const seq = log.types().slice(0, r + 1).filter((ty) => ty !== "reconnecting" && ty !== "ping");
    assert.deepEqual(seq, ["forceReconnect", "disconnect", "reconnect"]);
    assert.notEqual(nc.info?.client_id, cid, "a new connection");

    const nc2 = await connectFor(t, { servers: srv.url });
    nc2.publish("rc.force", "after");
    await nc2.flush();
    await nc.flush();
    assert.deepEqual(got, ["after"]);
    assert.equal((await within(nc.request("rc.force.svc", "", { timeout: 2000 }), 3000, "request")).string(), "pong");
    await eventually(async () => {
      const connz = await srv.connz();
      return (connz.connections as { name?: string }[]).filter((c) => c.name === "forced").length === 1;
    }, 2000, "the old connection is gone from the server");
  });
});

describe("dial options", () => {
  it("reconnectDelayHandler is called and its delay honoured", async (t) => {
    const srv = await startServer(t);
    let calls = 0;
    const nc = await connectFor(t, {
      servers: srv.url,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => {
        calls++;
        return 300;
      },
    });
    const log = new StatusLog(nc);
    calls = 0;
    await killAndWait(srv, log);
    const attemptTimes = () => log.times.filter((_, i) => log.events[i].type === "reconnecting");
    // a load-delayed timer only spaces attempts further apart; a delay not honoured packs them closer
    await eventually(() => attemptTimes().length >= 4, 10_000, () => `4 reconnect attempts (have ${attemptTimes().length})`);
    const attempts = attemptTimes();
    assert.ok(calls > 0, "the handler was called");
    for (let i = 1; i < attempts.length; i++) {
      assert.ok(attempts[i] - attempts[i - 1] >= 250, `attempts 300 ms apart: ${attempts.map((a) => a - attempts[0]).join(",")}`);
    }
    await restartAndWait(srv, log);
  });

  it("reconnectToServer picks the server, on the first connect and on reconnects", async (t) => {
    const a = await startServer(t);
    const b = await startServer(t);
    let target = b.hostport;
    const calls: { pool: ReadonlyArray<Server>; info: ServerInfo | null }[] = [];
    const nc = await connectFor(t, {
      servers: [a.url, b.url],
      noRandomize: true,
      ...FAST,
      reconnectToServer: (pool, info) => {
        calls.push({ pool, info });
        return pool.find((s) => s.listen === target) ?? null;
      },
    });
    assert.equal(nc.getServer(), b.hostport, "the handler overrode the default (a)");
    assert.equal(calls[0].info, null, "no INFO before the first connection");
    assert.equal(calls[0].pool[0].listen, a.hostport, "the default choice comes first");
    assert.ok(!Object.isFrozen(calls[0].pool) && Object.isFrozen(calls[0].pool[0]), "a plain array of frozen servers, as 3.4's");

    const log = new StatusLog(nc);
    target = a.hostport;
    await nc.reconnect();
    const r = await log.waitFor("reconnect", 3000);
    assert.deepEqual(log.events[r], { type: "reconnect", server: a.hostport });
    assert.equal(calls.at(-1)!.info?.port, b.port, "the handler saw the last INFO");
    nc.publish("rc.rts", "x");
    await nc.flush();
  });

  it("reconnectToServer may add a delay", async (t) => {
    const srv = await startServer(t);
    const start = Date.now();
    const nc = await connectFor(t, {
      servers: srv.url,
      ...FAST,
      reconnectToServer: (pool) => ({ server: pool[0], delay: 400 }),
    });
    assert.ok(Date.now() - start >= 350, `connect waited the handler's delay (${Date.now() - start} ms)`);
    await nc.flush();
  });

  it("a throwing reconnectToServer rejects connect() with a ConnectionError", async (t) => {
    const srv = await startServer(t);
    await assert.rejects(
      connect({
        servers: srv.url,
        reconnectToServer: () => {
          throw new Error("boom");
        },
      }),
      (err: Error) => {
        assert.ok(err instanceof ConnectionError, String(err));
        assert.match(err.message, /reconnectToServer handler failed.*boom/);
        return true;
      },
    );
  });

  it("a reconnectToServer that throws on reconnect closes with a ConnectionError", async (t) => {
    const srv = await startServer(t);
    let armed = false;
    const nc = await connect({
      servers: srv.url,
      ...FAST,
      reconnectToServer: () => {
        if (armed) throw new Error("no more");
        return null;
      },
    });
    t.after(() => nc.close());
    armed = true;
    await nc.reconnect();
    const err = await within(nc.closed(), 3000, "closed()");
    assert.ok(err instanceof ConnectionError, `got ${err}`);
    assert.match(err.message, /reconnectToServer handler failed.*no more/);
  });

  it("a handler returning a server not in the pool fails the connect", async (t) => {
    const srv = await startServer(t);
    const stranger: Server = {
      hostname: "127.0.0.1", port: 1, listen: "127.0.0.1:1", src: "127.0.0.1:1",
      tlsName: "", reconnects: 0, lastConnect: 0, gossiped: false, didConnect: false,
    };
    await assert.rejects(connect({ servers: srv.url, reconnectToServer: () => stranger }), ConnectionError);
  });
});

describe("stale connections", () => {
  it("a paused server makes the connection stale, and the client moves to the next server", async (t) => {
    const a = await startServer(t);
    const b = await startServer(t);
    const nc = await connectFor(t, {
      servers: [a.url, b.url],
      noRandomize: true,
      ...FAST,
      timeout: 1000,
      pingInterval: 100,
      maxPingOut: 2,
    });
    assert.equal(nc.getServer(), a.hostport);
    const log = new StatusLog(nc);
    const got = await collect(nc, "rc.stale", (m) => m.string());

    await a.pause();
    try {
      const s = await log.waitFor("staleConnection", 3000);
      assert.ok(log.types().slice(0, s).includes("ping"), "pings were sent first");
      const r = await log.waitFor("reconnect", 5000, s);
      assert.deepEqual(log.events[r], { type: "reconnect", server: b.hostport });
      const stale = log.times[s];
      const firstPing = log.times[log.types().indexOf("ping")];
      assert.ok(stale - firstPing < 1000, "stale within a few ping intervals");
    } finally {
      a.resume();
    }
    const nc2 = await connectFor(t, { servers: b.url });
    nc2.publish("rc.stale", "on b");
    await nc2.flush();
    await nc.flush();
    assert.deepEqual(got, ["on b"]);
  });

  it("given only a seed, a paused seed is tried after the servers the cluster gossiped (nats.go's order): no connect timeout lost on it", async (t) => {
    const [A, B, C] = await startCluster(3);
    t.after(() => stopAll([A, B, C]));
    // were the paused seed dialled first, the dial would hang for `timeout` (10 s) before the next
    const nc = await connectFor(t, { servers: A.url, ...FAST, timeout: 10_000, pingInterval: 100, maxPingOut: 2 });
    await eventually(() => nc.getServers().length === 3, 5000, "the cluster's servers gossiped");
    assert.equal(nc.getServer(), A.hostport);
    const log = new StatusLog(nc);
    await A.pause();
    try {
      const s = await log.waitFor("staleConnection", 3000);
      const r = await log.waitFor("reconnect", 6000, s);
      assert.notEqual((log.events[r] as { server: string }).server, A.hostport);
      assert.ok(log.times[r] - log.times[s] < 6000, `moved in ${log.times[r] - log.times[s]} ms`);
    } finally {
      A.resume();
    }
    await nc.flush();
  });

  it("inbound traffic counts as liveness: PINGs answered only by traffic never make the connection stale; silence does", async (t) => {
    // A server whose PONGs never come while other traffic does (a PONG stuck
    // behind a burst, made deterministic): the rogue server answers every
    // client PING with a MSG instead of a PONG. Without liveness from inbound
    // traffic, maxPingOut unanswered PINGs would make the connection stale at
    // the third tick. Each tick waits for a reply to the previous PING only,
    // and maxPingOut 2 tolerates one tick that runs before the reply is read
    // (a stalled event loop runs timers before I/O), so load cannot fake it.
    let answering = true;
    const rogue = await RogueServer.start({
      answerPings: false,
      scenario: async (c) => {
        const sid = await c.sidOf("rc.live", 5000);
        let answered = c.frames.findIndex((f) => f.op === "PING"); // the handshake's, answered with PONG
        for (let k = 0; k < 10_000 && answering && !c.isClosed; k++) {
          const ping = await c.waitFrame((f) => f.op === "PING" && c.frames.indexOf(f) > answered, 10_000, "a client PING");
          answered = c.frames.indexOf(ping);
          if (answering) c.send(`MSG rc.live ${sid} 4\r\nbusy\r\n`);
        }
      },
    });
    t.after(() => rogue.stop());
    const nc = await connectFor(t, { servers: rogue.url, reconnect: false, pingInterval: 200, maxPingOut: 2 });
    const log = new StatusLog(nc);
    let got = 0;
    nc.subscribe("rc.live", { callback: () => got++ });
    const pings = () => rogue.connections[0].frames.filter((f) => f.op === "PING").length - 1;
    // 6 ticks, none answered by a PONG: 3 times what maxPingOut allows
    await eventually(() => pings() >= 6 || nc.isClosed(), 10_000, () => `6 client PINGs (have ${pings()})`);
    assert.equal(nc.isClosed(), false, `closed: ${log.types().join(",")}`);
    assert.equal(log.count("staleConnection"), 0, log.types().join(","));
    assert.ok(got >= 5, `the traffic that answered the PINGs was delivered (${got})`);

    // the control: once nothing comes back, the same heartbeat declares it stale
    answering = false;
    const why = await within(nc.closed(), 5000, "closed() after the traffic stopped");
    assert.ok(why instanceof ConnectionError && why.code === ErrorCode.StaleConnection, `closed with ${why}`);
    assert.equal(log.count("staleConnection"), 1);
  });
});

describe("no loss across restarts", () => {
  it("a publisher on a node killed and restarted 3 times loses, duplicates and reorders nothing", async (t) => {
    const [A, B] = await startCluster(2);
    t.after(() => stopAll([A, B]));
    const subject = "rc.noloss";
    const TOTAL = 2000;

    const sc = await connectFor(t, { servers: B.url, ignoreClusterUpdates: true, ...FAST });
    const got: number[] = [];
    sc.subscribe(subject, { callback: (_err, m) => got.push(Number(m.string())) });
    let ended = false;
    sc.subscribe(`${subject}.end`, { callback: () => (ended = true) });
    await sc.flush();

    // A must know B's interest before anything is published on A, also after each
    // restart; until then the publisher is steered to a dead address by the
    // reconnectToServer handler, so its buffer is not flushed into a node that
    // would drop it for lack of routes.
    const dead = `127.0.0.1:${await freePort()}`;
    let gateOpen = true;
    const pc = await connectFor(t, {
      servers: [A.url, dead],
      noRandomize: true,
      ignoreClusterUpdates: true,
      ...FAST,
      reconnectToServer: (pool) => {
        const to = pool.find((s) => s.listen === (gateOpen ? A.hostport : dead));
        return gateOpen ? to ?? null : { server: to!, delay: 20 };
      },
    });
    assert.equal(pc.getServer(), A.hostport);
    const log = new StatusLog(pc);

    const interestOnA = async (): Promise<boolean> => {
      const rz = await A.monitor("routez", { subs: 1 });
      return (rz.routes as { subscriptions_list?: string[] }[] ?? [])
        .some((r) => [subject, `${subject}.end`].every((x) => (r.subscriptions_list ?? []).includes(x)));
    };
    await eventually(interestOnA, 5000, "B's interest on A");

    let published = 0;
    let whileDown = 0;
    let down = false;
    let outage: Promise<void> = Promise.resolve();
    const killPoints = new Set([300, 900, 1500]);

    for (; published < TOTAL; published++) {
      if (killPoints.has(published)) {
        await within(outage, 10_000, "previous outage over");
        // what was written before the crash must have left A (core NATS is at most
        // once: bytes in a crashing server's socket are lost by any client)
        await pc.flush();
        const sent = published;
        await eventually(() => got.length >= sent, 5000, () => `the ${sent} messages published so far at B (have ${got.length})`);
        gateOpen = false;
        const from = log.events.length;
        await A.kill();
        await log.waitFor("disconnect", 3000, from);
        down = true;
        outage = (async () => {
          await sleep(100); // publish for a while with nowhere to go
          await A.restart();
          await waitForRoutes([A, B]);
          await eventually(interestOnA, 5000, "B's interest on A after the restart");
          gateOpen = true;
          await log.waitFor("reconnect", 5000, from);
          down = false;
        })();
      }
      pc.publish(subject, String(published));
      if (down) whileDown++;
      if (published % 4 === 0) await sleep(1);
    }
    await within(outage, 10_000, "last outage over");
    await pc.flush();
    await eventually(() => got.length >= TOTAL, 5000, `all ${TOTAL} messages (have ${got.length})`);
    // a duplicate still on its way would come before a marker sent after it (one route, in order)
    pc.publish(`${subject}.end`, "end");
    await eventually(() => ended, 5000, "the end marker at B");

    assert.equal(log.count("reconnect"), 3);
    assert.ok(whileDown >= 50, `many messages were published while disconnected (${whileDown})`);
    assert.equal(got.length, TOTAL, "no duplicates");
    for (let i = 0; i < TOTAL; i++) {
      if (got[i] !== i) assert.fail(`message ${i}: got ${got[i]} (around: ${got.slice(Math.max(0, i - 3), i + 3).join(",")})`);
    }
  });
});
