/**
 * Property-based tests of what application strings can put on the wire
 * (fast-check, fixed seed, fixed number of runs; both printed as diagnostics).
 *
 * 1. validateSubject / validateQueue against a model of the rules: a subject
 *    or queue is accepted exactly when it is one protocol token that goes on
 *    the wire unchanged (non-empty, no C0 control, space or DEL, well-formed
 *    UTF-16 so UTF-8 encoding is exact; subjects: no empty token, wildcards
 *    only where allowed, `>` last).
 * 2. The encoder (OutboundBuffer): whatever validated strings and payloads go
 *    in, every PUB/HPUB/SUB/UNSUB written is exactly one control line (plus
 *    its payload), with the strings' exact UTF-8 bytes.
 * 3. End to end on a real nats-server, through a tiny TCP proxy that records
 *    every client-to-server byte: publish, subscribe (queue names), request
 *    (mux and noMux with a reply subject), createInbox prefixes and header
 *    keys/values either throw a clear error with NOTHING written, or appear
 *    on the wire exactly as given, as exactly the frames expected, each one
 *    protocol line; a second connection subscribed to ">" sees them as given.
 *
 * QUICKNATS_FUZZ_SEED overrides the seed. scripts/fuzz.ts imports this module
 * with QUICKNATS_NO_TESTS=1 (no tests registered) to run the pure
 * properties (1, 2) for a fixed time.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import { validateQueue, validateSubject } from "../src/protocol/validate.js";
import { OutboundBuffer } from "../src/protocol/encoder.js";
import { MsgHdrsImpl } from "../src/api/headers.js";
import { type ClientFrame, parseClientFrames } from "../../../test/helpers/rogue-server.js";
import { checkProperty, type Diagnostics, describeProperties, type NamedProperty, tickingProperty } from "./helpers/properties.js";

const te = new TextEncoder();
// keeps a leading U+FEFF: the default decoder drops it, which would hide a changed subject
const td = new TextDecoder("utf-8", { ignoreBOM: true });

export const RUNS = {
  modelWellFormed: 3000,
  modelRules: 3000,
  encoder: 1000,
  publish: 300,
  subscribe: 200,
  request: 150,
  requestNoMux: 100,
  inbox: 150,
  headers: 300,
};

// ---- the model -------------------------------------------------------------

/** Whether `s` has no lone UTF-16 surrogate (so TextEncoder encodes it exactly). */
export function wellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const n = s.charCodeAt(i + 1);
    if (c <= 0xdbff && n >= 0xdc00 && n <= 0xdfff) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

function oneToken(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

/** Token rules of a subject (whitespace and encoding aside). */
function subjectTokensOk(s: string, wildcards: boolean): boolean {
  if (s.length === 0) return false;
  const tokens = s.split(".");
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === "") return false;
    if ((t === "*" || t === ">") && !wildcards) return false;
    if (t === ">" && k !== tokens.length - 1) return false;
  }
  return true;
}

export function subjectOk(s: string, wildcards: boolean): boolean {
  return subjectTokensOk(s, wildcards) && oneToken(s) && wellFormed(s);
}

export function queueOk(q: string): boolean {
  return q.length > 0 && oneToken(q) && wellFormed(q);
}

function headerKeyOk(k: string): boolean {
  if (k.length === 0) return false;
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) return false;
  }
  return true;
}

function headerValueOk(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return wellFormed(v);
}

// ---- strings -----------------------------------------------------------------

/** Hand-picked strings: injection attempts, wildcards, empty tokens, Unicode oddities. */
export const CRAFTED = [
  "", " ", "foo", "foo.bar", "foo bar", "foo\tbar", "foo\r\nPUB x 1\r\n", "foo\nbar", "foo\r", "\r\n", "a\u0000b", "a\u007fb",
  "a\u000bb", "a\u000cb", ".", "..", "a..b", ".a", "a.", "*", ">", "a.*", "a.>", "a.>.b", ">.a", "*.*", "a.*b", "a.b*", "a>", ">a",
  "$SYS.REQ.x", "_INBOX.x", "héllo.wörld", "日本.語", "😀.🎉", "a\u2028b", "a\u2029b", "a\u0085b", "a\u00a0b", "\ufeffa", "a\u200bb",
  "x".repeat(1000), `${"a.".repeat(200)}b`, "PING", "+OK", "-ERR", "MSG", "a\r\n\r\nb", "1 2", "foo\r\nUNSUB 1\r\n", "NATS/1.0",
  "a:b", "Content-Type", "X-A", "  padded  ", "\t", "k\u00e9y",
];

/** Single characters, weighted towards the interesting ones. */
const charArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("a", "b", "z", "0", "9", "_", "-", "$", ":", "A") },
  { weight: 4, arbitrary: fc.constantFrom(".", ".", "*", ">") },
  { weight: 2, arbitrary: fc.constantFrom(" ", "\t", "\r", "\n", "\u0000", "\u007f", "\u000b", "\u000c", "\u001b") },
  { weight: 2, arbitrary: fc.constantFrom("\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u200b", "é", "日", "😀") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

/** Well-formed strings (no lone surrogates): what the end-to-end properties draw from. */
export const wellFormedStringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: charArb, minLength: 1, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 3, arbitrary: fc.constantFrom(...CRAFTED) },
);

/** Any string: the above plus lone surrogates. */
export const anyStringArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: wellFormedStringArb },
  {
    weight: 1,
    arbitrary: fc
      .tuple(wellFormedStringArb, fc.integer({ min: 0xd800, max: 0xdfff }), fc.nat(30))
      .map(([s, c, at]) => s.slice(0, at % (s.length + 1)) + String.fromCharCode(c) + s.slice(at % (s.length + 1))),
  },
);

/** Subjects that are usually valid (so the accepted path gets exercised too). */
const mostlyValidSubjectArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: wellFormedStringArb },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.string({ unit: charArb, minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 })
      .map((tokens) => tokens.join(".")),
  },
);

const payloadArb = fc.uint8Array({ maxLength: 200 });

// ---- the encoder -------------------------------------------------------------

type Op =
  | { op: "pub"; subject: string; reply: string | undefined; headers: Uint8Array | undefined; payload: Uint8Array | string }
  | { op: "sub"; subject: string; queue: string | undefined; sid: number }
  | { op: "unsub"; sid: number; max: number | undefined };

const validPubSubject = mostlyValidSubjectArb.filter((s) => validateSubject(s, false) === null && wellFormed(s));
const validSubSubject = mostlyValidSubjectArb.filter((s) => validateSubject(s, true) === null && wellFormed(s));
const validQueue = wellFormedStringArb.filter((q) => validateQueue(q) === null && wellFormed(q));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("pub" as const),
    subject: validPubSubject,
    reply: fc.option(validPubSubject, { nil: undefined }),
    headers: fc.option(
      fc.array(fc.tuple(wellFormedStringArb.filter(headerKeyOk), wellFormedStringArb.filter(headerValueOk)), { maxLength: 3 })
        .map((entries) => {
          const h = new MsgHdrsImpl();
          for (const [k, v] of entries) h.append(k, v);
          return h.encode();
        }),
      { nil: undefined },
    ),
    payload: fc.oneof(payloadArb, fc.string({ unit: "grapheme", maxLength: 40 })),
  }),
  fc.record({ op: fc.constant("sub" as const), subject: validSubSubject, queue: fc.option(validQueue, { nil: undefined }), sid: fc.nat(1_000_000) }),
  fc.record({ op: fc.constant("unsub" as const), sid: fc.nat(1_000_000), max: fc.option(fc.nat(1_000_000), { nil: undefined }) }),
);

const str = (b: Uint8Array): string => td.decode(b);

/** Checks that `f` is exactly the frame `o` should have written. */
function checkFrame(f: ClientFrame, o: Op): void {
  switch (o.op) {
    case "pub": {
      const data = typeof o.payload === "string" ? te.encode(o.payload) : o.payload;
      assert.equal(f.op, o.headers ? "HPUB" : "PUB");
      assert.equal(str(f.args[0]), o.subject, "subject on the wire");
      const n = f.args.length;
      assert.equal(n, 2 + (o.reply ? 1 : 0) + (o.headers ? 1 : 0), "argument count");
      if (o.reply) assert.equal(str(f.args[1]), o.reply, "reply on the wire");
      if (o.headers) {
        assert.equal(str(f.args[n - 2]), String(o.headers.length));
        assert.deepStrictEqual(new Uint8Array(f.headers!), new Uint8Array(o.headers));
      }
      assert.equal(str(f.args[n - 1]), String((o.headers?.length ?? 0) + data.length));
      assert.deepStrictEqual(new Uint8Array(f.data!), new Uint8Array(data));
      return;
    }
    case "sub":
      assert.equal(f.op, "SUB");
      assert.deepStrictEqual(f.args.map(str), [o.subject, ...(o.queue ? [o.queue] : []), String(o.sid)]);
      return;
    case "unsub":
      assert.equal(f.op, "UNSUB");
      assert.deepStrictEqual(f.args.map(str), [String(o.sid), ...(o.max !== undefined ? [String(o.max)] : [])]);
      return;
  }
}

/** Writes the ops into one OutboundBuffer: one frame per op, each one line, exact bytes. */
export function checkEncoder(ops: Op[]): void {
  const out = new OutboundBuffer(64);
  for (const o of ops) {
    if (o.op === "pub") {
      if (typeof o.payload === "string") out.pubString(o.subject, o.reply, o.headers, o.payload);
      else out.pub(o.subject, o.reply, o.headers, o.payload);
    } else if (o.op === "sub") {
      out.sub(o.subject, o.queue, o.sid);
    } else {
      out.unsub(o.sid, o.max);
    }
  }
  const bytes = out.take();
  const { frames, rest, error } = parseClientFrames(bytes);
  assert.equal(error, undefined, error);
  assert.equal(rest, bytes.length, "bytes left over after the frames");
  assert.equal(frames.length, ops.length, "one frame per operation");
  frames.forEach((f, k) => checkFrame(f, ops[k]));
}

// ---- the pure properties, as the tests and the fuzz script run them -------

export function properties(tick: () => void = () => {}): NamedProperty[] {
  const p = <T>(arb: fc.Arbitrary<T>, check: (v: T) => void) => tickingProperty(tick, arb, check);
  return [
    {
      name: "accepted subjects and queues are well-formed UTF-16 (sent exactly as given)",
      runs: RUNS.modelWellFormed,
      property: p(fc.tuple(anyStringArb, fc.boolean()), ([s, w]) => {
        if (validateSubject(s, w) === null) assert.ok(wellFormed(s), `validateSubject accepted ${JSON.stringify(s)}, which has a lone surrogate`);
        if (validateQueue(s) === null) assert.ok(wellFormed(s), `validateQueue accepted ${JSON.stringify(s)}, which has a lone surrogate`);
      }),
    },
    {
      name: "validateSubject/validateQueue follow the rules",
      runs: RUNS.modelRules,
      property: p(fc.tuple(wellFormedStringArb, fc.boolean()), ([s, w]) => {
        const why = validateSubject(s, w);
        assert.equal(why === null, subjectOk(s, w), `validateSubject(${JSON.stringify(s)}, ${w}) = ${why}`);
        if (why !== null) assert.ok(typeof why === "string" && why.length > 0, "a reason is given");
        const qwhy = validateQueue(s);
        assert.equal(qwhy === null, queueOk(s), `validateQueue(${JSON.stringify(s)}) = ${qwhy}`);
      }),
    },
    {
      name: "encoder: one protocol line per frame, exact bytes",
      runs: RUNS.encoder,
      property: p(fc.array(opArb, { minLength: 1, maxLength: 8 }), checkEncoder),
    },
  ];
}

// ---- end to end ------------------------------------------------------------

/** A TCP proxy in front of the real server that records what each client sends. */
class WireTap {
  readonly server = net.createServer();
  /** client-to-server bytes, per accepted connection */
  readonly captured: Buffer[] = [];
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly upstreamPort: number) {
    this.server.on("connection", (client) => {
      const k = this.captured.length;
      this.captured.push(Buffer.alloc(0));
      const upstream = net.connect(this.upstreamPort, "127.0.0.1");
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("error", () => {});
        s.on("close", () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on("data", (chunk: Buffer) => {
        this.captured[k] = Buffer.concat([this.captured[k], chunk]);
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => client.write(chunk));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
  }

  get url(): string {
    return `nats://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const isName = (name: string) => (e: unknown): boolean => e instanceof Error && e.name === name;

if (process.env.QUICKNATS_NO_TESTS !== "1") {
  describeProperties("validation properties (fast-check, no server)", properties());

  describe("validation properties, end to end (real nats-server, wire recorded)", async () => {
    // loaded here so the fuzz script (which skips this block) needs neither the build nor a server
    const { NatsServer } = await import("../../../test/helpers/nats-server.js");
    const nats = await import("@quicknats/node");
    const { connect, createInbox, headers, InvalidArgumentError, InvalidSubjectError } = nats;
    type NatsConnection = import("@quicknats/node").NatsConnection;
    type Status = import("@quicknats/node").Status;

    let srv: Awaited<ReturnType<typeof NatsServer.start>>;
    let tap: WireTap;
    let nc: NatsConnection; // through the tap: every byte it sends is recorded
    let spy: NatsConnection; // direct, subscribed to ">": what the server actually routed
    const seen: Array<{ subject: string; reply: string | undefined; data: Uint8Array; headers: Array<[string, string[]]> }> = [];
    const errors: Status[] = [];
    let statusDone: Promise<void>;

    before(async () => {
      srv = await NatsServer.start();
      tap = new WireTap(srv.port);
      await tap.listen();
      spy = await connect({ servers: srv.url });
      spy.subscribe(">", {
        callback: (_e, m) => {
          seen.push({ subject: m.subject, reply: m.reply || undefined, data: m.data.slice(), headers: m.headers ? [...m.headers] : [] });
          // an echo responder for the request properties
          if (m.reply && m.string().startsWith("echo:")) m.respond(m.data);
        },
      });
      await spy.flush();
      nc = await connect({ servers: tap.url });
      statusDone = (async () => {
        for await (const s of nc.status()) if (s.type === "error") errors.push(s);
      })();
      // the shared request inbox is subscribed once, on the first request
      const r = await nc.request("warm.up", "echo:", { timeout: 2000 });
      assert.equal(r.string(), "echo:");
      // the spy's ">" also gets its own reply back: a round trip on the spy
      // makes sure it has, so it cannot land in the first case's window
      await spy.flush();
    });

    after(async () => {
      await nc?.close();
      await statusDone;
      await spy?.close();
      await tap?.close();
      await srv?.stop();
    });

    /**
     * Runs `action`, then a flush through the tap (so everything it wrote has
     * been recorded and processed by the server) and a flush of the spy (so
     * whatever the server routed has arrived). Returns what `action` threw
     * and the frames it wrote (the flush's PING removed).
     */
    async function observe(action: () => unknown): Promise<{ threw: unknown; result: unknown; frames: ClientFrame[]; seen: typeof seen }> {
      const mark = tap.captured[0].length;
      const seenMark = seen.length;
      let threw: unknown;
      let result: unknown;
      try {
        result = action();
      } catch (err) {
        threw = err;
      }
      if (result instanceof Promise) {
        try {
          result = await result;
        } catch (err) {
          threw = err;
        }
      }
      await nc.flush();
      await spy.flush();
      const wire = tap.captured[0].subarray(mark);
      const { frames, rest, error } = parseClientFrames(wire);
      assert.equal(error, undefined, `malformed client bytes: ${error}: ${JSON.stringify(wire.toString("latin1"))}`);
      assert.equal(rest, wire.length, "an incomplete frame on the wire");
      // a PONG answers a server PING (nats-server pings new clients to measure the RTT)
      const mine = frames.filter((f) => f.op !== "PONG");
      assert.equal(mine.at(-1)?.op, "PING", "the flush's PING comes last");
      return { threw, result, frames: mine.slice(0, -1), seen: seen.slice(seenMark) };
    }

    function assertInvalidSubject(threw: unknown, what: string): void {
      assert.ok(threw instanceof InvalidSubjectError, `${what}: expected InvalidSubjectError, got ${String(threw)}`);
      assert.match((threw as Error).message, /^illegal subject: '/);
    }

    /** Runs an async property with the seed and prints the count. */
    async function run<T>(t: Diagnostics, name: string, runs: number, arb: fc.Arbitrary<T>, check: (v: T) => Promise<void>): Promise<void> {
      await checkProperty(t, name, runs, fc.asyncProperty(arb, check));
    }

    it(`publish(subject, data, { reply }): ${RUNS.publish} cases`, async (t) => {
      let ok = 0;
      await run(t, "publish", RUNS.publish, fc.tuple(mostlyValidSubjectArb, fc.option(mostlyValidSubjectArb, { nil: undefined }), payloadArb), async ([subject, reply, data]) => {
        // publish and reply subjects follow the subscription rules ('*', '>' last)
        const valid = subjectOk(subject, true) && (!reply || subjectOk(reply, true));
        const r = await observe(() => nc.publish(subject, data, { reply }));
        if (!valid) {
          assertInvalidSubject(r.threw, `publish(${JSON.stringify(subject)}, reply ${JSON.stringify(reply)})`);
          assert.deepStrictEqual(r.frames, [], "nothing written");
          assert.deepStrictEqual(r.seen, [], "nothing routed");
          return;
        }
        ok++;
        assert.equal(r.threw, undefined);
        assert.equal(r.frames.length, 1, "one frame");
        checkFrame(r.frames[0], { op: "pub", subject, reply: reply || undefined, headers: undefined, payload: data });
        assert.equal(r.seen.length, 1, "the server routed it once");
        assert.equal(r.seen[0].subject, subject);
        assert.equal(r.seen[0].reply, reply || undefined);
        assert.deepStrictEqual(new Uint8Array(r.seen[0].data), new Uint8Array(data));
      });
      t.diagnostic(`publish: ${ok} accepted`);
      assert.ok(ok > RUNS.publish / 10, `only ${ok} valid cases: the generator is off`);
    });

    it(`subscribe(subject, { queue }) and unsubscribe(): ${RUNS.subscribe} cases`, async (t) => {
      let ok = 0;
      await run(t, "subscribe", RUNS.subscribe, fc.tuple(mostlyValidSubjectArb, fc.option(wellFormedStringArb, { nil: undefined })), async ([subject, queue]) => {
        const valid = subjectOk(subject, true) && (!queue || queueOk(queue));
        let sub: ReturnType<NatsConnection["subscribe"]> | undefined;
        const r = await observe(() => {
          sub = nc.subscribe(subject, { queue, callback: () => {} });
        });
        if (!valid) {
          assertInvalidSubject(r.threw, `subscribe(${JSON.stringify(subject)}, queue ${JSON.stringify(queue)})`);
          assert.deepStrictEqual(r.frames, [], "nothing written");
          return;
        }
        ok++;
        assert.equal(r.threw, undefined);
        assert.equal(r.frames.length, 1, "one frame");
        const sid = sub!.getID();
        checkFrame(r.frames[0], { op: "sub", subject, queue: queue || undefined, sid });
        const u = await observe(() => sub!.unsubscribe());
        assert.equal(u.frames.length, 1);
        checkFrame(u.frames[0], { op: "unsub", sid, max: undefined });
      });
      t.diagnostic(`subscribe: ${ok} accepted`);
      assert.ok(ok > RUNS.subscribe / 10, `only ${ok} valid cases`);
    });

    it(`request(subject, data) on the shared inbox: ${RUNS.request} cases`, async (t) => {
      let ok = 0;
      await run(t, "request", RUNS.request, fc.tuple(mostlyValidSubjectArb, payloadArb), async ([subject, bytes]) => {
        const data = new Uint8Array([...te.encode("echo:"), ...bytes]);
        let syncThrow: unknown;
        const r = await observe(() => {
          try {
            return nc.request(subject, data, { timeout: 2000 });
          } catch (err) {
            syncThrow = err;
            throw err;
          }
        });
        assert.equal(syncThrow, undefined, "request() rejects, it never throws");
        if (!subjectOk(subject, true)) {
          assertInvalidSubject(r.threw, `request(${JSON.stringify(subject)})`);
          assert.deepStrictEqual(r.frames, [], "nothing written");
          return;
        }
        ok++;
        assert.equal(r.threw, undefined, `request failed: ${String(r.threw)}`);
        assert.equal(r.frames.length, 1, "one frame");
        const f = r.frames[0];
        assert.equal(f.op, "PUB");
        assert.equal(str(f.args[0]), subject);
        assert.match(str(f.args[1]), /^_INBOX\.[A-Za-z0-9]+\.[a-z0-9]+$/, "the mux reply subject");
        assert.deepStrictEqual(new Uint8Array(f.data!), data);
        assert.deepStrictEqual(new Uint8Array((r.result as { data: Uint8Array }).data), data, "the echo came back");
      });
      t.diagnostic(`request: ${ok} accepted`);
      assert.ok(ok > RUNS.request / 10, `only ${ok} valid cases`);
    });

    it(`request(subject, data, { noMux, reply }): ${RUNS.requestNoMux} cases`, async (t) => {
      let ok = 0;
      await run(t, "request noMux", RUNS.requestNoMux, fc.tuple(mostlyValidSubjectArb, mostlyValidSubjectArb), async ([subject, reply]) => {
        const data = te.encode("echo:x");
        const r = await observe(() => nc.request(subject, data, { timeout: 2000, noMux: true, reply }));
        // an empty reply means "make one", as in the official client
        if (!subjectOk(subject, true) || (reply !== "" && !subjectOk(reply, true))) {
          assertInvalidSubject(r.threw, `request(${JSON.stringify(subject)}, reply ${JSON.stringify(reply)})`);
          assert.deepStrictEqual(r.frames, [], "nothing written");
          return;
        }
        ok++;
        assert.equal(r.threw, undefined, `request failed: ${String(r.threw)}`);
        // SUB reply sid, UNSUB sid 1 (auto-unsubscribe after the reply), PUB subject reply n
        assert.deepStrictEqual(r.frames.map((f) => f.op), ["SUB", "UNSUB", "PUB"]);
        const inbox = reply || str(r.frames[0].args[0]);
        if (reply === "") assert.match(inbox, /^_INBOX\.[A-Za-z0-9]{22}$/);
        const sid = Number(str(r.frames[0].args[1]));
        checkFrame(r.frames[0], { op: "sub", subject: inbox, queue: undefined, sid });
        checkFrame(r.frames[1], { op: "unsub", sid, max: 1 });
        checkFrame(r.frames[2], { op: "pub", subject, reply: inbox, headers: undefined, payload: data });
        assert.deepStrictEqual(new Uint8Array((r.result as { data: Uint8Array }).data), data, "the echo came back");
      });
      t.diagnostic(`request noMux: ${ok} accepted`);
      assert.ok(ok > RUNS.requestNoMux / 10, `only ${ok} valid cases`);
    });

    it(`createInbox(prefix), then publish to it: ${RUNS.inbox} cases`, async (t) => {
      let ok = 0;
      await run(t, "createInbox", RUNS.inbox, mostlyValidSubjectArb, async (prefix) => {
        let inbox: string;
        try {
          inbox = createInbox(prefix);
        } catch (err) {
          assert.ok(prefix !== "" && !subjectOk(prefix, false), `createInbox(${JSON.stringify(prefix)}) threw ${String(err)}`);
          assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
          assert.match((err as Error).message, /prefix/);
          return;
        }
        assert.ok(prefix === "" || subjectOk(prefix, false), `createInbox accepted ${JSON.stringify(prefix)}`);
        ok++;
        const p = prefix || "_INBOX";
        assert.ok(inbox.startsWith(`${p}.`), "the prefix is kept exactly");
        assert.match(inbox.slice(p.length + 1), /^[A-Za-z0-9]{22}$/);
        const r = await observe(() => nc.publish(inbox, "x"));
        assert.equal(r.threw, undefined);
        assert.equal(r.frames.length, 1);
        checkFrame(r.frames[0], { op: "pub", subject: inbox, reply: undefined, headers: undefined, payload: "x" });
        assert.deepStrictEqual(r.seen.map((m) => m.subject), [inbox]);
      });
      t.diagnostic(`createInbox: ${ok} accepted`);
      assert.ok(ok > RUNS.inbox / 10, `only ${ok} valid cases`);
    });

    it(`headers: append(key, value), then publish: ${RUNS.headers} cases`, async (t) => {
      let ok = 0;
      const keyArb = fc.oneof(wellFormedStringArb, fc.string({ unit: fc.integer({ min: 32, max: 127 }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 12 }));
      await run(t, "headers", RUNS.headers, fc.tuple(keyArb, wellFormedStringArb), async ([key, value]) => {
        const h = headers();
        const valid = headerKeyOk(key) && headerValueOk(value);
        try {
          h.append(key, value);
        } catch (err) {
          assert.ok(!valid, `append(${JSON.stringify(key)}, ${JSON.stringify(value)}) threw ${String(err)}`);
          assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError, got ${String(err)}`);
          if (/[\r\n]/.test(value)) assert.ok(!(err as Error).message.includes(value), "the message does not echo the value");
          const r = await observe(() => nc.publish("hdr.test", "x", { headers: h }));
          // the failed append left the set empty: no header block, nothing injected
          assert.equal(r.frames.length, 1);
          assert.equal(r.frames[0].headers, undefined);
          return;
        }
        assert.ok(valid, `append accepted key ${JSON.stringify(key)}, value ${JSON.stringify(value)}`);
        ok++;
        const r = await observe(() => nc.publish("hdr.test", "x", { headers: h }));
        assert.equal(r.threw, undefined);
        assert.equal(r.frames.length, 1, "one frame");
        const f = r.frames[0];
        assert.equal(f.op, "HPUB");
        // values are trimmed, as in the official client
        assert.equal(str(f.headers!), `NATS/1.0\r\n${key}: ${value.trim()}\r\n\r\n`);
        assert.equal(r.seen.length, 1);
        assert.deepStrictEqual(r.seen[0].headers, [[key, [value.trim()]]]);
      });
      t.diagnostic(`headers: ${ok} accepted`);
      assert.ok(ok > RUNS.headers / 10, `only ${ok} valid cases`);
    });

    it("inboxPrefix option: valid prefixes are used exactly, invalid ones refused before dialing", async () => {
      for (const prefix of ["my.prefix", "héllo", "😀.x", "a\u2028b"]) {
        const k = tap.captured.length;
        const c = await connect({ servers: tap.url, inboxPrefix: prefix });
        try {
          const m = await c.request("inbox.prefix.test", "echo:1", { timeout: 2000 });
          assert.equal(m.string(), "echo:1");
          const { frames } = parseClientFrames(tap.captured[k]);
          const sub = frames.find((f) => f.op === "SUB");
          assert.ok(sub, `no SUB for prefix ${JSON.stringify(prefix)}`);
          const inbox = str(sub.args[0]);
          assert.ok(inbox.startsWith(`${prefix}.`), `inbox ${JSON.stringify(inbox)} for prefix ${JSON.stringify(prefix)}`);
          assert.match(inbox.slice(prefix.length), /^\.[A-Za-z0-9]{22}\.\*$/);
          const pub = frames.find((f) => f.op === "PUB");
          assert.ok(pub && str(pub.args[1]).startsWith(`${prefix}.`), "the request's reply subject uses the prefix");
        } finally {
          await c.close();
        }
      }
      for (const prefix of ["a b", "a\r\nPUB x 1\r\n", "a.>", "a.*", "a..b", "\t"]) {
        const k = tap.captured.length;
        await assert.rejects(connect({ servers: tap.url, inboxPrefix: prefix }), isName("InvalidArgumentError"), JSON.stringify(prefix));
        assert.equal(tap.captured.length, k, `a connection was made for inboxPrefix ${JSON.stringify(prefix)}`);
      }
    });

    it("lone UTF-16 surrogates are refused everywhere, before anything is written", async () => {
      // TextEncoder turns a lone surrogate into U+FFFD: accepting one means
      // sending a different subject than the one given
      const bad = ["a\ud800", "\udc00.b", "x.\ud83d"];
      const problems: string[] = [];
      const attempt = async (what: string, action: () => unknown): Promise<void> => {
        const r = await observe(action);
        if (!(r.threw instanceof Error) || r.frames.length > 0) {
          problems.push(`${what}: ${r.threw ? "threw" : "accepted"}, wrote ${JSON.stringify(r.frames.map((f) => Buffer.from(f.raw).toString()))}`);
        }
      };
      for (const s of bad) {
        const q = JSON.stringify(s);
        await attempt(`publish(${q})`, () => nc.publish(s, "x"));
        await attempt(`publish reply ${q}`, () => nc.publish("ok.subject", "x", { reply: s }));
        await attempt(`subscribe(${q})`, () => nc.subscribe(s, { callback: () => {} }).unsubscribe());
        await attempt(`subscribe queue ${q}`, () => nc.subscribe("ok.subject", { queue: s, callback: () => {} }).unsubscribe());
        await attempt(`request(${q})`, () => nc.request(s, "x", { timeout: 100 }));
        await attempt(`request noMux reply ${q}`, () => nc.request("ok.subject", "x", { timeout: 100, noMux: true, reply: s }));
        await attempt(`createInbox(${q})`, () => nc.publish(createInbox(s), "x"));
      }
      for (const s of bad) {
        const k = tap.captured.length;
        try {
          const c = await connect({ servers: tap.url, inboxPrefix: s });
          await c.close();
          problems.push(`connect({ inboxPrefix: ${JSON.stringify(s)} }): accepted`);
        } catch (err) {
          if (!isName("InvalidArgumentError")(err)) problems.push(`connect({ inboxPrefix }): ${String(err)}`);
        }
        if (tap.captured.length !== k) problems.push(`connect({ inboxPrefix: ${JSON.stringify(s)} }): dialed`);
      }
      assert.deepStrictEqual(problems, []);
    });

    it("a subject or reply starting with U+FEFF reaches the subscriber unchanged", async () => {
      // a BOM-stripping TextDecoder would deliver "a" for "\ufeffa", and a
      // response to msg.reply would go to another subject
      const r = await observe(() => nc.publish("\ufeffbom.subject", "x", { reply: "\ufeffbom.reply" }));
      assert.equal(r.frames.length, 1);
      checkFrame(r.frames[0], { op: "pub", subject: "\ufeffbom.subject", reply: "\ufeffbom.reply", headers: undefined, payload: "x" });
      assert.deepStrictEqual(r.seen.map((m) => [m.subject, m.reply]), [["\ufeffbom.subject", "\ufeffbom.reply"]]);
    });

    it("after all of the above the connection is still up and the server reported no error", async () => {
      assert.equal(nc.isClosed(), false);
      await nc.flush();
      assert.deepStrictEqual(errors.map((e) => (e as { error: Error }).error.message), []);
      const cz = await srv.connz({ cid: nc.info!.client_id });
      assert.equal(cz.connections.length, 1);
    });
  });
}
