// Input validation, the security boundary: no subject, reply, queue name or
// header can smuggle protocol text to the server. For every bad input we check
// that a clear error is thrown, that NOTHING reached the server (a second
// connection subscribed to ">" sees only a sentinel published afterwards, and
// the server's counters for the connection moved only by that sentinel), and
// that the connection still works. Valid edge cases must be delivered exactly.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  canonicalMIMEHeaderKey,
  connect,
  createInbox,
  ErrorCode,
  headers,
  InvalidArgumentError,
  InvalidSubjectError,
  MsgHdrsImpl,
  type Msg,
  type NatsConnection,
  type PublishOptions,
} from "@quicknats/node";
import { NatsConnectionImpl } from "@quicknats/core/internal";
import { NatsServer } from "../helpers/nats-server.js";
import { serverWithConnections } from "../helpers/connections.js";
import { eventually } from "../helpers/wait.js";

/** A wrong-type argument: a TypeError, as 3.4 throws, that is also an InvalidArgumentError with its code. */
function isArgumentTypeError(err: unknown): boolean {
  assert.ok(err instanceof TypeError, `not a TypeError: ${err}`);
  assert.ok(err instanceof InvalidArgumentError, `not an InvalidArgumentError: ${err}`);
  assert.equal((err as InvalidArgumentError).code, ErrorCode.InvalidArgument);
  return true;
}

/** Bad for every subject kind and for queue names (whitespace, control characters, injection). */
const WHITESPACE = [" ", "a b", "a\tb", "a\r\nPUB x 1\r\n", "a\nb", "a\rb", "\r\n", "a\u0000b", "a\u007fb", " a", "a "];
/** Bad for subjects only: empty tokens. */
const EMPTY_TOKENS = ["", "a..b", ".a", "a.", ".", ".."];
/** Good for every subject kind: for a publish they are literal tokens (JetStream's API puts filter subjects in request subjects). */
const WILDCARDS = ["a.*", "a.>", "*", ">", "*.a", "a.*.b", "$JS.API.CONSUMER.CREATE.S.C.orders.*.>"];
/** Bad for every subject kind: '>' is only ever the last token. */
const BAD_SUB_WILDCARDS = ["a.>.b", ">.a", ">.>", "a.>.>"];

const te = new TextEncoder();

const BAD_PUBLISH = [...EMPTY_TOKENS, ...WHITESPACE, ...BAD_SUB_WILDCARDS];
const BAD_SUBSCRIBE = [...EMPTY_TOKENS, ...WHITESPACE, ...BAD_SUB_WILDCARDS];
const BAD_QUEUE = WHITESPACE;
const BAD_HEADER_KEYS = ["", " ", "a b", "a\tb", "a\r\nPUB x 1\r\n", "a\nb", "a\rb", "a:b", ":", "héllo", "a\u0000b"];
const BAD_HEADER_VALUES = ["a\r\nPUB x 1\r\n", "a\nb", "a\rb", "\r\n", "\n", "\r", "x\r\n\r\nPUB y 1"];

describe("input validation", () => {
  let srv: NatsServer;
  let nc: NatsConnection; // where the bad inputs go
  let spy: NatsConnection; // subscribed to ">": sees every message that reaches the server
  const seen: Array<{ subject: string; reply: string | undefined; data: string }> = [];
  let sentinels = 0;

  serverWithConnections({}, 2, async (s, conns) => {
    [srv, nc, spy] = [s, ...conns];
    spy.subscribe(">", {
      callback: (_e, m) => {
        seen.push({ subject: m.subject, reply: m.reply, data: m.string() });
      },
    });
    await spy.flush();
  });

  async function serverView(): Promise<{ inMsgs: number; subs: number }> {
    const cz = await srv.connz({ cid: nc.info!.client_id, subs: true });
    assert.equal(cz.connections.length, 1, "the connection is gone from the server");
    const c = cz.connections[0];
    return { inMsgs: c.in_msgs as number, subs: c.subscriptions as number };
  }

  /**
   * Runs `attempts` (which assert their own errors), then proves nothing reached
   * the server: the spy gets only a sentinel published afterwards on the same
   * connection, and the server counted only that sentinel and no new
   * subscription for it. The connection is still open and usable.
   */
  async function assertNothingSent(attempts: () => void | Promise<void>): Promise<void> {
    // what earlier tests sent (e.g. an UNSUB) must reach the server before its counts are the baseline
    await nc.flush();
    const before = await serverView();
    const localSubs = (nc as NatsConnectionImpl)._counts().subscriptions;
    seen.length = 0;
    await attempts();
    assert.equal(nc.isClosed(), false, "the connection closed");
    await nc.flush();
    const sentinel = `sentinel.${++sentinels}`;
    nc.publish(sentinel, "ok");
    await nc.flush();
    await eventually(() => seen.some((m) => m.subject === sentinel), 3000, "the sentinel");
    await spy.flush();
    assert.deepEqual(seen, [{ subject: sentinel, reply: "", data: "ok" }], "something besides the sentinel reached the server");
    const after = await serverView();
    assert.equal(after.inMsgs - before.inMsgs, 1, "the server received more than the sentinel");
    assert.equal(after.subs, before.subs, "the server has a new subscription");
    assert.equal((nc as NatsConnectionImpl)._counts().subscriptions, localSubs, "a subscription leaked locally");
    assert.equal(nc.isClosed(), false);
    assert.doesNotMatch(srv.output, /\[ERR\]/, "the server logged an error");
  }

  const show = (s: string) => JSON.stringify(s);

  describe("bad inputs throw and send nothing", () => {
    it("publish subject: InvalidSubjectError", async () => {
      await assertNothingSent(() => {
        for (const s of BAD_PUBLISH) {
          assert.throws(() => nc.publish(s, "x"), InvalidSubjectError, `publish(${show(s)})`);
          assert.throws(() => nc.publish(s), InvalidSubjectError, `publish(${show(s)}) without payload`);
          assert.throws(() => nc.publish(s, "x", { reply: "ok.reply" }), InvalidSubjectError, `publish(${show(s)}, reply)`);
          const h = headers();
          h.set("X", "y");
          assert.throws(() => nc.publish(s, "x", { headers: h }), InvalidSubjectError, `publish(${show(s)}, headers)`);
        }
        for (const s of [undefined, null, 42, {}] as unknown as string[]) {
          assert.throws(() => nc.publish(s, "x"), InvalidSubjectError, `publish(${String(s)})`);
        }
      });
    });

    it("the error names the problem", () => {
      const err = (() => {
        try {
          nc.publish("a b", "x");
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof InvalidSubjectError);
      assert.equal(err.name, "InvalidSubjectError");
      assert.match(err.message, /illegal subject/);
      assert.equal((err as InvalidSubjectError & { code: string }).code, "NATS_INVALID_SUBJECT");
    });

    it("reply subject: InvalidSubjectError", async () => {
      await assertNothingSent(() => {
        for (const r of BAD_PUBLISH.filter((s) => s !== "")) {
          assert.throws(() => nc.publish("ok.subject", "x", { reply: r }), InvalidSubjectError, `reply ${show(r)}`);
          const h = headers();
          h.set("X", "y");
          assert.throws(() => nc.publish("ok.subject", "x", { reply: r, headers: h }), InvalidSubjectError, `reply ${show(r)} with headers`);
        }
      });
    });

    it("subscribe subject: InvalidSubjectError", async () => {
      await assertNothingSent(() => {
        for (const s of BAD_SUBSCRIBE) {
          assert.throws(() => nc.subscribe(s), InvalidSubjectError, `subscribe(${show(s)})`);
          assert.throws(() => nc.subscribe(s, { callback: () => {} }), InvalidSubjectError, `subscribe(${show(s)}, callback)`);
          assert.throws(() => nc.subscribe(s, { queue: "q", max: 1 }), InvalidSubjectError, `subscribe(${show(s)}, queue)`);
        }
      });
    });

    it("queue name: InvalidSubjectError", async () => {
      await assertNothingSent(() => {
        for (const q of BAD_QUEUE) {
          assert.throws(() => nc.subscribe("ok.queue", { queue: q }), InvalidSubjectError, `queue ${show(q)}`);
          assert.throws(() => nc.subscribe("ok.queue", { queue: q, callback: () => {} }), InvalidSubjectError, `queue ${show(q)}, callback`);
        }
      });
    });

    it("request subject: the promise rejects with InvalidSubjectError", async () => {
      await assertNothingSent(async () => {
        for (const s of BAD_PUBLISH) {
          let p: Promise<Msg> | undefined;
          assert.doesNotThrow(() => {
            p = nc.request(s, "x", { timeout: 1000 });
          }, `request(${show(s)}) threw instead of rejecting`);
          await assert.rejects(p!, InvalidSubjectError, `request(${show(s)})`);
          await assert.rejects(nc.request(s, "x", { timeout: 1000, noMux: true }), InvalidSubjectError, `request(${show(s)}, noMux)`);
          await assert.rejects(nc.requestMany(s, "x", { maxWait: 1000 }), InvalidSubjectError, `requestMany(${show(s)})`);
        }
      });
    });

    it("noMux request reply subject: InvalidSubjectError", async () => {
      await assertNothingSent(async () => {
        for (const r of BAD_PUBLISH.filter((s) => s !== "")) {
          await assert.rejects(nc.request("ok.request", "x", { timeout: 1000, noMux: true, reply: r }), InvalidSubjectError, `reply ${show(r)}`);
        }
      });
    });

    it("unsubscribe(max) and the max option: InvalidArgumentError, nothing sent, the subscription stays", async () => {
      // nats-server reads an UNSUB count of at most 9 digits, and anything it
      // cannot read (1.5, -1, 1000000000) unsubscribes at once
      const BAD_MAX = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1_000_000_000, 2 ** 53, "5", "5\r\nPUB inject 1\r\nx", {}, true];
      const subject = createInbox("unsubmax");
      const got: string[] = [];
      const sub = nc.subscribe(subject, { callback: (_e, m) => got.push(m.string()) });
      await nc.flush();
      await assertNothingSent(() => {
        for (const max of BAD_MAX as unknown as number[]) {
          assert.throws(() => sub.unsubscribe(max), InvalidArgumentError, `unsubscribe(${show(String(max))})`);
          assert.throws(() => nc.subscribe(subject, { max }), InvalidArgumentError, `subscribe(max: ${show(String(max))})`);
        }
        assert.throws(() => sub.unsubscribe(-1), /'max' must be an integer from 0 to 999999999/);
      });
      assert.equal(sub.isClosed(), false);
      assert.equal(sub.getMax(), undefined);
      nc.publish(subject, "still subscribed");
      await eventually(() => got.length === 1, 3000, "a message to the subscription");
      sub.unsubscribe();
    });

    it("header key: InvalidArgumentError", async () => {
      await assertNothingSent(() => {
        for (const k of BAD_HEADER_KEYS) {
          const h = headers();
          assert.throws(() => h.set(k, "v"), InvalidArgumentError, `set(${show(k)})`);
          assert.throws(() => h.append(k, "v"), InvalidArgumentError, `append(${show(k)})`);
          assert.throws(() => MsgHdrsImpl.fromRecord({ [k]: ["v"] }), InvalidArgumentError, `fromRecord(${show(k)})`);
          if (k !== "") assert.throws(() => canonicalMIMEHeaderKey(k), InvalidArgumentError, `canonicalMIMEHeaderKey(${show(k)})`);
          // nothing was stored, so publishing the set sends no bad key
          assert.deepEqual(h.keys(), []);
        }
      });
    });

    it("header value and status description: InvalidArgumentError", async () => {
      await assertNothingSent(() => {
        for (const v of BAD_HEADER_VALUES) {
          const h = headers();
          h.set("X-Good", "kept");
          assert.throws(() => h.set("X-Bad", v), InvalidArgumentError, `set value ${show(v)}`);
          assert.throws(() => h.append("X-Good", v), InvalidArgumentError, `append value ${show(v)}`);
          assert.throws(() => h.set("X-Good", v), InvalidArgumentError, `replace value ${show(v)}`);
          assert.throws(() => MsgHdrsImpl.fromRecord({ "X-Bad": [v] }), InvalidArgumentError, `fromRecord value ${show(v)}`);
          assert.throws(() => headers(503, v), InvalidArgumentError, `description ${show(v)}`);
          // a failed set/append changes nothing
          assert.deepEqual(h.keys(), ["X-Good"]);
          assert.deepEqual(h.values("X-Good"), ["kept"]);
        }
        assert.throws(() => headers(503), InvalidArgumentError, "code without description");
        assert.throws(() => headers(0, "desc"), InvalidArgumentError, "description without code");
      });
    });

    it("headers not made by headers(): InvalidArgumentError", async () => {
      await assertNothingSent(() => {
        const fake = {
          get: () => "",
          keys: () => ["X\r\nPUB x 1"],
          *[Symbol.iterator]() {
            yield ["X\r\nPUB x 1", ["v"]];
          },
        } as unknown as MsgHdrsImpl;
        assert.throws(() => nc.publish("ok.fake", "x", { headers: fake }), InvalidArgumentError);
      });
    });

    it("payload that is neither a string nor a Uint8Array: a TypeError (as in 3.4) that is an InvalidArgumentError", async () => {
      await assertNothingSent(() => {
        for (const p of [42, {}, [1, 2], new ArrayBuffer(4), true] as unknown as string[]) {
          assert.throws(() => nc.publish("ok.payload", p), isArgumentTypeError, `payload ${Object.prototype.toString.call(p)}`);
        }
      });
    });

    it("options that are no object (the v1 signature publish(subject, data, reply)): a TypeError, as 3.4's, not a message without its reply", async () => {
      await assertNothingSent(() => {
        for (const o of ["my.reply", 5, true] as unknown as PublishOptions[]) {
          assert.throws(() => nc.publish("ok.opts", "x", o), isArgumentTypeError, `options ${String(o)}`);
        }
      });
    });

    it("headers that are no MsgHdrs (a Map, a plain object): a TypeError, as 3.4's", async () => {
      await assertNothingSent(() => {
        const map = new Map([["A", "1"], ["B", "2"]]);
        for (const h of [map, { A: "1" }, "A: 1"] as unknown as MsgHdrsImpl[]) {
          assert.throws(() => nc.publish("ok.hdrs", "x", { headers: h }), isArgumentTypeError, Object.prototype.toString.call(h));
        }
      });
    });
  });

  describe("valid edge cases are accepted and delivered exactly", () => {
    const LONG = Array.from({ length: 100 }, (_, i) => `token${i}`).join("."); // ~800 chars
    const VALID = [
      "héllo.wörld",
      "日本.語.テスト",
      "emoji.🌍.✓",
      "a-b_c.$d",
      "$SYS_NOT.really",
      "_INBOX_like.x",
      "with-dash.with_underscore.$dollar",
      "a.b>", // '>' inside a token is a literal
      "x*y.z*", // so is '*'
      "a.#.%.&.~.!.@.(.).[.]",
      "UPPER.lower.MiXeD",
      "1.2.3",
      "nbsp\u00a0inside", // U+00A0 is not ASCII whitespace
      LONG,
    ];

    it("publish subjects arrive with the exact subject and payload", async () => {
      const before = await (async () => {
        const cz = await srv.connz({ cid: nc.info!.client_id });
        return cz.connections[0].in_msgs as number;
      })();
      seen.length = 0;
      for (const s of VALID) nc.publish(s, `payload:${s}`);
      nc.publish("ok.done", "done");
      await nc.flush();
      await eventually(() => seen.some((m) => m.subject === "ok.done"), 3000, "the last message");
      await spy.flush();
      assert.deepEqual(
        seen.map((m) => m.subject),
        [...VALID, "ok.done"],
      );
      seen.forEach((m, i) => assert.equal(m.data, i < VALID.length ? `payload:${VALID[i]}` : "done"));
      const cz = await srv.connz({ cid: nc.info!.client_id });
      assert.equal((cz.connections[0].in_msgs as number) - before, VALID.length + 1);
    });

    it("subscriptions on those subjects, and wildcards over them, receive them", async () => {
      const sub2 = await connect({ servers: srv.url });
      try {
        const patterns = [...VALID, "héllo.*", "héllo.>", "*.wörld", "日本.>", "emoji.*.✓", "a-b_c.*", "*", ">", "a.*", "a.>", "*.*.*"];
        const got = new Map<string, string[]>();
        for (const p of patterns) {
          got.set(p, []);
          sub2.subscribe(p, {
            callback: (_e, m) => {
              got.get(p)!.push(m.subject);
            },
          });
        }
        const marker = sub2.subscribe("zz.marker", { max: 1 });
        await sub2.flush();
        for (const s of VALID) nc.publish(s, s);
        nc.publish("zz.marker", "");
        await nc.flush();
        await eventually(() => marker.isClosed(), 3000, "the marker");
        await sub2.flush();
        for (const s of VALID) assert.deepEqual(got.get(s), [s], `subscription ${show(s)}`);
        assert.deepEqual(got.get("héllo.*"), ["héllo.wörld"]);
        assert.deepEqual(got.get("héllo.>"), ["héllo.wörld"]);
        assert.deepEqual(got.get("*.wörld"), ["héllo.wörld"]);
        assert.deepEqual(got.get("日本.>"), ["日本.語.テスト"]);
        assert.deepEqual(got.get("emoji.*.✓"), ["emoji.🌍.✓"]);
        assert.deepEqual(got.get("a-b_c.*"), ["a-b_c.$d"]);
        assert.deepEqual(got.get("*"), ["nbsp\u00a0inside"]);
        assert.deepEqual(got.get(">"), [...VALID, "zz.marker"]);
        assert.deepEqual(got.get("a.*"), ["a.b>"]);
        assert.deepEqual(got.get("a.>"), ["a.b>", "a.#.%.&.~.!.@.(.).[.]"]);
        assert.deepEqual(got.get("*.*.*"), ["日本.語.テスト", "emoji.🌍.✓", "with-dash.with_underscore.$dollar", "UPPER.lower.MiXeD", "1.2.3"]);
      } finally {
        await sub2.close();
      }
    });

    it("publish, reply and request subjects with '*' and '>' tokens reach the server as literal subjects", async () => {
      seen.length = 0;
      for (const s of WILDCARDS) nc.publish(s, `payload:${s}`, { reply: `reply.${s}` });
      nc.publish("ok.wild.done", "done");
      await nc.flush();
      await eventually(() => seen.some((m) => m.subject === "ok.wild.done"), 3000, "the last message");
      await spy.flush();
      assert.deepEqual(
        seen.map((m) => [m.subject, m.reply, m.data]),
        [...WILDCARDS.map((s) => [s, `reply.${s}`, `payload:${s}`]), ["ok.wild.done", "", "done"]],
      );
      // a responder on a pattern answers a request whose subject holds wildcard tokens
      const svc = spy.subscribe("$JS.API.CONSUMER.CREATE.*.*.>", { callback: (_e, m) => void m.respond(m.subject) });
      await spy.flush();
      for (const noMux of [false, true]) {
        const r = await nc.request("$JS.API.CONSUMER.CREATE.S.C.orders.*.>", "", { timeout: 2000, noMux });
        assert.equal(r.string(), "$JS.API.CONSUMER.CREATE.S.C.orders.*.>");
      }
      svc.unsubscribe();
      assert.doesNotMatch(srv.output, /\[ERR\]/, "the server logged an error");
    });

    it("reply subjects are delivered exactly", async () => {
      const got: Array<string | undefined> = [];
      const sub = spy.subscribe("ok.replies", {
        callback: (_e, m) => {
          got.push(m.reply);
        },
      });
      await spy.flush();
      for (const r of VALID) nc.publish("ok.replies", "x", { reply: r });
      nc.publish("ok.replies", "x", { reply: "" }); // empty means none
      await nc.flush();
      await eventually(() => got.length >= VALID.length + 1, 3000, "all replies");
      await spy.flush();
      assert.deepEqual(got, [...VALID, ""]);
      sub.unsubscribe();
    });

    it("requests to unicode subjects with unicode inbox replies work", async () => {
      const svc = spy.subscribe("sérvice.日本", {
        callback: (_e, m) => {
          m.respond(`re:${m.string()}`);
        },
      });
      await spy.flush();
      const r = await nc.request("sérvice.日本", "ü", { timeout: 2000 });
      assert.equal(r.string(), "re:ü");
      svc.unsubscribe();
    });

    it("queue names with '.', '-', '_', '$' and unicode", async () => {
      for (const q of ["q.v1", "q-1_$", "wörkers", "a..b"]) {
        const got: string[] = [];
        const a = spy.subscribe("ok.qn", { queue: q, callback: (_e, m) => void got.push(`a:${m.string()}`) });
        const b = spy.subscribe("ok.qn", { queue: q, callback: (_e, m) => void got.push(`b:${m.string()}`) });
        await spy.flush();
        for (let i = 0; i < 10; i++) nc.publish("ok.qn", `${i}`);
        await nc.flush();
        await eventually(() => got.length >= 10, 3000, `10 messages for queue ${show(q)}`);
        await spy.flush();
        assert.equal(got.length, 10, `queue ${show(q)}: each message once`);
        assert.deepEqual(got.map((g) => g.slice(2)).sort((x, y) => Number(x) - Number(y)), Array.from({ length: 10 }, (_, i) => `${i}`));
        a.unsubscribe();
        b.unsubscribe();
      }
    });

    it("an empty queue name means no queue group, as in the official client", async () => {
      const got: string[] = [];
      const a = spy.subscribe("ok.noqueue", { queue: "", callback: (_e, m) => void got.push(`a:${m.string()}`) });
      const b = spy.subscribe("ok.noqueue", { queue: "", callback: (_e, m) => void got.push(`b:${m.string()}`) });
      await spy.flush();
      nc.publish("ok.noqueue", "1");
      await nc.flush();
      await eventually(() => got.length >= 2, 3000, "both subscribers");
      assert.deepEqual(got.sort(), ["a:1", "b:1"]);
      a.unsubscribe();
      b.unsubscribe();
    });

    it("header keys and values at the edge of the rules", async () => {
      const h = headers();
      const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).filter((c) => c !== ":").join("");
      h.set(printable, "all printable ASCII but ':'");
      h.set("a..b", "dots");
      h.set("X-Values", "a b");
      h.append("X-Values", "a\tb");
      h.append("X-Values", "héllo 🌍");
      h.append("X-Values", "a: b");
      h.append("X-Values", " ");
      const got: Msg[] = [];
      const sub = spy.subscribe("ok.hdr", {
        max: 1,
        callback: (_e, m) => {
          got.push(m);
        },
      });
      await spy.flush();
      nc.publish("ok.hdr", "x", { headers: h });
      await nc.flush();
      await eventually(() => sub.isClosed(), 3000, "the message");
      assert.equal(got[0].headers?.get(printable), "all printable ASCII but ':'");
      assert.equal(got[0].headers?.get("a..b"), "dots");
      assert.deepEqual(got[0].headers?.values("X-Values"), ["a b", "a\tb", "héllo 🌍", "a: b", ""]);
    });
  });

  describe("the server's control-line limit (max_control_line, 4096 bytes by default)", () => {
    // nats-server measures the arguments of PUB/HPUB/SUB (after "OP ", before
    // CRLF) and drops the connection when they pass 4096 bytes; 2.9.10 accepts
    // exactly 4096 and drops at 4097 (checked against it by hand)
    const LIMIT = 4096;
    /** A valid subject of exactly `n` UTF-8 bytes. */
    const subjectOf = (n: number, tag = "lim"): string => `${tag}.${"a".repeat(n - tag.length - 1)}`;
    const digits = (n: number) => String(n).length;

    it("one byte over: InvalidArgumentError, nothing sent, the connection stays up", async () => {
      const h = headers();
      h.set("X-Long", "y");
      const hlen = (h as MsgHdrsImpl).encode().length;
      await assertNothingSent(async () => {
        const tooLong: Array<[string, () => unknown]> = [
          // PUB <subject> <size>: 4095 + 1 + 1
          ["publish", () => nc.publish(subjectOf(LIMIT - 1), "x")],
          // the size's digits count: 4094 + 1 + 2
          ["publish, 2-digit size", () => nc.publish(subjectOf(LIMIT - 2), "0123456789")],
          // a string payload counts in UTF-8 bytes: 10 x "é" is 20 bytes
          ["publish, multi-byte payload", () => nc.publish(subjectOf(LIMIT - 2), "é".repeat(5))],
          // PUB <subject> <reply> <size>: 2000 + 1 + 2094 + 1 + 1
          ["publish with reply", () => nc.publish(subjectOf(2000), "x", { reply: subjectOf(2094, "rep") })],
          // HPUB <subject> <hdrLen> <size>
          ["publish with headers", () => nc.publish(subjectOf(LIMIT - 1 - digits(hlen) - 1 - digits(hlen + 1) + 1), "x", { headers: h })],
          // bytes, not UTF-16 units: 2 bytes per "é"
          ["multi-byte subject", () => nc.publish(`lim.${"é".repeat(2044)}.ab`, "x")],
          ["respond", () => nc.respondMessage({ reply: subjectOf(LIMIT - 1), data: te.encode("x") } as unknown as Msg)],
          // SUB <subject> <sid>: at least 4096 + 1 + 1
          ["subscribe", () => nc.subscribe(subjectOf(LIMIT))],
          // SUB <subject> <queue> <sid>
          ["subscribe with queue", () => nc.subscribe(subjectOf(2000), { queue: `q${"x".repeat(2095)}` })],
        ];
        for (const [what, fn] of tooLong) {
          assert.throws(fn, (err: Error) => {
            assert.ok(err instanceof InvalidArgumentError, `${what}: ${err}`);
            assert.equal(err.code, ErrorCode.ControlLineTooLong, what);
            assert.match(err.message, /too long: the (H?PUB|SUB) control line would have \d+ bytes of arguments, over the 4096 the server accepts/, what);
            assert.ok(err.message.length < 300, `${what}: the message quotes the subject`);
            return true;
          }, what);
        }
        // requests: the subject plus the reply inbox the client adds
        const long = subjectOf(LIMIT - 20);
        await assert.rejects(nc.request(long, "x", { timeout: 1000 }), InvalidArgumentError, "request");
        await assert.rejects(nc.requestMany(long, "x", { maxWait: 1000 }), InvalidArgumentError, "requestMany");
        await assert.rejects(nc.request(long, "x", { timeout: 1000, noMux: true }), InvalidArgumentError, "request noMux");
        assert.equal((nc as NatsConnectionImpl)._counts().requests, 0, "a request was left behind");
      });
    });

    it("exactly at the limit: published, subscribed and delivered", async () => {
      // a fresh connection: its first subscription gets sid 1, so "SUB <subject> 1" is known exactly
      const edge = await connect({ servers: srv.url });
      try {
        const subject = subjectOf(LIMIT - 2);
        assert.throws(() => edge.subscribe(subjectOf(LIMIT - 1)), InvalidArgumentError, "4095 + 1 + 1");
        const got: Msg[] = [];
        const sub = edge.subscribe(subject, { callback: (_e, m) => got.push(m) });
        assert.equal(sub.getID(), 1, "a refused subscribe took a sid");
        await edge.flush();
        // PUB <subject> <size>: 4094 + 1 + 1 = 4096
        nc.publish(subject, "x");
        const h = headers();
        h.set("X", "y");
        const hlen = (h as MsgHdrsImpl).encode().length;
        // HPUB <subject> <hdrLen> <size>: exactly 4096
        nc.publish(subjectOf(LIMIT - 1 - digits(hlen) - 1 - digits(hlen + 1)), "x", { headers: h });
        await nc.flush();
        await eventually(() => got.length === 1, 3000, "the message at the limit");
        assert.equal(got[0].subject, subject);
        assert.equal(got[0].string(), "x");
        await eventually(() => seen.some((m) => m.subject.length === LIMIT - 1 - digits(hlen) - 1 - digits(hlen + 1)), 3000, "the HPUB at the limit");
        assert.equal(nc.isClosed(), false);
        assert.equal(edge.isClosed(), false);
        assert.doesNotMatch(srv.output, /maximum control line|\[ERR\]/);
      } finally {
        await edge.close();
      }
    });

    it("maxControlLine: a server with a larger max_control_line takes longer lines; bad values and an inboxPrefix that cannot fit are refused", async () => {
      const big = await NatsServer.start({ max_control_line: 8192 });
      try {
        const subject = subjectOf(6000);
        const dflt = await connect({ servers: big.url });
        assert.throws(() => dflt.publish(subject, "x"), InvalidArgumentError, "the default assumes 4096");
        await dflt.close();
        const c = await connect({ servers: big.url, maxControlLine: 8192 });
        const got: Msg[] = [];
        c.subscribe(subject, { callback: (_e, m) => got.push(m) });
        c.publish(subject, "long");
        await c.flush();
        await eventually(() => got.length === 1, 3000, "the 6000-byte subject");
        assert.throws(() => c.publish(subjectOf(8192), "x"), InvalidArgumentError);
        await c.close();
      } finally {
        await big.stop();
      }
      for (const v of [0, -1, 1.5, "4096"]) {
        await assert.rejects(connect({ servers: srv.url, maxControlLine: v as number }), InvalidArgumentError, `maxControlLine ${v}`);
      }
      await assert.rejects(connect({ servers: srv.url, inboxPrefix: subjectOf(4060) }), (err: Error) => {
        assert.ok(err instanceof InvalidArgumentError, String(err));
        assert.match(err.message, /'inboxPrefix' is too long/);
        return true;
      });
    });
  });

  describe("inboxes", () => {
    it("createInbox() rejects bad prefixes with InvalidArgumentError", () => {
      for (const p of ["a b", "a.*", "a.>", "*", ">", "a\r\nPUB x 1\r\n", "a\tb", "a..b", ".a", "a."]) {
        assert.throws(() => createInbox(p), InvalidArgumentError, `createInbox(${show(p)})`);
      }
      assert.throws(() => createInbox(42 as unknown as string), isArgumentTypeError);
    });

    it("createInbox() with a good prefix", () => {
      assert.match(createInbox(), /^_INBOX\.[A-Za-z0-9]+$/);
      assert.match(createInbox("my.inbox"), /^my\.inbox\.[A-Za-z0-9]+$/);
      assert.match(createInbox("héllo"), /^héllo\.[A-Za-z0-9]+$/);
      assert.notEqual(createInbox(), createInbox());
    });

    it("connect() rejects a bad inboxPrefix before opening a connection", async () => {
      const before = (await srv.varz()).total_connections as number;
      for (const p of ["a b", "a.*", "a.>", ">", "a\r\nPUB x 1\r\n", "a..b"]) {
        await assert.rejects(connect({ servers: srv.url, inboxPrefix: p }), InvalidArgumentError, `inboxPrefix ${show(p)}`);
      }
      assert.equal((await srv.varz()).total_connections, before);
    });

    it("a good inboxPrefix is used for request replies", async () => {
      const c = await connect({ servers: srv.url, inboxPrefix: "my.prefix" });
      try {
        const replies: string[] = [];
        const svc = spy.subscribe("ok.inbox", {
          callback: (_e, m) => {
            replies.push(m.reply ?? "");
            m.respond("pong");
          },
        });
        await spy.flush();
        const r = await c.request("ok.inbox", "ping", { timeout: 2000 });
        assert.equal(r.string(), "pong");
        const r2 = await c.request("ok.inbox", "ping", { timeout: 2000, noMux: true });
        assert.equal(r2.string(), "pong");
        assert.equal(replies.length, 2);
        for (const reply of replies) assert.match(reply, /^my\.prefix\./);
        svc.unsubscribe();
      } finally {
        await c.close();
      }
    });
  });
});
