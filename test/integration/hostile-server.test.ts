// A misbehaving server (test/helpers/rogue-server.ts) against the real client:
// garbage, malformed INFO, a MSG for an unknown sid, a 2 GB frame, drip-fed
// bytes, silence, closing mid-frame, and -ERR lines of every kind. For each
// scenario: the documented outcome (how the connection ends and with which
// error, or that it survives), no unhandled rejection, no uncaught exception,
// no timer or socket left behind (process.getActiveResourcesInfo() before and
// after), and in the end the file exits on its own.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AuthorizationError,
  ConnectionError,
  connect,
  ErrorCode,
  headers,
  type Msg,
  type MsgHdrsImpl,
  type NatsConnection,
  PermissionViolationError,
  ProtocolError,
  RequestError,
  type Status,
  UserAuthenticationExpiredError,
} from "@quicknats/node";
import fc from "fast-check";
import { type RogueConn, type RogueOptions, RogueServer, scenarios } from "../helpers/rogue-server.js";
import { trackLiveHandles } from "../helpers/leaks.js";
import { StatusLog } from "../helpers/status.js";
import { eventually, sleep, within } from "../helpers/wait.js";

/** Random hostile streams run end to end in `npm test` (scripts/fuzz.ts runs them for a time). */
const RUNS_E2E = 300;

// ---- process-wide tripwires ---------------------------------------------------

const unhandled: unknown[] = [];
const uncaught: unknown[] = [];
const TESTS = process.env.QUICKNATS_NO_TESTS !== "1";
if (TESTS) {
  process.on("unhandledRejection", (reason) => unhandled.push(reason));
  process.on("uncaughtException", (err) => uncaught.push(err));
}

/**
 * Resources that must not outlive a scenario: what keeps the process alive
 * (process.getActiveResourcesInfo(): sockets, servers, ref'ed timers), plus
 * every live timer and TCP handle seen by an async hook, so an unref'ed timer
 * left running (which would not keep the process alive) is caught too.
 */
const WATCHED = ["TCPSocketWrap", "TCPServerWrap", "Timeout", "live Timeout", "live TCPWRAP", "live TCPSERVERWRAP"] as const;
type Resources = Record<(typeof WATCHED)[number], number>;

const live = trackLiveHandles();

function resources(): Resources {
  const r: Resources = { "TCPSocketWrap": 0, "TCPServerWrap": 0, "Timeout": 0, "live Timeout": 0, "live TCPWRAP": 0, "live TCPSERVERWRAP": 0 };
  for (const name of process.getActiveResourcesInfo()) {
    if (name in r) r[name as keyof Resources]++;
  }
  for (const type of live.values()) r[`live ${type}` as keyof Resources]++;
  return r;
}

const FILE_START = resources();

/** Waits (bounded) until no watched resource is above `before`; fails listing what is left. */
async function assertNothingLeaked(before: Resources, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    // let close callbacks and rejections surface
    await new Promise((r) => setImmediate(r));
    const now = resources();
    const over = WATCHED.filter((k) => now[k] > before[k]);
    if (over.length === 0) break;
    if (Date.now() > deadline) {
      assert.fail(`${what}: left behind ${over.map((k) => `${now[k] - before[k]} ${k}`).join(", ")} (${process.getActiveResourcesInfo().join(", ")})`);
    }
    await sleep(20);
  }
  assert.deepStrictEqual(unhandled, [], `${what}: unhandled rejections`);
  assert.deepStrictEqual(uncaught, [], `${what}: uncaught exceptions`);
}

const describeStatus = (events: Status[]): string =>
  events.map((s) => (s.type === "error" ? `error(${s.error.name}: ${s.error.message})` : s.type)).join(", ");

/**
 * Runs one scenario: starts a rogue server, runs `body`, then closes whatever
 * is left and checks that nothing leaked.
 */
async function scenario(
  opts: RogueOptions,
  body: (rogue: RogueServer, track: (nc: NatsConnection) => NatsConnection) => Promise<void>,
): Promise<void> {
  const before = resources();
  const rogue = await RogueServer.start(opts);
  const conns: NatsConnection[] = [];
  try {
    await body(rogue, (nc) => {
      conns.push(nc);
      return nc;
    });
  } finally {
    for (const nc of conns) await within(nc.close(), 5000, "close()");
    await rogue.stop();
  }
  await assertNothingLeaked(before, "after the scenario");
}

/** connect() to the rogue server with a short timeout and no reconnect unless overridden. */
function dial(rogue: RogueServer, extra: Record<string, unknown> = {}): Promise<NatsConnection> {
  return connect({ servers: rogue.url, timeout: 3000, reconnect: false, ...extra });
}

/** A validator for assert.rejects / closed(): an error of class `cls` with `code` (if given) whose message matches `re`. */
function isA(cls: abstract new (...args: never[]) => Error, re?: RegExp, code?: ErrorCode) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
    if (code) assert.equal((err as { code?: unknown }).code, code);
    if (re) assert.match((err as Error).message, re);
    return true;
  };
}

/** Waits for the client's SUB to `subject` on `c` and returns its sid. */
const sidOf = (c: RogueConn, subject: string): Promise<number> => c.sidOf(subject, 5000);

/**
 * Status events are seen only by an iterator made before them, so scenarios
 * that test them wait for the client's go-ahead: a SUB to "go", sent once the
 * test has called status().
 */
const GO = "go";
const goAhead = (nc: NatsConnection): void => void nc.subscribe(GO, { callback: () => {} });

// ---- random hostile streams, end to end ----------------------------------------

/** How a connection may end when a server sends garbage: these classes, nothing else. */
const ALLOWED_ENDINGS = ["ProtocolError", "ConnectionError", "AuthorizationError", "UserAuthenticationExpiredError"];

/** Joins neighbouring pieces so that there are at most `max`. */
function regroup(pieces: Uint8Array[], max: number): Uint8Array[] {
  if (pieces.length <= max) return pieces;
  const per = Math.ceil(pieces.length / max);
  const out: Uint8Array[] = [];
  for (let k = 0; k < pieces.length; k += per) out.push(Buffer.concat(pieces.slice(k, k + per)));
  return out;
}

export interface StreamOutcome {
  /** the class name of closed()'s error, "undefined", or "hang" */
  ending: string;
  /** messages delivered to the subscription on "a" (sid 1) */
  delivered: number;
  /** anything that must not happen: a disallowed ending, a message whose fields throw, a hang */
  problems: string[];
}

/**
 * Connects to a rogue server that, once the client has subscribed to "a"
 * (sid 1, as in the parser's hostile streams), sends `chunks` (a setImmediate
 * apart) and hangs up. The client must end with one of ALLOWED_ENDINGS
 * within 3 s, and every message it delivers must be readable.
 */
export async function runHostileStream(pieces: Uint8Array[]): Promise<StreamOutcome> {
  // at most 64 writes (a setImmediate apart): byte-by-byte cuts of a 64 KiB line would take seconds
  const chunks = regroup(pieces, 64);
  const problems: string[] = [];
  let delivered = 0;
  const rogue = await RogueServer.start({
    scenario: async (c) => {
      await c.sidOf("a", 3000);
      for (const ch of chunks) {
        if (c.isClosed) return;
        c.send(ch);
        await new Promise((r) => setImmediate(r));
      }
      c.end();
    },
  });
  let nc: NatsConnection | undefined;
  let ending = "connect failed";
  try {
    nc = await connect({ servers: rogue.url, reconnect: false, timeout: 3000 });
    nc.subscribe("a", {
      callback: (err, m) => {
        if (err) return;
        delivered++;
        try {
          // every field a user might read
          void [m.subject, m.reply, m.sid, m.data.length, m.string()];
          if (m.headers) for (const [k, v] of m.headers) void [k, v, m.headers.get(k), m.headers.code, m.headers.status];
        } catch (e) {
          problems.push(`reading a delivered message threw ${(e as Error)?.name}: ${(e as Error)?.message}`);
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<"hang">((r) => {
      timer = setTimeout(() => r("hang"), 3000);
    });
    const result = await Promise.race([nc.closed(), hang]);
    clearTimeout(timer);
    if (result === "hang") {
      ending = "hang";
      problems.push("the connection neither closed nor failed within 3 s of the server hanging up");
    } else {
      ending = result === undefined ? "undefined" : (result as Error).name;
      if (!ALLOWED_ENDINGS.includes(ending)) problems.push(`closed() resolved with ${ending}: ${(result as Error)?.message}`);
    }
  } catch (err) {
    ending = `connect: ${(err as Error)?.name}`;
    problems.push(`connect() failed against a server that completes the handshake: ${String(err)}`);
  } finally {
    await nc?.close();
    await rogue.stop();
  }
  return { ending, delivered, problems };
}

if (TESTS) describe("hostile server", () => {
  after(async () => {
    // the tripwires stay installed to the end; this is the final word on them
    assert.deepStrictEqual(unhandled, []);
    assert.deepStrictEqual(uncaught, []);
  });

  describe("broken handshakes: connect() rejects with a ProtocolError", () => {
    it("garbage right after INFO", async () => {
      await scenario(scenarios.garbageAfterInfo(), async (rogue) => {
        await assert.rejects(within(dial(rogue), 5000, "connect"), isA(ProtocolError, /unknown protocol operation/, ErrorCode.BadServerData));
      });
    });

    for (const [what, line, re] of [
      ["not JSON", "INFO {nope\r\n", /not JSON/],
      ["a number", "INFO 42\r\n", /not a JSON object/],
      ["null", "INFO null\r\n", /not a JSON object/],
      ["a string", 'INFO "x"\r\n', /not a JSON object/],
      ["an array", "INFO [1,2]\r\n", /not a JSON object/],
      ["empty", "INFO\r\n", /missing INFO arguments/],
      ["longer than 1 MiB (INFO's own bound; other lines stop at 64 KiB)", `INFO {"x":"${"a".repeat(1_100_000)}"}\r\n`, /INFO line exceeds 1048576 bytes/],
      ["not even INFO", "HELLO there\r\n", /unknown protocol operation/],
    ] as const) {
      it(`a malformed INFO: ${what}`, async () => {
        await scenario(scenarios.malformedInfo(line), async (rogue) => {
          await assert.rejects(within(dial(rogue), 5000, "connect"), isA(ProtocolError, re, ErrorCode.BadServerData));
        });
      });
    }

    it("-ERR 'Authorization Violation' in answer to CONNECT: AuthorizationError", async () => {
      await scenario({
        handshake: false,
        preHandshake: async (c) => {
          await c.waitFrame((f) => f.op === "CONNECT");
          c.send("-ERR 'Authorization Violation'\r\n").end();
        },
      }, async (rogue) => {
        await assert.rejects(within(dial(rogue), 5000, "connect"), isA(AuthorizationError, /Authorization Violation/));
      });
    });

    it("INFO and handshake PONG drip-fed one byte at a time: connects", async () => {
      const info = `INFO ${JSON.stringify({ server_id: "DRIP", version: "2.9.10", proto: 1, headers: true, max_payload: 1024 })}\r\n`;
      await scenario({
        info: null,
        handshake: false,
        preHandshake: async (c) => {
          await c.drip(info);
          await c.waitFrame((f) => f.op === "PING");
          c.handshaken = true;
          await c.drip("PONG\r\n");
        },
      }, async (rogue, track) => {
        const nc = track(await within(dial(rogue), 5000, "connect"));
        assert.equal(nc.info?.server_id, "DRIP");
        assert.equal(nc.info?.max_payload, 1024);
      });
    });
  });

  describe("bad frames on a live connection: closed() resolves with a ProtocolError", () => {
    it("garbage after the handshake", async () => {
      await scenario(scenarios.garbage(GO), async (rogue, track) => {
        const nc = track(await dial(rogue));
        const status = new StatusLog(nc);
        goAhead(nc);
        const err = await within(nc.closed(), 5000, "closed()");
        assert.ok(err instanceof ProtocolError, `closed with ${String(err)}`);
        assert.equal(err.code, ErrorCode.BadServerData);
        assert.match(err.message, /unknown protocol operation/);
        await status.done;
        assert.deepStrictEqual(status.events.map((s) => s.type), ["error", "disconnect", "close"], describeStatus(status.events));
      });
    });

    it("a frame claiming a 2 GB payload: fails at once, allocates nothing", async () => {
      const mem0 = process.memoryUsage();
      // MSG big <sid> 2147483648, then a MiB of payload as if the rest were coming
      await scenario(scenarios.hugeFrame("big", 2 ** 31), async (rogue, track) => {
        const nc = track(await dial(rogue));
        let got = 0;
        nc.subscribe("big", { callback: () => got++ });
        const err = await within(nc.closed(), 5000, "closed()");
        assert.ok(err instanceof ProtocolError, `closed with ${String(err)}`);
        assert.equal(err.code, ErrorCode.BadServerData);
        assert.match(err.message, /size exceeds maxPayload/);
        assert.equal(got, 0);
      });
      const mem1 = process.memoryUsage();
      const rss = mem1.rss - mem0.rss;
      const ab = mem1.arrayBuffers - mem0.arrayBuffers;
      assert.ok(rss < 64 * 1024 * 1024, `RSS grew by ${(rss / 1048576).toFixed(1)} MiB`);
      assert.ok(ab < 16 * 1024 * 1024, `array buffers grew by ${(ab / 1048576).toFixed(1)} MiB`);
    });

    it("a frame claiming 60 MB, 1 MB of it sent, then the server hangs up: no delivery, no big allocation", async () => {
      const mem0 = process.memoryUsage();
      await scenario(scenarios.hugeFrame("big", 60 * 1024 * 1024, 1024 * 1024, 100), async (rogue, track) => {
        const nc = track(await dial(rogue));
        let got = 0;
        nc.subscribe("big", { callback: () => got++ });
        const err = await within(nc.closed(), 5000, "closed()");
        assert.ok(err instanceof ConnectionError, `closed with ${String(err)}`);
        assert.equal(got, 0);
      });
      const mem1 = process.memoryUsage();
      assert.ok(mem1.arrayBuffers - mem0.arrayBuffers < 16 * 1024 * 1024, `array buffers grew by ${mem1.arrayBuffers - mem0.arrayBuffers}`);
      assert.ok(mem1.rss - mem0.rss < 64 * 1024 * 1024, `RSS grew by ${mem1.rss - mem0.rss}`);
    });

    for (const [what, bytes, re] of [
      ["a negative size", "MSG big SID -1\r\n", /bad MSG size/],
      ["a payload not followed by CRLF", "MSG big SID 3\r\nabcXY", /not followed by CRLF/],
      ["an HMSG whose header size exceeds its total", "HMSG big SID 20 10\r\n", /header size exceeds/],
      ["a control line with no end", `MSG big SID ${"9".repeat(70_000)}`, /control line exceeds/],
    ] as const) {
      it(`${what}`, async () => {
        await scenario({
          scenario: async (c) => {
            const sid = await sidOf(c, "big");
            c.send(bytes.replace("SID", String(sid)));
          },
        }, async (rogue, track) => {
          const nc = track(await dial(rogue));
          nc.subscribe("big", { callback: () => {} });
          const err = await within(nc.closed(), 5000, "closed()");
          assert.ok(err instanceof ProtocolError, `closed with ${String(err)}`);
          assert.equal(err.code, ErrorCode.BadServerData);
          assert.match(err.message, re);
        });
      });
    }
  });

  describe("frames the client survives", () => {
    it("a MSG for an unknown sid is dropped; the next one is delivered", async () => {
      await scenario(scenarios.unknownSid("known"), async (rogue, track) => {
        const nc = track(await dial(rogue));
        const got: string[] = [];
        const sub = nc.subscribe("known", { callback: (_e, m) => got.push(m.string()) });
        await eventually(() => got.length > 0, 3000, "the real message");
        assert.deepStrictEqual(got, ["real"]);
        assert.equal(sub.getReceived(), 1);
        await nc.flush();
        assert.equal(nc.isClosed(), false);
      });
    });

    it("a message drip-fed one byte at a time arrives intact", async () => {
      const h = headers() as MsgHdrsImpl;
      h.set("X-Drip", "one byte at a time");
      const block = h.encode();
      const data = new Uint8Array([...Array.from({ length: 256 }, (_, k) => k), ...new TextEncoder().encode("\r\nMSG x 1 2\r\nhi\r\n")]);
      let sidSeen = 0;
      const frame = (sid: number): Uint8Array => {
        sidSeen = sid;
        return Buffer.concat([
          Buffer.from(`HMSG drip ${sid} reply.to ${block.length} ${block.length + data.length}\r\n`),
          block,
          data,
          Buffer.from("\r\nPING\r\n"),
        ]);
      };
      await scenario(scenarios.dripFeed("drip", frame, 1), async (rogue, track) => {
        const nc = track(await dial(rogue));
        const got: Msg[] = [];
        nc.subscribe("drip", { callback: (_e, m) => got.push(m) });
        // the server's PING after the message is answered
        await within(rogue.connections[0].waitFrame((f) => f.op === "PONG", 10_000, "PONG"), 10_000, "PONG");
        assert.equal(got.length, 1);
        const m = got[0];
        assert.equal(m.subject, "drip");
        assert.equal(m.sid, sidSeen);
        assert.equal(m.reply, "reply.to");
        assert.equal(m.headers?.get("X-Drip"), "one byte at a time");
        assert.deepStrictEqual(new Uint8Array(m.data), data);
      });
    });

    it("-ERR 'Permissions Violation for Publish to \"x\"': the request fails, the connection stays", async () => {
      await scenario({
        scenario: async (c) => {
          await c.waitFrame((f) => f.op === "PUB" && Buffer.from(f.args[0]).toString() === "x");
          c.send("-ERR 'Permissions Violation for Publish to \"x\"'\r\n");
        },
      }, async (rogue, track) => {
        const nc = track(await dial(rogue));
        const status = new StatusLog(nc);
        await assert.rejects(within(nc.request("x", "hi", { timeout: 3000 }), 4000, "request"), (err: unknown) => {
          assert.ok(err instanceof RequestError, `got ${String(err)}`);
          assert.ok(err.cause instanceof PermissionViolationError, `cause ${String(err.cause)}`);
          assert.equal(err.cause.operation, "publish");
          assert.equal(err.cause.subject, "x");
          return true;
        });
        await nc.flush();
        assert.equal(nc.isClosed(), false);
        await nc.close();
        assert.equal(await nc.closed(), undefined);
        await status.done;
        const errs = status.events.filter((s) => s.type === "error");
        assert.equal(errs.length, 1, describeStatus(status.events));
        assert.ok((errs[0] as { error: Error }).error instanceof PermissionViolationError);
      });
    });

    it("-ERR 'Permissions Violation for Subscription to \"secret\"': the subscription ends with it, the connection stays", async () => {
      await scenario(scenarios.err('Permissions Violation for Subscription to "secret"', "secret", false), async (rogue, track) => {
        const nc = track(await dial(rogue));
        const sub = nc.subscribe("secret");
        const err = await within(sub.closed, 3000, "sub.closed");
        assert.ok(err instanceof PermissionViolationError, `sub closed with ${String(err)}`);
        assert.equal(err.operation, "subscription");
        await nc.flush();
        assert.equal(nc.isClosed(), false);
      });
    });

    it("an -ERR of unknown text that the server does not follow with a close: reported, connection stays; it is the close reason later", async () => {
      let conn: RogueConn | undefined;
      await scenario({
        scenario: async (c) => {
          conn = c;
          await sidOf(c, GO);
          c.send("-ERR 'Something Odd Happened'\r\n");
        },
      }, async (rogue, track) => {
        const nc = track(await dial(rogue));
        const status = new StatusLog(nc);
        goAhead(nc);
        await nc.flush();
        await eventually(() => status.events.some((s) => s.type === "error"), 3000, "the error status");
        assert.equal(nc.isClosed(), false);
        conn!.end();
        const err = await within(nc.closed(), 5000, "closed()");
        assert.ok(err instanceof ProtocolError, `closed with ${String(err)}`);
        assert.equal(err.message, "Something Odd Happened");
        await status.done;
        assert.deepStrictEqual(status.events.map((s) => s.type), ["error", "disconnect", "close"], describeStatus(status.events));
      });
    });
  });

  describe("-ERR then close: closed() resolves with the -ERR's error class", () => {
    for (const [text, cls] of [
      ["Unknown Protocol Operation", ProtocolError],
      ["Authorization Violation", AuthorizationError],
      ["Stale Connection", ProtocolError],
      ["Maximum Payload Violation", ProtocolError],
      ["Slow Consumer", ProtocolError],
      ["User Authentication Expired", UserAuthenticationExpiredError],
      ["Maximum Connections Exceeded", ProtocolError],
      ["", ProtocolError],
      ["ünïcödé and 'quotes' inside", ProtocolError],
    ] as const) {
      it(`-ERR '${text}'`, async () => {
        await scenario(scenarios.err(text, GO), async (rogue, track) => {
          const nc = track(await dial(rogue));
          const status = new StatusLog(nc);
          goAhead(nc);
          const err = await within(nc.closed(), 5000, "closed()");
          assert.ok(err instanceof cls, `closed with ${(err as Error)?.name}: ${(err as Error)?.message}`);
          assert.equal(err.message, text);
          await status.done;
          const types = status.events.map((s) => s.type);
          assert.deepStrictEqual(types.filter((t) => t !== "staleConnection"), ["error", "disconnect", "close"], describeStatus(status.events));
        });
      });
    }
  });

  describe("a server that goes quiet or away", () => {
    it("never answers PINGs: stale, closed() resolves with an error saying so", async () => {
      await scenario(scenarios.noPong(), async (rogue, track) => {
        const nc = track(await dial(rogue, { pingInterval: 100, maxPingOut: 2 }));
        const status = new StatusLog(nc);
        const t0 = Date.now();
        const err = await within(nc.closed(), 5000, "closed()");
        assert.ok(err instanceof ConnectionError, `closed with ${String(err)}`);
        assert.equal(err.code, ErrorCode.StaleConnection);
        assert.match(err.message, /stale/i);
        assert.ok(Date.now() - t0 >= 150, "declared stale only after unanswered pings");
        await status.done;
        assert.ok(status.events.some((s) => s.type === "staleConnection"), describeStatus(status.events));
      });
    });

    for (const [what, bytes] of [
      ["in a payload", "MSG cut SID 100\r\n0123456789"],
      ["in a control line", "MSG cut SI"],
      ["in a header block", "HMSG cut SID 30 40\r\nNATS/1.0\r\nA:"],
    ] as const) {
      it(`closes mid-frame (${what}): nothing delivered, closed() says the connection was lost`, async () => {
        await scenario(scenarios.closeMidFrame("cut", (sid) => bytes.replace("SID", String(sid))), async (rogue, track) => {
          const nc = track(await dial(rogue));
          let got = 0;
          nc.subscribe("cut", { callback: () => got++ });
          const err = await within(nc.closed(), 5000, "closed()");
          assert.ok(err instanceof ConnectionError, `closed with ${String(err)}`);
          assert.equal(got, 0);
        });
      });
    }

    it("with reconnect on: after a protocol error the client reconnects to the same (rogue) server and resubscribes", async () => {
      await scenario({
        scenario: async (c) => {
          const sid = await sidOf(c, "again");
          if (c.index === 0) {
            c.send("GARBAGE\r\n");
          } else {
            c.send(`MSG again ${sid} 5\r\nhello\r\n`);
          }
        },
      }, async (rogue, track) => {
        const nc = track(await dial(rogue, { reconnect: true, reconnectTimeWait: 50, reconnectJitter: 0, maxReconnectAttempts: 5 }));
        const status = new StatusLog(nc);
        const got: string[] = [];
        nc.subscribe("again", { callback: (_e, m) => got.push(m.string()) });
        await within(rogue.waitConnections(2), 5000, "a second connection");
        await eventually(() => got.length > 0, 3000, "the message sent on the new connection");
        assert.deepStrictEqual(got, ["hello"], "the message sent on the new connection");
        assert.equal(nc.isClosed(), false);
        await nc.close();
        assert.equal(await nc.closed(), undefined);
        await status.done;
        const types = status.events.map((s) => s.type);
        for (const t of ["error", "disconnect", "reconnecting", "reconnect", "close"]) {
          assert.ok(types.includes(t as Status["type"]), `no ${t}: ${describeStatus(status.events)}`);
        }
        const err = status.events.find((s) => s.type === "error") as { error: Error };
        assert.ok(err.error instanceof ProtocolError);
      });
    });
  });

  describe("async INFO with odd fields: the connection survives", () => {
    for (const [what, info] of [
      ["garbage connect_urls", { connect_urls: ["", "::::", "nats://", "ws://x:1", "host:notaport", 42, null] }],
      ["ldm", { ldm: true }],
      ["tls_required after the handshake", { tls_required: true }],
      ["a negative max_payload", { max_payload: -1 }],
      ["headers turned off", { headers: false }],
      ["wrong types everywhere", { proto: "x", max_payload: "big", headers: "yes", server_id: 7, nonce: {} }],
    ] as const) {
      it(what, async () => {
        await scenario({
          scenario: async (c) => {
            await sidOf(c, GO);
            c.send(`INFO ${JSON.stringify(info)}\r\n`);
            c.send("PING\r\n");
          },
        }, async (rogue, track) => {
          const nc = track(await dial(rogue));
          goAhead(nc);
          // the PING after the INFO is answered: the INFO was processed and the connection is fine
          await within(rogue.connections[0].waitFrame((f) => f.op === "PONG", 3000, "PONG"), 4000, "PONG");
          await nc.flush();
          assert.equal(nc.isClosed(), false);
          nc.publish("after.info", "x");
          await nc.flush();
        });
      });
    }
  });

  describe("a large cluster's async INFO (past the 64 KiB cap of other lines)", () => {
    /** `n` gossiped servers, 10.x.y.z:4222, as a large cluster's INFO lists them. */
    const urls = (n: number): string[] => Array.from({ length: n }, (_, k) => `10.${k >> 16}.${(k >> 8) & 255}.${k & 255}:4222`);

    it("a 200 KiB INFO, in 16 KiB writes: the connection stays up and the pool gets every URL", async () => {
      const gossip = urls(12_000);
      const line = new TextEncoder().encode(`INFO ${JSON.stringify({ server_id: "ROGUE", connect_urls: gossip })}\r\n`);
      assert.ok(line.length > 200 * 1024, `${line.length} bytes`);
      await scenario({
        scenario: async (c) => {
          await sidOf(c, GO);
          for (let k = 0; k < line.length; k += 16 * 1024) {
            c.send(line.subarray(k, k + 16 * 1024));
            await new Promise((r) => setImmediate(r));
          }
          c.send("PING\r\n");
        },
      }, async (rogue, track) => {
        const nc = track(await dial(rogue));
        const status = new StatusLog(nc);
        goAhead(nc);
        // the PING after the INFO is answered: the INFO was parsed and the connection is fine
        await within(rogue.connections[0].waitFrame((f) => f.op === "PONG", 5000, "PONG"), 6000, "PONG");
        await nc.flush();
        assert.equal(nc.isClosed(), false, "closed by the INFO");
        const pool = new Set(nc.getServers().map((s) => s.listen));
        assert.equal(pool.size, gossip.length + 1, "the pool: the rogue server and every gossiped one");
        for (const u of gossip) assert.ok(pool.has(u), `${u} missing from the pool`);
        const update = await status.waitForMatch((s) => s.type === "update", 3000);
        assert.equal((update as { added?: string[] }).added?.length, gossip.length);
        assert.ok(!status.events.some((s) => s.type === "error"), describeStatus(status.events));
      });
    });

    it("an INFO past 1 MiB ends the connection with a ProtocolError that says so", async () => {
      const line = `INFO ${JSON.stringify({ server_id: "ROGUE", connect_urls: urls(60_000) })}\r\n`;
      assert.ok(line.length > 1024 * 1024);
      await scenario({
        scenario: async (c) => {
          await sidOf(c, GO);
          c.send(line);
        },
      }, async (rogue, track) => {
        const nc = track(await dial(rogue));
        goAhead(nc);
        const why = await within(nc.closed(), 5000, "closed()");
        assert.ok(why instanceof ProtocolError, `closed with ${why}`);
        assert.equal(why.code, ErrorCode.BadServerData);
        assert.match(why.message, /INFO line exceeds 1048576 bytes/);
      });
    });
  });

  it(`random hostile streams end to end (fast-check): ${RUNS_E2E} cases`, async (t) => {
    process.env.QUICKNATS_NO_TESTS = "1";
    const { hostileArb, chunk, SEED } = await import("../../packages/core/test/parser.property.test.js");
    delete process.env.QUICKNATS_NO_TESTS;
    const before = resources();
    const endings = new Map<string, number>();
    let delivered = 0;
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(hostileArb, async (c) => {
        const r = await runHostileStream(chunk(c.bytes, c.cuts));
        endings.set(r.ending, (endings.get(r.ending) ?? 0) + 1);
        delivered += r.delivered;
        assert.deepStrictEqual(r.problems, []);
      }),
      { seed: SEED, numRuns: RUNS_E2E },
    );
    t.diagnostic(
      `hostile streams: ${RUNS_E2E} cases, seed ${SEED}, ${(performance.now() - t0).toFixed(0)} ms; ` +
        `${delivered} messages delivered; endings: ${[...endings].map(([k, n]) => `${k} ${n}`).join(", ")}`,
    );
    await assertNothingLeaked(before, "after the hostile streams");
  });

  it("the file ends with no socket, server or timer of its own left", async () => {
    await assertNothingLeaked(FILE_START, "end of file");
  });
});
