// Publish and subscribe against a real nats-server: payloads, wildcards, queue
// groups, auto-unsubscribe, timeouts, iterators and callbacks, counters,
// ordering, and the Msg API (respond, json, string, reply, sid).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  connect,
  Empty,
  ErrorCode,
  headers,
  InvalidArgumentError,
  InvalidOperationError,
  TimeoutError,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { serverWithConnections } from "../helpers/connections.js";
import { eventually, sleep, within } from "../helpers/wait.js";

const te = new TextEncoder();

/** A callback subscription that records every message. */
function recorder(nc: NatsConnection, subject: string, opts: { queue?: string; max?: number } = {}): { sub: Subscription; msgs: Msg[] } {
  const msgs: Msg[] = [];
  const sub = nc.subscribe(subject, {
    ...opts,
    callback: (err, m) => {
      assert.equal(err, null);
      msgs.push(m);
    },
  });
  return { sub, msgs };
}

/** The subjects this client has subscribed on the server (connz). */
async function serverSubs(srv: NatsServer, nc: NatsConnection): Promise<string[]> {
  const cid = nc.info?.client_id;
  assert.ok(cid !== undefined, "connection has no client_id");
  const cz = await srv.connz({ cid, subs: true });
  assert.equal(cz.connections.length, 1, `connz has no connection ${cid}`);
  return (cz.connections[0].subscriptions_list ?? []) as string[];
}

describe("publish and subscribe", () => {
  let srv: NatsServer;
  let nc: NatsConnection; // publisher
  let nc2: NatsConnection; // subscriber

  serverWithConnections({ max_payload: 2097152 }, 2, (s, conns) => void ([srv, nc, nc2] = [s, ...conns]));

  describe("payloads", () => {
    it("delivers string, Uint8Array, empty and omitted payloads exactly", async () => {
      const { msgs } = recorder(nc2, "pay.kinds");
      await nc2.flush();
      const unicode = "héllo wörld 🌍 ✓";
      nc.publish("pay.kinds", "hello");
      nc.publish("pay.kinds", unicode);
      nc.publish("pay.kinds", new Uint8Array([1, 2, 3, 0, 255]));
      nc.publish("pay.kinds", "");
      nc.publish("pay.kinds", new Uint8Array(0));
      nc.publish("pay.kinds", Empty);
      nc.publish("pay.kinds");
      nc.publish("pay.kinds", Buffer.from("buf"));
      await nc.flush();
      await eventually(() => msgs.length >= 8, 3000, "8 messages");
      await nc2.flush();
      assert.equal(msgs.length, 8);
      assert.equal(msgs[0].string(), "hello");
      assert.deepEqual([...msgs[0].data], [...te.encode("hello")]);
      assert.equal(msgs[1].string(), unicode);
      assert.deepEqual([...msgs[1].data], [...te.encode(unicode)]);
      assert.deepEqual([...msgs[2].data], [1, 2, 3, 0, 255]);
      for (const m of msgs.slice(3, 7)) {
        assert.ok(m.data instanceof Uint8Array);
        assert.equal(m.data.length, 0);
        assert.equal(m.string(), "");
        assert.equal(m.headers, undefined);
      }
      assert.equal(msgs[7].string(), "buf");
    });

    it("delivers binary payloads with every byte value and protocol-looking bytes inside", async () => {
      const all = new Uint8Array(256);
      for (let i = 0; i < 256; i++) all[i] = i;
      const tricky = te.encode("\r\nMSG foo 1 5\r\nhello\r\n\r\nPING\r\n+OK\r\n-ERR 'x'\r\nHMSG a 1 2 3\r\n");
      const mixed = new Uint8Array(all.length * 3 + tricky.length);
      mixed.set(all, 0);
      mixed.set(tricky, 256);
      mixed.set(all.slice().reverse(), 256 + tricky.length);
      mixed.set(all, 512 + tricky.length);
      const payloads = [all, tricky, mixed, te.encode("\r\n"), te.encode("MSG "), new Uint8Array([13]), new Uint8Array([10])];

      const { msgs } = recorder(nc2, "pay.bin");
      await nc2.flush();
      for (const p of payloads) nc.publish("pay.bin", p);
      await nc.flush();
      await eventually(() => msgs.length >= payloads.length, 3000, `${payloads.length} messages`);
      assert.equal(msgs.length, payloads.length);
      msgs.forEach((m, i) => {
        assert.equal(Buffer.compare(m.data, payloads[i]), 0, `payload ${i} differs`);
        assert.equal(m.subject, "pay.bin");
      });
      // the connection survived: no protocol confusion
      assert.equal(nc.isClosed(), false);
      assert.equal(nc2.isClosed(), false);
      await nc2.flush();
    });

    it("sends only the bytes of a Uint8Array view, not its whole buffer", async () => {
      const { msgs } = recorder(nc2, "pay.view");
      await nc2.flush();
      const backing = new Uint8Array(100);
      for (let i = 0; i < backing.length; i++) backing[i] = i;
      nc.publish("pay.view", backing.subarray(10, 20));
      nc.publish("pay.view", new Uint8Array(backing.buffer, 95, 5));
      nc.publish("pay.view", backing.subarray(50, 50));
      await nc.flush();
      await eventually(() => msgs.length >= 3, 3000, "3 messages");
      assert.deepEqual([...msgs[0].data], [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      assert.deepEqual([...msgs[1].data], [95, 96, 97, 98, 99]);
      assert.equal(msgs[2].data.length, 0);
    });

    it("delivers many payloads of varied sizes that straddle socket reads", async () => {
      const { msgs } = recorder(nc2, "pay.sizes");
      await nc2.flush();
      const sizes: number[] = [];
      let x = 12345;
      for (let i = 0; i < 200; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        sizes.push(i % 10 === 0 ? 65536 + (x % 7) - 3 : x % 50_000);
      }
      const fill = (i: number, n: number) => {
        const b = new Uint8Array(n);
        for (let j = 0; j < n; j++) b[j] = (i * 31 + j) & 0xff;
        return b;
      };
      sizes.forEach((n, i) => nc.publish("pay.sizes", fill(i, n)));
      await nc.flush();
      await eventually(() => msgs.length >= sizes.length, 10_000, `${sizes.length} messages`);
      sizes.forEach((n, i) => {
        assert.equal(msgs[i].data.length, n, `message ${i} length`);
        assert.equal(Buffer.compare(msgs[i].data, fill(i, n)), 0, `message ${i} content`);
      });
    });

    it("delivers a 1 MiB payload and one of exactly max_payload", async () => {
      assert.equal(nc.info?.max_payload, 2097152);
      const mib = new Uint8Array(1024 * 1024);
      for (let i = 0; i < mib.length; i++) mib[i] = (i * 7 + (i >> 8)) & 0xff;
      const max = new Uint8Array(2097152).fill(0x5a);
      max[0] = 1;
      max[max.length - 1] = 2;
      const { msgs } = recorder(nc2, "pay.big");
      await nc2.flush();
      nc.publish("pay.big", mib);
      nc.publish("pay.big", max);
      nc.publish("pay.big", "after");
      await nc.flush();
      await eventually(() => msgs.length >= 3, 10_000, "3 big messages");
      assert.equal(msgs[0].data.length, mib.length);
      assert.equal(Buffer.compare(msgs[0].data, mib), 0);
      assert.equal(msgs[1].data.length, max.length);
      assert.equal(Buffer.compare(msgs[1].data, max), 0);
      assert.equal(msgs[2].string(), "after");
    });

    it("sends the bytes as they were at publish(), even if the caller reuses the array at once", async () => {
      const { msgs } = recorder(nc2, "pay.reuse");
      await nc2.flush();
      const small = new Uint8Array(64);
      const N = 100;
      for (let i = 0; i < N; i++) {
        small.fill(i);
        nc.publish("pay.reuse", small);
      }
      small.fill(0xee);
      // big enough to be written straight through
      const big = new Uint8Array(256 * 1024).fill(0xab);
      nc.publish("pay.reuse", big);
      big.fill(0xcd);
      await nc.flush();
      await eventually(() => msgs.length >= N + 1, 5000, `${N + 1} messages`);
      for (let i = 0; i < N; i++) {
        assert.equal(msgs[i].data.length, 64);
        assert.ok(msgs[i].data.every((b) => b === i), `message ${i} was modified after publish()`);
      }
      assert.equal(msgs[N].data.length, big.length);
      assert.ok(msgs[N].data.every((b) => b === 0xab), "big payload was modified after publish()");
    });
  });

  describe("max_payload", () => {
    let small: NatsServer;
    before(async () => {
      small = await NatsServer.start({ max_payload: 1024 });
    });
    after(async () => {
      await small?.stop();
    });

    it("throws InvalidArgumentError above the server's max_payload and sends nothing", async () => {
      const pub = await connect({ servers: small.url });
      const sub = await connect({ servers: small.url });
      try {
        assert.equal(pub.info?.max_payload, 1024);
        const { msgs } = recorder(sub, ">");
        await sub.flush();
        const before = (await small.varz()).in_msgs as number;
        const tooBig = (err: unknown): boolean => {
          assert.ok(err instanceof InvalidArgumentError, String(err));
          assert.equal(err.code, ErrorCode.MaxPayloadExceeded);
          return true;
        };

        assert.throws(() => pub.publish("big", new Uint8Array(1025)), tooBig);
        assert.throws(() => pub.publish("big", "x".repeat(1025)), tooBig);
        // UTF-8 length counts, not UTF-16 length: 513 * 2 bytes = 1026
        assert.throws(() => pub.publish("big", "é".repeat(513)), tooBig);
        // headers count toward max_payload
        const h = headers();
        h.set("X-Pad", "p".repeat(600));
        assert.throws(() => pub.publish("big", new Uint8Array(600), { headers: h }), tooBig);
        assert.throws(() => pub.publish("big", new Uint8Array(1025), { reply: "r" }), tooBig);
        await assert.rejects(pub.request("big", new Uint8Array(4096), { timeout: 1000 }), tooBig);

        await pub.flush();
        assert.equal(pub.isClosed(), false);
        // exactly max_payload is fine, and proves the connection still works
        const exact = new Uint8Array(1024).fill(7);
        pub.publish("exact", exact);
        pub.publish("after", "ok");
        await pub.flush();
        await eventually(() => msgs.length >= 2, 3000, "2 messages");
        await sub.flush();
        assert.deepEqual(msgs.map((m) => m.subject), ["exact", "after"]);
        assert.equal(Buffer.compare(msgs[0].data, exact), 0);
        assert.equal(((await small.varz()).in_msgs as number) - before, 2);
        assert.doesNotMatch(small.output, /Maximum Payload|\[ERR\]/);
        assert.equal(pub.isClosed(), false);
      } finally {
        await pub.close();
        await sub.close();
      }
    });
  });

  describe("subjects and wildcards", () => {
    it("'*' matches exactly one token and '>' one or more", async () => {
      const star = recorder(nc2, "wc.*");
      const tail = recorder(nc2, "wc.>");
      const mid = recorder(nc2, "wc.*.c");
      const exact = recorder(nc2, "wc.end");
      await nc2.flush();
      for (const s of ["wc", "wc.a", "wc.a.b", "wc.a.b.c", "wc.b.c", "wcx.a", "wc.end"]) nc.publish(s, s);
      await nc.flush();
      await eventually(() => exact.msgs.length >= 1, 3000, "the last message");
      await nc2.flush();
      const subjects = (msgs: Msg[]) => msgs.map((m) => m.subject);
      assert.deepEqual(subjects(star.msgs), ["wc.a", "wc.end"]);
      assert.deepEqual(subjects(tail.msgs), ["wc.a", "wc.a.b", "wc.a.b.c", "wc.b.c", "wc.end"]);
      assert.deepEqual(subjects(mid.msgs), ["wc.b.c"]);
      assert.deepEqual(subjects(exact.msgs), ["wc.end"]);
      for (const m of tail.msgs) assert.equal(m.string(), m.subject);
    });

    it("two subscriptions on the same subject each get every message", async () => {
      const a = recorder(nc2, "dup.s");
      const b = recorder(nc2, "dup.s");
      const c = recorder(nc, "dup.s"); // and one on the publishing connection
      assert.notEqual(a.sub.getID(), b.sub.getID());
      await nc2.flush();
      await nc.flush();
      for (let i = 0; i < 3; i++) nc.publish("dup.s", `${i}`);
      await nc.flush();
      await eventually(() => a.msgs.length >= 3 && b.msgs.length >= 3, 3000, "3 messages on each");
      await nc2.flush();
      for (const r of [a, b, c]) {
        assert.deepEqual(r.msgs.map((m) => m.string()), ["0", "1", "2"]);
        for (const m of r.msgs) assert.equal(m.sid, r.sub.getID());
      }
    });
  });

  describe("queue groups", () => {
    it("delivers each message to exactly one member, and every member gets some", async () => {
      const members = await Promise.all([0, 1, 2].map(() => connect({ servers: srv.url })));
      try {
        const got = members.map((m) => recorder(m, "qg.work", { queue: "workers" }));
        // a plain subscriber on the same subject still sees everything
        const plain = recorder(nc2, "qg.work");
        await Promise.all([...members, nc2].map((m) => m.flush()));
        const N = 300;
        for (let i = 0; i < N; i++) nc.publish("qg.work", `${i}`);
        await nc.flush();
        const total = () => got.reduce((n, g) => n + g.msgs.length, 0);
        await eventually(() => total() >= N && plain.msgs.length >= N, 3000, `${N} queue messages`);
        await Promise.all([...members, nc2].map((m) => m.flush()));
        assert.equal(total(), N);
        const seen = new Map<string, number>();
        for (const g of got) for (const m of g.msgs) seen.set(m.string(), (seen.get(m.string()) ?? 0) + 1);
        assert.equal(seen.size, N);
        for (let i = 0; i < N; i++) assert.equal(seen.get(`${i}`), 1, `message ${i}`);
        got.forEach((g, i) => assert.ok(g.msgs.length > 0, `member ${i} got nothing`));
        assert.equal(plain.msgs.length, N);
      } finally {
        await Promise.all(members.map((m) => m.close()));
      }
    });
  });

  describe("unsubscribing", () => {
    it("max: delivers exactly max messages, then ends and resolves closed", async () => {
      const sub = nc2.subscribe("max.s", { max: 5 });
      const all = recorder(nc2, "max.s");
      assert.equal(sub.getMax(), 5);
      await nc2.flush();
      for (let i = 0; i < 10; i++) nc.publish("max.s", `${i}`);
      await nc.flush();
      const got: string[] = [];
      await within(
        (async () => {
          for await (const m of sub) got.push(m.string());
        })(),
        3000,
        "the iterator to end after max",
      );
      assert.deepEqual(got, ["0", "1", "2", "3", "4"]);
      assert.equal(await within(sub.closed, 3000, "closed"), undefined);
      assert.equal(sub.isClosed(), true);
      assert.equal(sub.getReceived(), 5);
      assert.equal(sub.getMax(), 5);
      await eventually(() => all.msgs.length >= 10, 3000, "10 messages on the other subscription");
      await nc2.flush();
      assert.equal(sub.getReceived(), 5);
      // the server dropped it too
      assert.deepEqual((await serverSubs(srv, nc2)).filter((s) => s === "max.s"), ["max.s"]); // only `all`
      all.sub.unsubscribe();
    });

    it("unsubscribe(max) after some messages stops at max in total", async () => {
      const { sub, msgs } = recorder(nc2, "umax.s");
      await nc2.flush();
      for (let i = 0; i < 3; i++) nc.publish("umax.s", `${i}`);
      await nc.flush();
      await eventually(() => msgs.length >= 3, 3000, "3 messages");
      sub.unsubscribe(5);
      assert.equal(sub.getMax(), 5);
      assert.equal(sub.isClosed(), false);
      await nc2.flush();
      for (let i = 3; i < 13; i++) nc.publish("umax.s", `${i}`);
      await nc.flush();
      await within(sub.closed, 3000, "closed after max");
      await nc2.flush();
      assert.deepEqual(msgs.map((m) => m.string()), ["0", "1", "2", "3", "4"]);
      assert.equal(sub.getReceived(), 5);
      assert.equal(sub.isClosed(), true);
      assert.ok(!(await serverSubs(srv, nc2)).includes("umax.s"));
    });

    it("unsubscribe(0) and unsubscribe(null) unsubscribe at once, as unsubscribe() (3.4 meaning)", async () => {
      for (const max of [0, null]) {
        const subject = `unsub.now.${max}`;
        const { sub } = recorder(nc2, subject);
        await nc2.flush();
        assert.ok((await serverSubs(srv, nc2)).includes(subject));
        sub.unsubscribe(max as number);
        assert.equal(sub.isClosed(), true, `unsubscribe(${max})`);
        await nc2.flush();
        assert.ok(!(await serverSubs(srv, nc2)).includes(subject), `unsubscribe(${max}) reached the server`);
      }
    });

    it("unsubscribe(999_999_999), the largest count the server reads, keeps the subscription", async () => {
      const { sub, msgs } = recorder(nc2, "unsub.big");
      await nc2.flush();
      sub.unsubscribe(999_999_999);
      assert.equal(sub.getMax(), 999_999_999);
      await nc2.flush();
      assert.ok((await serverSubs(srv, nc2)).includes("unsub.big"), "the server dropped it");
      nc.publish("unsub.big", "still here");
      await nc.flush();
      await eventually(() => msgs.length === 1, 3000, "the message after unsubscribe(999_999_999)");
      sub.unsubscribe();
    });

    it("unsubscribe() stops delivery at once", async () => {
      const { sub, msgs } = recorder(nc2, "unsub.s");
      const watcher = recorder(nc, "unsub.s");
      await nc2.flush();
      await nc.flush();
      nc.publish("unsub.s", "a");
      nc.publish("unsub.s", "b");
      await nc.flush();
      await eventually(() => msgs.length >= 2, 3000, "2 messages");
      sub.unsubscribe();
      assert.equal(sub.isClosed(), true);
      assert.equal(await within(sub.closed, 3000, "closed"), undefined);
      await nc2.flush();
      assert.ok(!(await serverSubs(srv, nc2)).includes("unsub.s"));
      for (let i = 0; i < 5; i++) nc.publish("unsub.s", `late${i}`);
      await nc.flush();
      await eventually(() => watcher.msgs.length >= 7, 3000, "the watcher to see all 7");
      await nc2.flush();
      assert.deepEqual(msgs.map((m) => m.string()), ["a", "b"]);
      assert.equal(sub.getReceived(), 2);
      sub.unsubscribe(); // idempotent
      watcher.sub.unsubscribe();
    });

    it("unsubscribe() ends a for-await loop", async () => {
      const sub = nc2.subscribe("unsub.iter");
      await nc2.flush();
      nc.publish("unsub.iter", "one");
      await nc.flush();
      const got: string[] = [];
      await within(
        (async () => {
          for await (const m of sub) {
            got.push(m.string());
            sub.unsubscribe();
          }
        })(),
        3000,
        "the loop to end",
      );
      assert.deepEqual(got, ["one"]);
      assert.equal(await within(sub.closed, 3000, "closed"), undefined);
    });

    it("breaking out of for-await unsubscribes on the server", async () => {
      const sub = nc2.subscribe("brk.s");
      await nc2.flush();
      assert.ok((await serverSubs(srv, nc2)).includes("brk.s"));
      const before = (await srv.connz({ cid: nc2.info!.client_id })).connections[0].subscriptions as number;
      nc.publish("brk.s", "1");
      nc.publish("brk.s", "2");
      await nc.flush();
      let n = 0;
      await within(
        (async () => {
          for await (const _m of sub) {
            n++;
            break;
          }
        })(),
        3000,
        "the loop",
      );
      assert.equal(n, 1);
      assert.equal(sub.isClosed(), true);
      await within(sub.closed, 3000, "closed");
      await nc2.flush();
      assert.ok(!(await serverSubs(srv, nc2)).includes("brk.s"));
      const afterCount = (await srv.connz({ cid: nc2.info!.client_id })).connections[0].subscriptions as number;
      assert.equal(afterCount, before - 1);
    });
  });

  describe("timeouts", () => {
    it("an iterator with no message within timeout throws TimeoutError and closed resolves to it", async () => {
      const sub = nc2.subscribe("to.none", { timeout: 100 });
      await nc2.flush();
      let thrown: unknown;
      await within(
        (async () => {
          try {
            for await (const _m of sub) assert.fail("no message was published");
          } catch (err) {
            thrown = err;
          }
        })(),
        3000,
        "the timeout",
      );
      assert.ok(thrown instanceof TimeoutError, `expected TimeoutError, got ${String(thrown)}`);
      const closed = await within(sub.closed, 3000, "closed");
      assert.ok(closed instanceof TimeoutError);
      assert.equal(sub.isClosed(), true);
      await nc2.flush();
      assert.ok(!(await serverSubs(srv, nc2)).includes("to.none"));
    });

    it("a callback subscription gets the TimeoutError once and keeps receiving (as 3.4: a warning, not an end)", async () => {
      const errors: unknown[] = [];
      const got: string[] = [];
      const sub = nc2.subscribe("to.cb", {
        timeout: 100,
        callback: (err, m) => {
          if (err) errors.push(err);
          else got.push(m.string());
        },
      });
      await eventually(() => errors.length === 1, 3000, "the TimeoutError");
      assert.ok(errors[0] instanceof TimeoutError);
      assert.equal(sub.isClosed(), false);
      nc.publish("to.cb", "late");
      await nc.flush();
      await eventually(() => got.length === 1, 3000, "the late message");
      assert.deepEqual(got, ["late"]);
      // deliberate: time passes to show that no second TimeoutError follows
      await sleep(150);
      assert.equal(errors.length, 1);
      sub.unsubscribe();
      assert.equal(await within(sub.closed, 3000, "closed"), undefined);
    });

    it("the first message cancels the timeout", async () => {
      const sub2 = nc2.subscribe("to.msg2", { timeout: 400 });
      await nc2.flush();
      nc.publish("to.msg2", "in time");
      await nc.flush();
      const it = sub2[Symbol.asyncIterator]();
      const first = await within(it.next(), 3000, "first message");
      assert.equal(first.done, false);
      assert.equal((first.value as Msg).string(), "in time");
      // deliberate: past the 400 ms timeout, to show the first message cancelled it
      await sleep(600);
      assert.equal(sub2.isClosed(), false);
      sub2.unsubscribe();
      assert.equal((await within(it.next(), 3000, "the end")).done, true);
      assert.equal(await within(sub2.closed, 3000, "closed"), undefined);
    });
  });

  describe("iterators and callbacks", () => {
    it("for await over a callback subscription throws InvalidOperationError", async () => {
      const sub = nc2.subscribe("it.cb", { callback: () => {} });
      await assert.rejects(async () => {
        for await (const _m of sub) assert.fail("unreachable");
      }, InvalidOperationError);
      assert.throws(() => sub[Symbol.asyncIterator](), InvalidOperationError);
      sub.unsubscribe();
    });

    it("iterating a subscription twice throws InvalidOperationError", async () => {
      const sub = nc2.subscribe("it.twice");
      await nc2.flush();
      const got: string[] = [];
      const loop = (async () => {
        for await (const m of sub) got.push(m.string());
      })();
      await assert.rejects(async () => {
        for await (const _m of sub) assert.fail("unreachable");
      }, InvalidOperationError);
      // the first loop is unaffected
      nc.publish("it.twice", "x");
      await nc.flush();
      await eventually(() => got.length >= 1, 3000, "the first loop's message");
      sub.unsubscribe();
      await within(loop, 3000, "the first loop to end");
      assert.deepEqual(got, ["x"]);
    });

    it("counters: getReceived, getProcessed, getPending, getID, getSubject", async () => {
      const sub = nc2.subscribe("cnt.*");
      const cb = recorder(nc2, "cnt.*");
      assert.equal(sub.getSubject(), "cnt.*");
      assert.equal(typeof sub.getID(), "number");
      assert.notEqual(sub.getID(), cb.sub.getID());
      assert.equal(sub.getReceived(), 0);
      assert.equal(sub.getProcessed(), 0);
      assert.equal(sub.getPending(), 0);
      assert.equal(sub.getMax(), undefined);
      await nc2.flush();
      for (let i = 0; i < 5; i++) nc.publish(`cnt.${i}`, `${i}`);
      await nc.flush();
      await eventually(() => sub.getReceived() >= 5 && cb.msgs.length >= 5, 3000, "5 messages");
      assert.equal(sub.getReceived(), 5);
      assert.equal(sub.getPending(), 5);
      assert.equal(sub.getProcessed(), 0);
      const it = sub[Symbol.asyncIterator]();
      const a = await it.next();
      const b = await it.next();
      assert.equal((a.value as Msg).subject, "cnt.0");
      assert.equal((b.value as Msg).subject, "cnt.1");
      assert.equal((a.value as Msg).sid, sub.getID());
      assert.equal(sub.getProcessed(), 2);
      assert.equal(sub.getPending(), 3);
      assert.equal(sub.getReceived(), 5);
      // callback subscriptions: processed == received, nothing pending
      assert.equal(cb.sub.getReceived(), 5);
      assert.equal(cb.sub.getProcessed(), 5);
      assert.equal(cb.sub.getPending(), 0);
      assert.equal(cb.sub.getSubject(), "cnt.*");
      for (const m of cb.msgs) assert.equal(m.sid, cb.sub.getID());
      sub.unsubscribe();
      cb.sub.unsubscribe();
    });

    it("preserves the order of 10,000 messages", async () => {
      const N = 10_000;
      const got: number[] = [];
      const sub = nc2.subscribe("order.s", {
        callback: (_e, m) => {
          got.push(Number(m.string()));
        },
      });
      const iter = nc2.subscribe("order.s", { max: N });
      await nc2.flush();
      for (let i = 0; i < N; i++) nc.publish("order.s", `${i}`);
      await nc.flush();
      let next = 0;
      let bad = -1;
      await within(
        (async () => {
          for await (const m of iter) {
            if (Number(m.string()) !== next && bad < 0) bad = next;
            next++;
          }
        })(),
        15_000,
        `${N} messages on the iterator`,
      );
      assert.equal(bad, -1, `iterator out of order at ${bad}`);
      assert.equal(next, N);
      await eventually(() => got.length >= N, 15_000, `${N} messages on the callback`);
      assert.equal(got.length, N);
      for (let i = 0; i < N; i++) if (got[i] !== i) assert.fail(`callback out of order at ${i}: ${got[i]}`);
      sub.unsubscribe();
    });
  });

  describe("Msg", () => {
    it("reply is \"\" without a reply subject (as the official client), and respond() returns false and sends nothing", async () => {
      const responses = recorder(nc, ">"); // would see any response
      await nc.flush();
      const beforeIn = (await srv.varz()).in_msgs as number;
      let respondResult: boolean | undefined;
      const sub = nc2.subscribe("msg.noreply", {
        max: 1,
        callback: (_e, m) => {
          assert.equal(m.reply, "");
          respondResult = m.respond("nope");
        },
      });
      await nc2.flush();
      nc.publish("msg.noreply", "q");
      await nc.flush();
      await within(sub.closed, 3000, "the message");
      await nc2.flush();
      assert.equal(respondResult, false);
      assert.equal(((await srv.varz()).in_msgs as number) - beforeIn, 1); // only the publish
      await nc.flush();
      assert.deepEqual(responses.msgs.map((m) => m.subject), ["msg.noreply"]);
      responses.sub.unsubscribe();
    });

    it("publish with { reply } sets msg.reply, and respond() returns true and publishes to it", async () => {
      const answers = recorder(nc, "msg.reply.to");
      await nc.flush();
      let respondResult: boolean | undefined;
      let reply: string | undefined;
      nc2.subscribe("msg.req", {
        max: 1,
        callback: (_e, m) => {
          reply = m.reply;
          respondResult = m.respond(`re:${m.string()}`);
        },
      });
      await nc2.flush();
      nc.publish("msg.req", "ping", { reply: "msg.reply.to" });
      await nc.flush();
      await eventually(() => answers.msgs.length >= 1, 3000, "the response");
      assert.equal(reply, "msg.reply.to");
      assert.equal(respondResult, true);
      assert.equal(answers.msgs[0].string(), "re:ping");
      assert.equal(answers.msgs[0].reply, "");
      answers.sub.unsubscribe();
    });

    it("json(), string(), subject and sid", async () => {
      const value = { a: 1, b: [1, 2, 3], s: "héllo", n: null, nested: { t: true } };
      const sub = nc2.subscribe("msg.json", { max: 3 });
      await nc2.flush();
      nc.publish("msg.json", JSON.stringify(value));
      nc.publish("msg.json", te.encode(JSON.stringify({ d: "2020-01-01T00:00:00.000Z" })));
      nc.publish("msg.json", "{nope");
      await nc.flush();
      const msgs: Msg[] = [];
      await within(
        (async () => {
          for await (const m of sub) msgs.push(m);
        })(),
        3000,
        "3 messages",
      );
      assert.equal(msgs.length, 3);
      assert.deepEqual(msgs[0].json(), value);
      assert.equal(msgs[0].string(), JSON.stringify(value));
      assert.equal(msgs[0].subject, "msg.json");
      assert.equal(msgs[0].sid, sub.getID());
      const revived = msgs[1].json<{ d: Date }>((k, v) => (k === "d" ? new Date(v as string) : v));
      assert.ok(revived.d instanceof Date);
      assert.equal(revived.d.getTime(), Date.UTC(2020, 0, 1));
      assert.throws(() => msgs[2].json(), SyntaxError);
      assert.equal(msgs[2].string(), "{nope");
    });

    it("publishMessage() republishes subject, data, reply and headers", async () => {
      const copies = recorder(nc2, "pm.s");
      await nc2.flush();
      const h = headers();
      h.append("X-A", "1");
      h.append("X-A", "2");
      nc.publish("pm.s", "payload", { reply: "pm.reply", headers: h });
      await nc.flush();
      await eventually(() => copies.msgs.length >= 1, 3000, "the original");
      nc.publishMessage(copies.msgs[0]);
      await nc.flush();
      await eventually(() => copies.msgs.length >= 2, 3000, "the copy");
      await nc2.flush();
      assert.equal(copies.msgs.length, 2);
      const [orig, copy] = copies.msgs;
      assert.equal(copy.subject, "pm.s");
      assert.equal(copy.string(), "payload");
      assert.equal(copy.reply, "pm.reply");
      assert.deepEqual(copy.headers?.values("X-A"), ["1", "2"]);
      assert.equal(Buffer.compare(copy.data, orig.data), 0);
      copies.sub.unsubscribe();
    });

    it("respondMessage() sends the message's data and headers to its reply subject", async () => {
      const answers = recorder(nc2, "rm.answer");
      const requests = recorder(nc2, "rm.s");
      await nc2.flush();
      const h = headers();
      h.set("X-Echo", "yes");
      nc.publish("rm.s", "echo me", { reply: "rm.answer", headers: h });
      nc.publish("rm.s", "no reply");
      await nc.flush();
      await eventually(() => requests.msgs.length >= 2, 3000, "2 requests");
      assert.equal(nc.respondMessage(requests.msgs[0]), true);
      assert.equal(nc.respondMessage(requests.msgs[1]), false);
      await nc.flush();
      await eventually(() => answers.msgs.length >= 1, 3000, "the answer");
      await nc2.flush();
      assert.equal(answers.msgs.length, 1);
      assert.equal(answers.msgs[0].string(), "echo me");
      assert.equal(answers.msgs[0].headers?.get("X-Echo"), "yes");
      answers.sub.unsubscribe();
      requests.sub.unsubscribe();
    });
  });
});
