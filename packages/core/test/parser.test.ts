/**
 * Parser unit tests. Every fixture runs as one chunk, byte by byte, split at
 * every boundary into two chunks and (for small fixtures) at every pair of
 * boundaries into three, and must give the same events each time
 * (ioredis test/unit/resp/decoder.ts, nats.go TestParserSplitMsg).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Parser } from "../src/protocol/parser.js";
import type { MsgArgs, ParserHandler, ParserOptions } from "../src/protocol/parser.js";
import { concatBytes } from "./helpers/bytes.js";
import { type ControlEvent, RecordingHandler } from "./helpers/recording-handler.js";
import { ErrorCode, ProtocolError } from "../src/errors.js";

const te = new TextEncoder();
const td = new TextDecoder();

type MsgEvent = { op: "msg"; subject: string; sid: number; reply: string; hdrLen: number; size: number; payload: Uint8Array };
type Event = MsgEvent | ControlEvent;

/** Records events, copying everything it keeps (args and views are reused). */
class Recorder extends RecordingHandler<MsgEvent> {
  onMsg(a: MsgArgs, payload: Uint8Array): void {
    this.events.push({
      op: "msg",
      subject: td.decode(a.buf.subarray(a.subjectStart, a.subjectEnd)),
      sid: a.sid,
      reply: td.decode(a.buf.subarray(a.replyStart, a.replyEnd)),
      hdrLen: a.hdrLen,
      size: a.size,
      payload: payload.slice(),
    });
    assert.equal(payload.length, a.size);
  }
}

/** A handler that records into `r`, with some callbacks replaced. */
function handler(r: Recorder, over: Partial<ParserHandler> = {}): ParserHandler {
  return {
    onMsg: (a, payload) => r.onMsg(a, payload),
    onInfo: (json) => r.onInfo(json),
    onPing: () => r.onPing(),
    onPong: () => r.onPong(),
    onOk: () => r.onOk(),
    onErr: (text) => r.onErr(text),
    ...over,
  };
}

function bytes(...parts: (string | Uint8Array)[]): Uint8Array {
  return concatBytes(parts);
}

function msg(subject: string, sid: number, payload: string | Uint8Array, reply = ""): Event {
  const p = typeof payload === "string" ? te.encode(payload) : payload;
  return { op: "msg", subject, sid, reply, hdrLen: 0, size: p.length, payload: p };
}

function hmsg(subject: string, sid: number, hdrs: string, data: string, reply = ""): Event {
  const p = bytes(hdrs, data);
  return { op: "msg", subject, sid, reply, hdrLen: te.encode(hdrs).length, size: p.length, payload: p };
}

/** Each chunk is its own copy, so reading past a chunk's end cannot go unnoticed. */
function chunksOf(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    out.push(data.slice(prev, c));
    prev = c;
  }
  return out;
}

/** All the ways a fixture is cut: whole, byte by byte, two chunks, three chunks. */
function* splits(data: Uint8Array): Generator<[string, Uint8Array[]]> {
  const n = data.length;
  yield ["one chunk", [data.slice()]];
  yield ["byte by byte", chunksOf(data, Array.from({ length: Math.max(n - 1, 0) }, (_, k) => k + 1))];
  for (let a = 0; a <= n; a++) yield [`split at ${a}`, chunksOf(data, [a])];
  // every pair of cuts is O(n^2): exhaustive for small fixtures, sampled above
  const step = n <= 300 ? 1 : Math.ceil(n / 60);
  for (let a = 1; a < n; a += step) {
    for (let b = a; b < n; b += step) yield [`split at ${a},${b}`, chunksOf(data, [a, b])];
  }
}

function run(chunks: Uint8Array[], opts?: ParserOptions): Event[] {
  const r = new Recorder();
  const p = new Parser(r, opts);
  for (const c of chunks) p.parse(c);
  assert.equal(p.bufferedBytes, 0);
  return r.events;
}

function check(data: Uint8Array, expected: Event[], opts?: ParserOptions): void {
  for (const [how, chunks] of splits(data)) {
    assert.deepEqual(run(chunks, opts), expected, how);
  }
}

/** Feeds every split of `data` and expects a ProtocolError matching `message`. */
function checkError(data: Uint8Array, message: RegExp, opts?: ParserOptions, secret?: string): void {
  for (const [how, chunks] of splits(data)) {
    const p = new Parser(new Recorder(), opts);
    let thrown: unknown;
    try {
      for (const c of chunks) p.parse(c);
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof ProtocolError, `${how}: expected ProtocolError, got ${String(thrown)}`);
    assert.equal(thrown.code, ErrorCode.BadServerData, how);
    assert.match(thrown.message, message, how);
    assert.match(thrown.message, /^parse error: /, how);
    if (secret) assert.ok(!thrown.message.includes(secret), `${how}: message leaks input`);
    assert.equal(p.bufferedBytes, 0, how);
  }
}

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, k) => k);

describe("parser: operations", () => {
  it("PING, PONG, +OK", () => {
    check(bytes("PING\r\n"), [{ op: "ping" }]);
    check(bytes("PONG\r\n"), [{ op: "pong" }]);
    check(bytes("+OK\r\n"), [{ op: "ok" }]);
    check(bytes("PING\r\nPONG\r\n+OK\r\n"), [{ op: "ping" }, { op: "pong" }, { op: "ok" }]);
  });

  it("-ERR strips quotes and blanks", () => {
    check(bytes("-ERR 'Authorization Violation'\r\n"), [{ op: "err", text: "Authorization Violation" }]);
    check(bytes("-ERR\t  ' spaced '  \r\n"), [{ op: "err", text: "spaced" }]);
    check(bytes("-ERR unquoted text\r\n"), [{ op: "err", text: "unquoted text" }]);
    check(bytes("-ERR\r\n"), [{ op: "err", text: "" }]);
    check(bytes("-ERR 'it''s'\r\n"), [{ op: "err", text: "it''s" }]);
  });

  it("INFO", () => {
    check(bytes('INFO {"server_id":"x","max_payload":1048576}\r\n'), [
      { op: "info", json: '{"server_id":"x","max_payload":1048576}' },
    ]);
    check(bytes("INFO \t {} \t\r\n"), [{ op: "info", json: "{}" }]);
  });

  it("INFO with a large JSON", () => {
    const urls = Array.from({ length: 600 }, (_, k) => `"10.0.${k >> 8}.${k & 255}:4222"`);
    const json = `{"server_id":"NABC","connect_urls":[${urls.join(",")}],"note":"é ü 日本"}`;
    assert.ok(json.length > 8000);
    check(bytes(`INFO ${json}\r\n`), [{ op: "info", json }]);
  });

  it("MSG with and without reply", () => {
    check(bytes("MSG foo.bar 9 5\r\nhello\r\n"), [msg("foo.bar", 9, "hello")]);
    check(bytes("MSG foo.bar 9 _INBOX.abc.1 5\r\nhello\r\n"), [msg("foo.bar", 9, "hello", "_INBOX.abc.1")]);
  });

  it("HMSG with and without reply", () => {
    const h = "NATS/1.0\r\nA: B\r\n\r\n";
    const hl = te.encode(h).length;
    check(bytes(`HMSG foo 3 ${hl} ${hl + 4}\r\n${h}data\r\n`), [hmsg("foo", 3, h, "data")]);
    check(bytes(`HMSG foo 3 rep.ly ${hl} ${hl + 4}\r\n${h}data\r\n`), [hmsg("foo", 3, h, "data", "rep.ly")]);
    // a status-only message: headers, no data
    check(bytes(`HMSG foo 3 ${hl} ${hl}\r\n${h}\r\n`), [hmsg("foo", 3, h, "")]);
  });

  it("zero-length payloads", () => {
    check(bytes("MSG a 1 0\r\n\r\n"), [msg("a", 1, "")]);
    check(bytes("MSG a 1 r 0\r\n\r\nMSG b 2 0\r\n\r\n"), [msg("a", 1, "", "r"), msg("b", 2, "")]);
    check(bytes("HMSG a 1 0 0\r\n\r\n"), [hmsg("a", 1, "", "")]);
  });

  it("payloads holding CR, LF, 'MSG ', CRLF and all 256 byte values", () => {
    check(bytes("MSG a 1 4\r\n\r\r\n\n\r\n"), [msg("a", 1, "\r\r\n\n")]);
    check(bytes("MSG a 1 16\r\nMSG a 1 3\r\nxyz\r\n\r\n"), [msg("a", 1, "MSG a 1 3\r\nxyz\r\n")]);
    check(bytes("MSG a 1 256\r\n", ALL_BYTES, "\r\nPING\r\n"), [msg("a", 1, ALL_BYTES), { op: "ping" }]);
    const h = "NATS/1.0\r\n\r\n";
    check(bytes(`HMSG a 1 ${h.length} ${h.length + 256}\r\n${h}`, ALL_BYTES, "\r\n"), [
      { op: "msg", subject: "a", sid: 1, reply: "", hdrLen: h.length, size: h.length + 256, payload: bytes(h, ALL_BYTES) },
    ]);
  });

  it("lowercase and mixed-case ops", () => {
    check(bytes("ping\r\npOnG\r\n+ok\r\n-err 'x'\r\ninfo {}\r\nmsg a 1 1\r\nz\r\nhMsG a 1 0 1\r\nz\r\n"), [
      { op: "ping" },
      { op: "pong" },
      { op: "ok" },
      { op: "err", text: "x" },
      { op: "info", json: "{}" },
      msg("a", 1, "z"),
      hmsg("a", 1, "", "z"),
    ]);
  });

  it("runs of spaces and tabs between arguments, blanks at the end", () => {
    check(bytes("MSG \t foo\t\t7  \t rep  3 \t\r\nabc\r\n"), [msg("foo", 7, "abc", "rep")]);
    check(bytes("HMSG\tfoo 7\t\t0   3\r\nabc\r\n"), [hmsg("foo", 7, "", "abc")]);
    check(bytes("PING \t\r\n+OK  \r\n"), [{ op: "ping" }, { op: "ok" }]);
  });

  it("bare LF line endings on control lines", () => {
    check(bytes("PING\nMSG a 1 2\nhi\r\nINFO {}\n"), [{ op: "ping" }, msg("a", 1, "hi"), { op: "info", json: "{}" }]);
  });

  it("many frames in one chunk", () => {
    const parts: string[] = [];
    const expected: Event[] = [];
    for (let k = 0; k < 40; k++) {
      const data = "x".repeat(k);
      parts.push(k % 2 ? `MSG s.${k} ${k} ${k}\r\n${data}\r\n` : `MSG s.${k} ${k} r.${k} ${k}\r\n${data}\r\n`);
      expected.push(msg(`s.${k}`, k, data, k % 2 ? "" : `r.${k}`));
      if (k % 5 === 0) {
        parts.push("PING\r\n");
        expected.push({ op: "ping" });
      }
    }
    check(bytes(...parts), expected);
  });

  it("a control line of exactly maxControlLine bytes is accepted", () => {
    const json = "{" + "x".repeat(94) + "}";
    const line = `INFO ${json}`;
    assert.equal(line.length, 101);
    check(bytes(line, "\r\n"), [{ op: "info", json }], { maxControlLine: 101 });
    check(bytes(line, "\n"), [{ op: "info", json }], { maxControlLine: 101 });
  });

  it("empty chunks are harmless", () => {
    const r = new Recorder();
    const p = new Parser(r);
    p.parse(new Uint8Array(0));
    p.parse(bytes("MSG a 1 2\r"));
    p.parse(new Uint8Array(0));
    p.parse(bytes("\nh"));
    p.parse(new Uint8Array(0));
    p.parse(bytes("i\r"));
    p.parse(new Uint8Array(0));
    p.parse(bytes("\n"));
    assert.deepEqual(r.events, [msg("a", 1, "hi")]);
  });
});

describe("parser: large INFO lines", () => {
  // an async INFO lists the whole cluster in connect_urls: it may pass the
  // 64 KiB cap of other lines, up to maxInfoLine (1 MiB by default)
  const small = { maxControlLine: 32, maxInfoLine: 100 };

  it("INFO up to maxInfoLine is accepted where other lines stop at maxControlLine", () => {
    const json = `{"connect_urls":["${"x".repeat(100 - 5 - 21)}"]}`;
    assert.equal(`INFO ${json}`.length, 100);
    check(bytes(`INFO ${json}\r\nPING\r\n`), [{ op: "info", json }, { op: "ping" }], small);
    check(bytes(`info\t${json}\n`), [{ op: "info", json }], small);
    checkError(bytes(`INFO ${json}x\r\n`), /^parse error: INFO line exceeds 100 bytes$/, small);
    // only INFO: an op that merely starts like it, or any other line, keeps the small cap
    checkError(bytes(`INFOX${json}\r\n`), /^parse error: control line exceeds 32 bytes$/, small);
    checkError(bytes(`INF ${json}\r\n`), /^parse error: control line exceeds 32 bytes$/, small);
    checkError(bytes(`-ERR '${"x".repeat(40)}'\r\n`), /^parse error: control line exceeds 32 bytes$/, small);
    checkError(bytes(`MSG ${"x".repeat(40)} 1 0\r\n\r\n`), /^parse error: control line exceeds 32 bytes$/, small);
  });

  it("a tiny maxControlLine still lets an INFO line grow past it byte by byte", () => {
    check(bytes('INFO {"a":1}\r\n'), [{ op: "info", json: '{"a":1}' }], { maxControlLine: 2, maxInfoLine: 100 });
    checkError(bytes("INFX\r\n"), /^parse error: control line exceeds 2 bytes$/, { maxControlLine: 2, maxInfoLine: 100 });
  });

  it("maxInfoLine is never below maxControlLine", () => {
    const json = `{"k":"${"x".repeat(40)}"}`;
    check(bytes(`INFO ${json}\r\n`), [{ op: "info", json }], { maxControlLine: 64, maxInfoLine: 8 });
  });

  /** A cluster INFO of `n` gossiped servers, as nats-server writes it. */
  function clusterInfo(n: number): string {
    const urls = Array.from({ length: n }, (_, k) => `"10.${k >> 16}.${(k >> 8) & 255}.${k & 255}:4222"`);
    return `{"server_id":"NABC","version":"2.9.10","proto":1,"headers":true,"max_payload":1048576,"connect_urls":[${urls.join(",")}]}`;
  }

  it("a 200 KiB cluster INFO with default limits: whole, byte by byte, and split around every interesting boundary", () => {
    const json = clusterInfo(12000);
    assert.ok(json.length > 200 * 1024, `${json.length}`);
    const data = bytes(`INFO ${json}\r\nPING\r\n`);
    const expected: Event[] = [{ op: "info", json }, { op: "ping" }];
    const n = data.length;
    assert.deepEqual(run([data.slice()]), expected, "one chunk");
    // byte by byte: the held line never exceeds what was fed
    const r = new Recorder();
    const p = new Parser(r);
    for (let k = 0; k < n; k++) {
      p.parse(data.subarray(k, k + 1).slice());
      assert.ok(p.bufferedBytes <= k + 1);
    }
    assert.deepEqual(r.events, expected, "byte by byte");
    // two chunks: every cut near the start (the op), near 64 KiB (the old cap), near the end, and a stride
    const cuts = new Set<number>();
    for (let a = 0; a <= 16; a++) cuts.add(a);
    for (let a = 65536 - 16; a <= 65536 + 16; a++) cuts.add(a);
    for (let a = n - 16; a <= n; a++) cuts.add(a);
    for (let a = 0; a <= n; a += 997) cuts.add(a);
    for (const a of cuts) assert.deepEqual(run(chunksOf(data, [a])), expected, `split at ${a}`);
    // many mid-sized chunks (a TCP stream)
    for (const size of [1460, 16384, 65536]) {
      const at = Array.from({ length: Math.floor((n - 1) / size) }, (_, k) => (k + 1) * size);
      assert.deepEqual(run(chunksOf(data, at)), expected, `${size}-byte chunks`);
    }
  });

  it("exactly 1 MiB of INFO is accepted by default, one byte more is refused", () => {
    const limit = 1024 * 1024;
    const json = `{"k":"${"x".repeat(limit - 5 - 8)}"}`;
    assert.equal(5 + json.length, limit);
    const ok = bytes(`INFO ${json}\r\n`);
    assert.deepEqual(run([ok]), [{ op: "info", json }]);
    assert.deepEqual(run(chunksOf(ok, [3, 70000, limit + 1])), [{ op: "info", json }]);
    const over = bytes(`INFO ${json}x\r\n`);
    for (const cuts of [[], [3], [70000], [limit], [limit + 1]]) {
      const q = new Parser(new Recorder());
      assert.throws(() => {
        for (const c of chunksOf(over, cuts)) q.parse(c);
      }, /^ProtocolError: parse error: INFO line exceeds 1048576 bytes$/, `cut at ${cuts}`);
      assert.equal(q.bufferedBytes, 0);
    }
  });
});

describe("parser: buffers", () => {
  it("a payload whole in the chunk is a view on it (zero copy)", () => {
    const chunk = bytes("PING\r\nMSG a 1 5\r\nhello\r\n");
    let seen: Uint8Array | undefined;
    let args: MsgArgs | undefined;
    const p = new Parser(handler(new Recorder(), {
      onPing() {},
      onMsg(a, payload) {
        seen = payload;
        args = a;
      },
    }));
    p.parse(chunk);
    assert.ok(seen && args);
    assert.equal(seen.buffer, chunk.buffer);
    assert.equal(seen.byteOffset, chunk.byteOffset + 17);
    assert.equal(args.buf, chunk);
    assert.equal(td.decode(args.buf.subarray(args.subjectStart, args.subjectEnd)), "a");
  });

  it("a payload split from its CRLF is still the chunk's view", () => {
    const c1 = bytes("MSG a 1 5\r\nhello\r");
    const seen: Uint8Array[] = [];
    const p = new Parser(handler(new Recorder(), {
      onMsg: (_a: MsgArgs, payload: Uint8Array) => void seen.push(payload),
    }));
    p.parse(c1);
    assert.equal(seen.length, 0);
    p.parse(bytes("\n"));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].buffer, c1.buffer);
  });

  it("reuses one MsgArgs object", () => {
    const seen: MsgArgs[] = [];
    const r = new Recorder();
    const p = new Parser(handler(r, { onMsg: (a: MsgArgs) => void seen.push(a) }));
    p.parse(bytes("MSG a 1 1\r\nx\r\nMSG b 2 1\r\ny\r\n"));
    p.parse(bytes("MSG c 3 1\r\nz\r\n"));
    assert.equal(seen.length, 3);
    assert.equal(seen[0], seen[1]);
    assert.equal(seen[1], seen[2]);
  });

  it("held buf and payloads are not altered by later chunks", () => {
    type Held = { buf: Uint8Array; subject: [number, number]; reply: [number, number]; payload: Uint8Array; copy: Uint8Array[] };
    const held: Held[] = [];
    const p = new Parser(handler(new Recorder(), {
      onMsg(a: MsgArgs, payload: Uint8Array) {
        held.push({
          buf: a.buf,
          subject: [a.subjectStart, a.subjectEnd],
          reply: [a.replyStart, a.replyEnd],
          payload,
          copy: [a.buf.slice(), payload.slice()],
        });
      },
    }));
    // control line split across chunks, payload split across chunks, then whole frames
    const c1 = bytes("MSG first.subj");
    const c2 = bytes("ect 1 rep.1 6\r\npay");
    const c3 = bytes("lo1\r\nMSG second 2 6\r\npaylo2\r\nMSG thi");
    const c4 = bytes("rd 3 re");
    const c5 = bytes("p.3 6\r\npaylo3\r\n");
    for (const c of [c1, c2, c3, c4, c5]) p.parse(c);
    // and plenty more traffic afterwards, including split control lines
    for (let k = 0; k < 50; k++) {
      const f = bytes(`MSG other.${k} ${k} reply.${k} 6\r\nXXXXXX\r\n`);
      p.parse(f.slice(0, 7));
      p.parse(f.slice(7, 20));
      p.parse(f.slice(20));
    }
    assert.equal(held.length, 53);
    const want = [
      ["first.subject", "rep.1", "paylo1"],
      ["second", "", "paylo2"],
      ["third", "rep.3", "paylo3"],
    ];
    for (let k = 0; k < 3; k++) {
      const h = held[k];
      assert.deepEqual(h.buf, h.copy[0]);
      assert.deepEqual(h.payload, h.copy[1]);
      assert.equal(td.decode(h.buf.subarray(...h.subject)), want[k][0]);
      assert.equal(td.decode(h.buf.subarray(...h.reply)), want[k][1]);
      assert.equal(td.decode(h.payload), want[k][2]);
    }
    // a control line that spans chunks is joined into a fresh array
    for (const c of [c1, c2, c3, c4, c5]) {
      assert.notEqual(held[0].buf.buffer, c.buffer);
      assert.notEqual(held[2].buf.buffer, c.buffer);
    }
    assert.notEqual(held[0].buf.buffer, held[2].buf.buffer);
    assert.equal(held[1].buf, c3);
  });

  it("a claimed 10 MB payload with a few bytes fed holds only those bytes", () => {
    const r = new Recorder();
    const p = new Parser(r);
    p.parse(bytes("MSG a 1 10485760\r\nabc"));
    assert.equal(p.bufferedBytes, 3);
    p.parse(bytes("defg"));
    assert.equal(p.bufferedBytes, 7);
    assert.deepEqual(r.events, []);
  });

  it("a claimed 2 GB payload is rejected before anything is buffered", () => {
    checkError(bytes("MSG a 1 2147483648\r\nabc"), /^parse error: MSG size exceeds maxPayload \(67108864\)$/);
    checkError(bytes("HMSG a 1 0 2147483648\r\nabc"), /^parse error: HMSG size exceeds maxPayload \(67108864\)$/);
    // honours a configured limit
    checkError(bytes("MSG a 1 11\r\nhello world\r\n"), /size exceeds maxPayload \(10\)/, { maxPayload: 10 });
    check(bytes("MSG a 1 10\r\nhelloworld\r\n"), [msg("a", 1, "helloworld")], { maxPayload: 10 });
  });

  it("bounds a control line that never ends", () => {
    const p = new Parser(new Recorder());
    const junk = te.encode("x".repeat(1000));
    let fed = 0;
    assert.throws(
      () => {
        for (;;) {
          p.parse(junk);
          fed += junk.length;
          assert.ok(p.bufferedBytes <= 64 * 1024 + 1);
          assert.ok(fed < 1024 * 1024, "never threw");
        }
      },
      (err: unknown) =>
        err instanceof ProtocolError && err.code === ErrorCode.BadServerData &&
        err.message === "parse error: control line exceeds 65536 bytes",
    );
    assert.ok(fed <= 65536);
    assert.equal(p.bufferedBytes, 0);
  });
});

describe("parser: errors", () => {
  const SECRET = "s3cr3tT0k3n";

  it("unknown operations", () => {
    checkError(bytes(`${SECRET} hello\r\n`), /^parse error: unknown protocol operation$/, undefined, SECRET);
    checkError(bytes(`PING\r\nPINGX ${SECRET}\r\n`), /unknown protocol operation/, undefined, SECRET);
    checkError(bytes(`MSGS ${SECRET} 1 1\r\nx\r\n`), /unknown protocol operation/, undefined, SECRET);
    checkError(bytes(` PING\r\n`), /unknown protocol operation/);
    // "\r" | 0x20 is "-": case folding must not turn control bytes into ops
    checkError(bytes("+\x0fK\r\n"), /unknown protocol operation/);
    checkError(bytes("\rERR\r\n"), /parse error/);
    checkError(bytes("\r\n"), /^parse error: empty control line$/);
    checkError(bytes(`INFO\r\n`), /^parse error: missing INFO arguments$/);
    checkError(bytes(`PING ${SECRET}\r\n`), /^parse error: unexpected PING arguments$/, undefined, SECRET);
    checkError(bytes(`PONG ${SECRET}\r\n`), /^parse error: unexpected PONG arguments$/, undefined, SECRET);
    checkError(bytes(`+OK ${SECRET}\r\n`), /^parse error: unexpected \+OK arguments$/, undefined, SECRET);
  });

  it("bad sid", () => {
    checkError(bytes(`MSG ${SECRET} x1 1\r\nx\r\n`), /^parse error: bad MSG sid$/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} -1 1\r\nx\r\n`), /bad MSG sid/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1234567890123456 1\r\nx\r\n`), /bad MSG sid/, undefined, SECRET);
    checkError(bytes(`HMSG ${SECRET} 1a 0 1\r\nx\r\n`), /^parse error: bad HMSG sid$/, undefined, SECRET);
  });

  it("negative, non-digit, empty-ish and overlong sizes", () => {
    checkError(bytes(`MSG ${SECRET} 1 -5\r\nx\r\n`), /^parse error: bad MSG size$/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1 +5\r\nx\r\n`), /bad MSG size/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1 5x\r\nx\r\n`), /bad MSG size/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1 0x10\r\nx\r\n`), /bad MSG size/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1 1234567890123456\r\nx\r\n`), /bad MSG size/, undefined, SECRET);
    checkError(bytes(`HMSG ${SECRET} 1 -1 5\r\nx\r\n`), /^parse error: bad HMSG header size$/, undefined, SECRET);
    checkError(bytes(`HMSG ${SECRET} 1 1 z\r\nx\r\n`), /^parse error: bad HMSG size$/, undefined, SECRET);
  });

  it("header size larger than total size", () => {
    checkError(bytes(`HMSG ${SECRET} 1 6 5\r\nhello\r\n`), /^parse error: HMSG header size exceeds total size$/, undefined, SECRET);
  });

  it("payload not followed by CRLF", () => {
    checkError(bytes(`MSG a 1 3\r\n${SECRET}\r\n`), /^parse error: MSG payload not followed by CRLF$/, undefined, SECRET);
    checkError(bytes(`MSG a 1 3\r\nabc\n`), /MSG payload not followed by CRLF/);
    checkError(bytes(`MSG a 1 3\r\nabc\rX`), /MSG payload not followed by CRLF/);
    // a header length that disagrees with the frame
    checkError(bytes(`HMSG a 1 12 12\r\nNATS/1.0\r\n\r\n${SECRET}\r\n`), /^parse error: HMSG payload not followed by CRLF$/, undefined, SECRET);
  });

  it("too many and too few arguments", () => {
    checkError(bytes(`MSG ${SECRET} 1 r x 1\r\nx\r\n`), /^parse error: bad MSG arguments$/, undefined, SECRET);
    checkError(bytes(`MSG ${SECRET} 1\r\nx\r\n`), /^parse error: bad MSG arguments$/, undefined, SECRET);
    checkError(bytes(`MSG\r\n`), /^parse error: bad MSG arguments$/);
    checkError(bytes(`HMSG ${SECRET} 1 r 0 1 9\r\nx\r\n`), /^parse error: bad HMSG arguments$/, undefined, SECRET);
    checkError(bytes(`HMSG ${SECRET} 1 1\r\nx\r\n`), /^parse error: bad HMSG arguments$/, undefined, SECRET);
  });

  it("control line over the limit, complete and never terminated", () => {
    const opts = { maxControlLine: 32, maxInfoLine: 32 };
    checkError(bytes(`-ERR '${SECRET}${"x".repeat(40)}'\r\n`), /^parse error: control line exceeds 32 bytes$/, opts, SECRET);
    checkError(bytes(`INFO {"k":"${SECRET}${"x".repeat(40)}"}\r\n`), /^parse error: INFO line exceeds 32 bytes$/, opts, SECRET);
    checkError(bytes(`INFO {"k":"${SECRET}${"x".repeat(40)}"}\n`), /INFO line exceeds 32 bytes/, opts, SECRET);
    // exactly one byte over
    checkError(bytes(`INFO ${"x".repeat(28)}\r\n`), /INFO line exceeds 32 bytes/, opts);
    checkError(bytes(`MSG ${"x".repeat(29)}\r\n`), /control line exceeds 32 bytes/, opts);
    // never terminated
    checkError(bytes(`MSG ${SECRET}${"x".repeat(40)}`), /control line exceeds 32 bytes/, opts, SECRET);
    checkError(bytes(`${"x".repeat(32)}\r\r`), /control line exceeds 32 bytes/, opts);
  });

  it("an over-long line in one big chunk is refused without joining it", () => {
    const p = new Parser(new Recorder(), { maxControlLine: 16 });
    p.parse(bytes("-ERR '"));
    assert.throws(() => p.parse(bytes("x".repeat(100000), "'\r\n")), /control line exceeds 16 bytes/);
    const q = new Parser(new Recorder(), { maxControlLine: 16, maxInfoLine: 1000 });
    q.parse(bytes("INFO {"));
    assert.throws(() => q.parse(bytes("x".repeat(100000), "}\r\n")), /INFO line exceeds 1000 bytes/);
  });

  it("stays failed until reset(), then parses a new stream", () => {
    const r = new Recorder();
    const p = new Parser(r);
    p.parse(bytes("MSG a 1 3\r\nab"));
    assert.throws(() => p.parse(bytes("cX\r\nPING\r\n")), ProtocolError);
    assert.throws(() => p.parse(bytes("PING\r\n")), /reset\(\)/);
    p.reset();
    assert.equal(p.bufferedBytes, 0);
    p.parse(bytes("PING\r\n"));
    assert.deepEqual(r.events, [{ op: "ping" }]);
  });

  it("rejects bad options", () => {
    assert.throws(() => new Parser(new Recorder(), { maxPayload: 0 }), /maxPayload/);
    assert.throws(() => new Parser(new Recorder(), { maxInfoLine: -1 }), /maxInfoLine/);
    assert.throws(() => new Parser(new Recorder(), { maxControlLine: 1.5 }), /maxControlLine/);
  });
});

describe("parser: handler control", () => {
  it("stop() from inside a callback ends the chunk without throwing", () => {
    for (const [how, chunks] of splits(bytes("PING\r\nMSG a 1 1\r\nx\r\nPONG\r\n"))) {
      const r = new Recorder();
      const p: Parser = new Parser(handler(r, {
        onMsg(a: MsgArgs, payload: Uint8Array) {
          r.onMsg(a, payload);
          p.stop();
        },
      }));
      let stoppedAt = -1;
      for (let k = 0; k < chunks.length && stoppedAt < 0; k++) {
        p.parse(chunks[k]);
        if (r.events.length === 2) stoppedAt = k;
      }
      assert.deepEqual(r.events, [{ op: "ping" }, msg("a", 1, "x")], how);
      // nothing after the stop was parsed, even what was left in that chunk
      assert.ok(stoppedAt >= 0, how);
    }
  });

  it("stop() from onPing skips the rest of the chunk", () => {
    const r = new Recorder();
    const p: Parser = new Parser(handler(r, {
      onPing() {
        r.onPing();
        p.stop();
      },
    }));
    p.parse(bytes("PING\r\nPONG\r\nPONG\r\n"));
    assert.deepEqual(r.events, [{ op: "ping" }]);
  });

  it("a throwing onMsg does not get the frame again", () => {
    for (const [how, chunks] of splits(bytes("MSG a 1 1\r\nx\r\nMSG b 2 1\r\ny\r\nPING\r\n"))) {
      const r = new Recorder();
      let throws = 0;
      const p = new Parser(handler(r, {
        onMsg(a: MsgArgs, payload: Uint8Array) {
          r.onMsg(a, payload);
          if (a.sid === 1) {
            throws++;
            throw new Error("boom");
          }
        },
      }));
      for (const c of chunks) {
        try {
          p.parse(c);
        } catch (err) {
          assert.equal((err as Error).message, "boom", how);
        }
      }
      // the rest of the chunk that threw is parsed by the next parse() call
      p.parse(new Uint8Array(0));
      assert.equal(throws, 1, how);
      assert.deepEqual(r.events, [msg("a", 1, "x"), msg("b", 2, "y"), { op: "ping" }], how);
    }
  });

  it("a throwing onPing propagates, and parsing resumes after it", () => {
    const r = new Recorder();
    let n = 0;
    const p = new Parser(handler(r, {
      onPing() {
        r.onPing();
        if (n++ === 0) throw new TypeError("ping handler");
      },
    }));
    assert.throws(() => p.parse(bytes("PING\r\n+OK\r\nPI")), TypeError);
    p.parse(bytes("NG\r\n"));
    assert.deepEqual(r.events, [{ op: "ping" }, { op: "ok" }, { op: "ping" }]);
  });

  it("bytes fed from inside a callback are parsed after the current chunk", () => {
    const r = new Recorder();
    const p: Parser = new Parser(handler(r, {
      onPing() {
        r.onPing();
        p.parse(bytes("PONG\r\n"));
      },
    }));
    p.parse(bytes("PING\r\n+OK\r\n"));
    assert.deepEqual(r.events, [{ op: "ping" }, { op: "ok" }, { op: "pong" }]);
  });

  it("reset() from inside a callback drops the rest of the chunk", () => {
    const r = new Recorder();
    const p: Parser = new Parser(handler(r, {
      onPing() {
        r.onPing();
        p.reset();
      },
    }));
    p.parse(bytes("PING\r\nPONG\r\nMSG a 1 5\r\nab"));
    assert.equal(p.bufferedBytes, 0);
    p.parse(bytes("PONG\r\n"));
    assert.deepEqual(r.events, [{ op: "ping" }, { op: "pong" }]);
  });
});
