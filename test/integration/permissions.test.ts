// Permission violations (-ERR 'Permissions Violation for ...'): routed to the
// subscription or request they concern, reported on status(), and the
// connection stays up. Against a real nats-server with per-user permissions.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  createInbox,
  type Msg,
  type NatsConnection,
  PermissionViolationError,
  RequestError,
  type Status,
  TimeoutError,
} from "@quicknats/node";
import type { NatsConnectionImpl } from "@quicknats/core/internal";
import { NatsServer } from "../helpers/nats-server.js";
import { connectForFile } from "../helpers/connections.js";
import { StatusLog } from "../helpers/status.js";
import { rejection, within } from "../helpers/wait.js";

let srv: NatsServer;
/** Every connection made here; closed at the end (before the server stops) even if a test failed half-way. */
const connect = connectForFile();

before(async () => {
  srv = await NatsServer.start({
    authorization: {
      users: [
        {
          user: "a",
          password: "a",
          permissions: {
            publish: { deny: ["denied.>"] },
            subscribe: { deny: ["nosub.>", "q.> badq"] },
          },
        },
        // unrestricted: observers and responders
        { user: "b", password: "b" },
        // may not receive on the default inbox prefix
        { user: "c", password: "c", permissions: { subscribe: { deny: ["_INBOX.>"] } } },
        // an allow list where only a queue group may subscribe to qa.>
        { user: "qa", password: "qa", permissions: { subscribe: { allow: ["ok.>", "_INBOX.>", "qa.> goodq"] } } },
      ],
    },
  });
});
after(() => srv.stop());

function conn(user: string, opts: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: srv.hostport, user, pass: user, ...opts });
}

function counts(nc: NatsConnection): { subscriptions: number; requests: number } {
  return (nc as unknown as NatsConnectionImpl)._counts();
}

function isPermError(op: "publish" | "subscription", subject: string, queue?: string) {
  return (s: Status): boolean => {
    if (s.type !== "error") return false;
    const e = (s as { error?: unknown }).error;
    return e instanceof PermissionViolationError && e.operation === op && e.subject === subject && e.queue === queue;
  };
}

function assertPerm(err: unknown, op: "publish" | "subscription", subject: string, queue?: string): void {
  assert.ok(err instanceof PermissionViolationError, `not a PermissionViolationError: ${err}`);
  assert.equal(err.operation, op);
  assert.equal(err.subject, subject);
  assert.equal(err.queue, queue);
  assert.equal(err.name, "PermissionViolationError");
  assert.equal((err as unknown as { code: string }).code, "NATS_PERMISSION_VIOLATION");
  const kind = op === "publish" ? "Publish" : "Subscription";
  assert.match(err.message, new RegExp(`Permissions Violation for ${kind} to "${subject.replace(/[.*>]/g, "\\$&")}"`, "i"));
}

/** The connection is still up: a round trip through the server works. */
async function assertUsable(nc: NatsConnection, name: string): Promise<void> {
  assert.equal(nc.isClosed(), false, `${name}: closed`);
  const subject = `ok.${createInbox("alive")}`;
  const sub = nc.subscribe(subject, { max: 1 });
  await nc.flush();
  nc.publish(subject, "ping");
  let got = "";
  await within(
    (async () => {
      for await (const m of sub) got = m.string();
    })(),
    2000,
    `${name}: round trip`,
  );
  assert.equal(got, "ping");
  // deliberate: a short bounded look for a closed() that must not resolve
  const closed = await Promise.race([nc.closed().then(() => "closed"), new Promise((r) => setTimeout(r, 20, "open"))]);
  assert.equal(closed, "open", `${name}: closed() resolved`);
}

describe("subscription permission violations", () => {
  it("closes the subscription: closed resolves to the error, the iterator throws it", async () => {
    const nc = await conn("a");
    const st = new StatusLog(nc);
    const sub = nc.subscribe("nosub.x");
    let thrown: unknown;
    let yielded = 0;
    await within(
      (async () => {
        try {
          for await (const _m of sub) yielded++;
        } catch (err) {
          thrown = err;
        }
      })(),
      3000,
      "iterator",
    );
    assert.equal(yielded, 0);
    assertPerm(thrown, "subscription", "nosub.x");
    const closedWith = await within(sub.closed, 2000, "sub.closed");
    assertPerm(closedWith, "subscription", "nosub.x");
    assert.equal(sub.isClosed(), true);
    await st.waitForMatch(isPermError("subscription", "nosub.x"), 3000);
    await assertUsable(nc, "after sub violation");
    assert.equal(counts(nc).subscriptions, 0, "only the violated sub existed, and it is gone");
    await nc.close();
  });

  it("closed resolves to the error for a subscription that is never iterated", async () => {
    const nc = await conn("a");
    const sub = nc.subscribe("nosub.never.iterated");
    const closedWith = await within(sub.closed, 3000, "sub.closed");
    assertPerm(closedWith, "subscription", "nosub.never.iterated");
    await nc.close();
  });

  it("a callback subscription gets the error once, then closes", async () => {
    const nc = await conn("a");
    const calls: Array<{ err: Error | null; msg: Msg | undefined }> = [];
    const sub = nc.subscribe("nosub.cb", { callback: (err, msg) => void calls.push({ err, msg }) });
    const closedWith = await within(sub.closed, 3000, "sub.closed");
    assert.equal(calls.length, 1, "callback called exactly once");
    assertPerm(calls[0].err, "subscription", "nosub.cb");
    assertPerm(closedWith, "subscription", "nosub.cb");
    await assertUsable(nc, "after callback violation");
    assert.equal(calls.length, 1);
    await nc.close();
  });

  it("only the refused subscription closes; others on the connection keep receiving", async () => {
    const nc = await conn("a", { name: "perm-others" });
    const pub = await conn("b");
    const okSub = nc.subscribe("ok.keep");
    const bad = nc.subscribe("nosub.y");
    assertPerm(await within(bad.closed, 3000, "bad.closed"), "subscription", "nosub.y");
    assert.equal(okSub.isClosed(), false);
    pub.publish("ok.keep", "still here");
    await pub.flush();
    let got = "";
    await within(
      (async () => {
        for await (const m of okSub) {
          got = m.string();
          break;
        }
      })(),
      2000,
      "ok subscription",
    );
    assert.equal(got, "still here");
    await nc.close();
    await pub.close();
  });

  it("queue group permissions: only the refused queue subscription closes", async () => {
    const nc = await conn("a");
    const pub = await conn("b");
    const st = new StatusLog(nc);
    const good = nc.subscribe("q.x", { queue: "goodq" });
    const bad = nc.subscribe("q.x", { queue: "badq" });
    const plain = nc.subscribe("q.x");
    const err = await within(bad.closed, 3000, "badq closed");
    assertPerm(err, "subscription", "q.x", "badq");
    await st.waitForMatch(isPermError("subscription", "q.x", "badq"), 3000);
    await nc.flush();
    assert.equal(good.isClosed(), false, "goodq subscription closed by badq's error");
    assert.equal(plain.isClosed(), false, "plain subscription closed by badq's error");
    pub.publish("q.x", "m");
    await pub.flush();
    const first = async (s: typeof good) => {
      for await (const m of s) return m.string();
      return "";
    };
    assert.equal(await within(first(good), 2000, "goodq"), "m");
    assert.equal(await within(first(plain), 2000, "plain"), "m");
    await nc.close();
    await pub.close();
  });

  it("a refused plain subscription does not close an allowed queue subscription on the same subject", async () => {
    // user qa may subscribe to qa.> only in queue group goodq
    const nc = await conn("qa");
    const pub = await conn("b");
    const good = nc.subscribe("qa.x", { queue: "goodq" });
    const plain = nc.subscribe("qa.x");
    assertPerm(await within(plain.closed, 3000, "plain closed"), "subscription", "qa.x");
    await nc.flush();
    assert.equal(good.isClosed(), false, "the allowed goodq subscription was closed by the plain sub's error");
    pub.publish("qa.x", "to-goodq");
    await pub.flush();
    let got = "";
    await within(
      (async () => {
        for await (const m of good) {
          got = m.string();
          break;
        }
      })(),
      2000,
      "goodq receives",
    );
    assert.equal(got, "to-goodq");
    await nc.close();
    await pub.close();
  });
});

describe("publish permission violations", () => {
  it("publish to a denied subject: error status, nothing delivered, connection stays up", async () => {
    const nc = await conn("a", { name: "perm-pub" });
    const obs = await conn("b");
    const seen: string[] = [];
    obs.subscribe("denied.>", { callback: (_e, m) => void seen.push(m.subject) });
    await obs.flush();
    const st = new StatusLog(nc);
    assert.doesNotThrow(() => nc.publish("denied.x", "nope"));
    const s = await st.waitForMatch(isPermError("publish", "denied.x"), 3000);
    assertPerm((s as { error: Error }).error, "publish", "denied.x");
    await assertUsable(nc, "after publish violation");
    await obs.flush();
    assert.deepEqual(seen, [], "the denied message reached a subscriber");
    const cz = await srv.connz();
    assert.ok((cz.connections as any[]).some((c) => c.name === "perm-pub"), "server dropped the connection");
    await nc.close();
    await obs.close();
  });
});

describe("request permission violations", () => {
  for (const noMux of [false, true]) {
    const tag = noMux ? " (noMux)" : "";

    it(`request to a denied subject rejects with RequestError caused by PermissionViolationError${tag}`, async () => {
      const nc = await conn("a");
      const rc = await conn("b");
      let reached = 0;
      rc.subscribe("denied.>", {
        callback: (_e, m) => {
          reached++;
          m.respond("should not happen");
        },
      });
      await rc.flush();
      const start = performance.now();
      const err = await rejection(nc.request("denied.x", "q", { timeout: 5000, noMux }), 6000);
      assert.ok(performance.now() - start < 2000, "rejected by the error, not the timeout");
      assert.ok(err instanceof RequestError, `${err}`);
      assert.ok(!(err instanceof TimeoutError), "a timeout, not the permission error");
      assertPerm(err.cause, "publish", "denied.x");
      assert.equal(err.isNoResponders(), false);
      await rc.flush();
      assert.equal(reached, 0);
      assert.equal(counts(nc).requests, 0);
      await nc.flush();
      assert.equal(counts(nc).subscriptions, noMux ? 0 : 1);
      await assertUsable(nc, "after request violation");
      await nc.close();
      await rc.close();
    });

    it(`a refused request does not fail other requests in flight${tag}`, async () => {
      const nc = await conn("a");
      const rc = await conn("b");
      rc.subscribe("ok.slow", {
        callback: (_e, m) => {
          setTimeout(() => {
            if (!rc.isClosed()) m.respond("slow-ok");
          }, 200);
        },
      });
      await rc.flush();
      const good = nc.request("ok.slow", "q", { timeout: 5000, noMux });
      const bad = nc.request("denied.z", "q", { timeout: 5000, noMux });
      const err = await rejection(bad, 6000);
      assert.ok(err instanceof RequestError);
      assertPerm(err.cause, "publish", "denied.z");
      assert.equal((await within(good, 3000, "good request")).string(), "slow-ok");
      await nc.close();
      await rc.close();
    });

    it(`requestMany to a denied subject: the iterator throws the permission error${tag}`, async () => {
      const nc = await conn("a");
      const start = performance.now();
      const iter = await nc.requestMany("denied.many", "q", { strategy: "timer", maxWait: 5000, noMux });
      let thrown: unknown;
      let n = 0;
      await within(
        (async () => {
          try {
            for await (const _m of iter) n++;
          } catch (err) {
            thrown = err;
          }
        })(),
        6000,
        "requestMany iterator",
      );
      assert.ok(performance.now() - start < 2000, "ended by the error, not by maxWait");
      assert.equal(n, 0);
      // the PermissionViolationError itself, as 3.4 throws it (not inside a RequestError)
      assert.ok(!(thrown instanceof RequestError), `a RequestError: ${thrown}`);
      assertPerm(thrown, "publish", "denied.many");
      assert.equal(counts(nc).requests, 0);
      await nc.close();
    });

    it(`a refused reply inbox fails the request with the subscription violation${tag}`, async () => {
      // user c may not subscribe to _INBOX.>
      const nc = await conn("c");
      const rc = await conn("b");
      rc.subscribe("ok.inbox", { callback: (_e, m) => void m.respond("r") });
      await rc.flush();
      for (let round = 0; round < 2; round++) {
        const start = performance.now();
        const err = await rejection(nc.request("ok.inbox", "q", { timeout: 5000, noMux }), 6000);
        assert.ok(performance.now() - start < 2000, `round ${round}: rejected by the error, not the timeout`);
        assert.ok(err instanceof RequestError, `round ${round}: ${err}`);
        const cause = err.cause;
        assert.ok(cause instanceof PermissionViolationError, `round ${round}: cause ${cause}`);
        assert.equal(cause.operation, "subscription");
        assert.match(cause.subject, /^_INBOX\./);
        assert.equal(counts(nc).requests, 0);
      }
      await assertUsable(nc, "after inbox violation");
      await nc.close();
      // an allowed inboxPrefix works
      const nc2 = await conn("c", { inboxPrefix: "ok.replies" });
      assert.equal((await nc2.request("ok.inbox", "q", { timeout: 3000, noMux })).string(), "r");
      await nc2.close();
      await rc.close();
    });
  }
});
