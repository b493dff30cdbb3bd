/**
 * Property-based tests and fuzzing of the server-to-client parser, and of the
 * header block codec (fast-check, fixed seed, fixed number of runs; both are
 * printed as test diagnostics).
 *
 * - Valid streams: any sequence of INFO/MSG/HMSG/PING/PONG/+OK/-ERR frames,
 *   encoded as a server would, parses to exactly the events of the frames,
 *   whole or cut into chunks at arbitrary boundaries. Payloads hold every byte
 *   value, frame-looking bytes included.
 * - Hostile streams: truncated lines, absurd or negative sizes, missing CRLF,
 *   oversized control lines, invalid UTF-8, HMSG header sizes that disagree
 *   with the block, unknown operations, random bytes, mutations of valid
 *   streams. The parser emits events or throws a ProtocolError (nothing else),
 *   does it the same way whatever the chunking, never buffers more than it was
 *   fed (`bufferedBytes`), never allocates for a size it has not received, and
 *   every case ends in bounded time; after reset() it parses a valid stream.
 * - MSG and HMSG lines near the well-formed ones (separators, stray CR/LF,
 *   bad counts, sizes at the limits): parsed whole (the parser's one-pass
 *   reading) and a byte at a time (its general path), the same events or error.
 * - Header blocks round-trip through MsgHdrsImpl encode/decode; decode never
 *   throws on any bytes and what it keeps re-encodes to the same set.
 *
 * QUICKNATS_FUZZ_SEED overrides the seed (to replay a failure printed by
 * fast-check, or by scripts/fuzz.ts, which runs these same properties for a
 * fixed time; it imports this module with QUICKNATS_NO_TESTS=1, which
 * keeps the tests below from registering).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Parser } from "../src/protocol/parser.js";
import type { MsgArgs, ParserOptions } from "../src/protocol/parser.js";
import { concatBytes } from "./helpers/bytes.js";
import { type ControlEvent, RecordingHandler } from "./helpers/recording-handler.js";
import { MsgHdrsImpl } from "../src/api/headers.js";
import { ProtocolError } from "../src/errors.js";
import { describeProperties, type NamedProperty, tickingProperty, SEED } from "./helpers/properties.js";

const te = new TextEncoder();

// the hostile-server test replays its cases with this seed
export { SEED };

/** Runs per property in `npm test` (the fuzz script runs them for a time instead). */
export const RUNS = {
  validStream: 400,
  payloadBytes: 300,
  hostile: 2500,
  msgLines: 1500,
  headerRoundTrip: 500,
  headerDecode: 1000,
};

/** A case slower than this is a hang (cases are at most ~100 KB). */
export const CASE_TIME_LIMIT_MS = 2000;

// ---- events ---------------------------------------------------------------

export type MsgEvent = { op: "msg"; subject: Uint8Array; sid: number; reply: Uint8Array; hdrLen: number; size: number; payload: Uint8Array };
export type Event = MsgEvent | ControlEvent;

/** A plain Uint8Array copy (deepEqual tells a Buffer from a Uint8Array). */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** Records events (copies: args and views are the parser's), and keeps the raw payload views to check later. */
export class Recorder extends RecordingHandler<MsgEvent> {
  views: Array<{ view: Uint8Array; copy: Uint8Array }> = [];
  onMsg(a: MsgArgs, payload: Uint8Array): void {
    const p = copy(payload);
    this.events.push({
      op: "msg",
      subject: copy(a.buf.subarray(a.subjectStart, a.subjectEnd)),
      sid: a.sid,
      reply: copy(a.buf.subarray(a.replyStart, a.replyEnd)),
      hdrLen: a.hdrLen,
      size: a.size,
      payload: p,
    });
    this.views.push({ view: payload, copy: p });
  }
}

// ---- valid frames ----------------------------------------------------------

/** A frame as the server would send it, and the event it must produce. */
export interface Frame {
  bytes: Uint8Array;
  event: Event;
}

/** How the frames of one stream are spelled: op case and blanks between arguments (both allowed by the protocol). */
interface Style {
  /** bit k set: upper-case letter k of the op; -1 = all upper (what nats-server sends) */
  caseMask: number;
  /** separators between arguments, cycled */
  seps: string[];
}

function spellOp(op: string, mask: number): string {
  if (mask === -1) return op;
  let out = "";
  for (let k = 0; k < op.length; k++) {
    const c = op[k];
    out += (mask >> k) & 1 ? c.toUpperCase() : c.toLowerCase();
  }
  return out;
}

const FRAGMENTS = [
  "\r\n", "\r", "\n", "\r\n\r\n", "MSG a 1 3\r\n", "HMSG a 1 2 4\r\n", "PING\r\n", "PONG\r\n", "+OK\r\n",
  "-ERR 'x'\r\n", "INFO {}\r\n", "NATS/1.0\r\n", "MSG ", " 99999999 ", "\u0000", "\u00ff",
].map((s) => te.encode(s));

/** Payload bytes: random, frame-looking, or large. */
export const payloadArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  {
    weight: 4,
    arbitrary: fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.uint8Array({ maxLength: 6 })), { maxLength: 12 })
      .map(concatBytes),
  },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 500, maxLength: 4000 }) },
  { weight: 1, arbitrary: fc.constant(Uint8Array.from({ length: 256 }, (_, k) => k)) },
);

/** Subjects as a server relays them: any bytes but blanks and controls (invalid UTF-8 included). */
const subjectArb = fc.oneof(
  fc.uint8Array({ min: 0x21, max: 0xff, minLength: 1, maxLength: 24 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 })
    .map((s) => te.encode(s).filter((b) => b > 0x20 && b !== 0x7f))
    .filter((b) => b.length > 0),
  fc.constantFrom("foo", "foo.bar", "_INBOX.abc.1", "$SYS.REQ", "a.*.>", "MSG", "PING").map((s) => te.encode(s)),
);

const sidArb = fc.oneof(
  // sid 1: the first subscription of a client, so end-to-end runs deliver these frames
  { weight: 2, arbitrary: fc.constant(1) },
  fc.nat(1000),
  // 15 digits is the most the protocol's counts may have
  fc.constantFrom(0, 2 ** 31 - 1, 2 ** 32, 999_999_999_999_999),
);

/** Header keys: printable ASCII but ':'; values: Unicode without controls (tab allowed). */
const headerKeyArb = fc.string({
  unit: fc.integer({ min: 33, max: 126 }).filter((c) => c !== 58).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 16,
});
const headerValueArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 24 }),
  fc.string({ unit: fc.constantFrom("a", " ", "\t", ":", "é", "\u2028", "😀", "\u00a0", "NATS/1.0"), maxLength: 10 }),
).filter((v) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(v));

export const headersArb: fc.Arbitrary<{ code: number; description: string; entries: Array<[string, string]> }> = fc
  .record({
    status: fc.option(
      fc.tuple(fc.integer({ min: 100, max: 999 }), headerValueArb.filter((d) => d.trim() !== "")),
      { nil: undefined },
    ),
    entries: fc.array(fc.tuple(headerKeyArb, headerValueArb), { maxLength: 8 }),
  })
  .map(({ status, entries }) => ({ code: status ? status[0] : 0, description: status ? status[1] : "", entries }));

function buildHeaders(h: { code: number; description: string; entries: Array<[string, string]> }): MsgHdrsImpl {
  const m = new MsgHdrsImpl(h.code, h.description);
  for (const [k, v] of h.entries) m.append(k, v);
  return m;
}

/** One frame's content, independent of its spelling. */
type FrameSpec =
  | { op: "info"; json: string }
  | { op: "msg"; subject: Uint8Array; sid: number; reply: Uint8Array | undefined; hdr: Uint8Array | undefined; data: Uint8Array }
  | { op: "ping" | "pong" | "ok" }
  | { op: "err"; text: string };

const errTextArb = fc.oneof(
  fc.constantFrom(
    "Unknown Protocol Operation",
    "Authorization Violation",
    "Stale Connection",
    "Maximum Payload Violation",
    'Permissions Violation for Publish to "x"',
    'Permissions Violation for Subscription to "foo.>" using queue "q"',
    "Slow Consumer",
    "it's a 'quoted' word",
  ),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
).filter((t) => !/[\u0000-\u001f\u007f]/.test(t) && t.trim() === t && t !== "" && !t.startsWith("'") && !t.endsWith("'"));

const frameSpecArb: fc.Arbitrary<FrameSpec> = fc.oneof(
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }).map((o) => ({ op: "info" as const, json: JSON.stringify({ server_id: "S", ...o }) })) },
  {
    weight: 6,
    arbitrary: fc.record({
      subject: subjectArb,
      sid: sidArb,
      reply: fc.option(subjectArb, { nil: undefined }),
      hdr: fc.option(fc.oneof(headersArb.map((h) => buildHeaders(h).encode()), fc.uint8Array({ maxLength: 40 })), { nil: undefined }),
      data: payloadArb,
    }).map((m) => ({ op: "msg" as const, ...m })),
  },
  { weight: 2, arbitrary: fc.constantFrom("ping" as const, "pong" as const, "ok" as const).map((op) => ({ op })) },
  { weight: 1, arbitrary: errTextArb.map((text) => ({ op: "err" as const, text })) },
);

const styleArb: fc.Arbitrary<Style> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Style>({ caseMask: -1, seps: [" "] }) },
  {
    weight: 1,
    arbitrary: fc.record({
      caseMask: fc.nat(15),
      seps: fc.array(fc.string({ unit: fc.constantFrom(" ", "\t"), minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
    }),
  },
);

function encodeFrame(f: FrameSpec, style: Style, k: number): Frame {
  const sep = (j: number): string => style.seps[(k + j) % style.seps.length];
  const op = (name: string): string => spellOp(name, style.caseMask);
  switch (f.op) {
    case "info":
      return { bytes: te.encode(`${op("INFO")}${sep(0)}${f.json}\r\n`), event: { op: "info", json: f.json } };
    case "ping":
      return { bytes: te.encode(`${op("PING")}\r\n`), event: { op: "ping" } };
    case "pong":
      return { bytes: te.encode(`${op("PONG")}\r\n`), event: { op: "pong" } };
    case "ok":
      return { bytes: te.encode(`${op("+OK")}\r\n`), event: { op: "ok" } };
    case "err":
      return { bytes: te.encode(`${op("-ERR")}${sep(0)}'${f.text}'\r\n`), event: { op: "err", text: f.text } };
    case "msg": {
      const hdrLen = f.hdr ? f.hdr.length : 0;
      const size = hdrLen + f.data.length;
      const parts: Uint8Array[] = [te.encode(f.hdr ? op("HMSG") : op("MSG")), te.encode(sep(0)), f.subject, te.encode(`${sep(1)}${f.sid}`)];
      if (f.reply) parts.push(te.encode(sep(2)), f.reply);
      if (f.hdr) parts.push(te.encode(`${sep(3)}${hdrLen}`));
      parts.push(te.encode(`${sep(4)}${size}\r\n`));
      const payload = f.hdr ? concatBytes([f.hdr, f.data]) : f.data;
      parts.push(payload, te.encode("\r\n"));
      return {
        bytes: concatBytes(parts),
        event: { op: "msg", subject: copy(f.subject), sid: f.sid, reply: f.reply ? copy(f.reply) : new Uint8Array(0), hdrLen, size, payload: copy(payload) },
      };
    }
  }
}

/** A valid stream: its bytes and the events it must produce. */
export const validStreamArb: fc.Arbitrary<{ bytes: Uint8Array; events: Event[] }> = fc
  .tuple(fc.array(frameSpecArb, { minLength: 1, maxLength: 25 }), styleArb)
  .map(([specs, style]) => {
    const frames = specs.map((s, k) => encodeFrame(s, style, k));
    return { bytes: concatBytes(frames.map((f) => f.bytes)), events: frames.map((f) => f.event) };
  });

/** Cut points, as fractions of the stream length (so they fit any stream). */
export const cutsArb: fc.Arbitrary<Cuts> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }).map((f) => ({ kind: "random" as const, f })) },
  { weight: 1, arbitrary: fc.constant({ kind: "bytes" as const }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 9 }).map((n) => ({ kind: "every" as const, n })) },
);
export type Cuts = { kind: "random"; f: number[] } | { kind: "bytes" } | { kind: "every"; n: number };

/** Cuts `data` into fresh chunks (a copy each, half of them Buffers as a socket would give). */
export function chunk(data: Uint8Array, cuts: Cuts): Uint8Array[] {
  let points: number[];
  const n = data.length;
  if (cuts.kind === "bytes") points = Array.from({ length: n }, (_, k) => k);
  else if (cuts.kind === "every") points = Array.from({ length: Math.ceil(n / cuts.n) }, (_, k) => k * cuts.n);
  else points = [0, ...cuts.f.map((x) => Math.floor(x * n))];
  points = [...new Set(points)].filter((p) => p >= 0 && p < n).sort((a, b) => a - b);
  if (points[0] !== 0) points.unshift(0);
  const out: Uint8Array[] = [];
  for (let k = 0; k < points.length; k++) {
    const piece = data.slice(points[k], k + 1 < points.length ? points[k + 1] : n);
    out.push(k % 2 ? Buffer.from(piece) : piece);
  }
  return out;
}

function parseAll(chunks: Uint8Array[], opts?: ParserOptions): { events: Event[]; rec: Recorder; parser: Parser } {
  const rec = new Recorder();
  const parser = new Parser(rec, opts);
  for (const c of chunks) parser.parse(c);
  return { events: rec.events, rec, parser };
}

/** The valid-stream property: whole and chunked give exactly the frames' events; views stay intact. */
export function checkValidStream(s: { bytes: Uint8Array; events: Event[] }, cuts: Cuts): void {
  const whole = parseAll([s.bytes.slice()]);
  assert.deepStrictEqual(whole.events, s.events, "whole stream");
  assert.equal(whole.parser.bufferedBytes, 0);
  const chunks = chunk(s.bytes, cuts);
  const before = chunks.map(copy);
  const split = parseAll(chunks);
  assert.deepStrictEqual(split.events, s.events, `cut into ${chunks.length} chunks`);
  assert.equal(split.parser.bufferedBytes, 0);
  // the parser never writes into the chunks it was given, nor into payloads it handed out
  chunks.forEach((c, k) => assert.deepStrictEqual(copy(c), before[k], `chunk ${k} was modified`));
  for (const v of [...whole.rec.views, ...split.rec.views]) assert.deepStrictEqual(copy(v.view), v.copy, "a payload view changed after delivery");
}

// ---- hostile input ---------------------------------------------------------

const validFrameBytes = fc.tuple(frameSpecArb, styleArb).map(([f, s]) => encodeFrame(f, s, 0).bytes);
const shortSubject = fc.constantFrom("foo", "a.b", "_INBOX.x.1");

const ABSURD_SIZES = [
  "-1", "-0", "+1", "1e3", "0x10", "1.5", " ", "", "１", "٣", "99999999999999999999", "1000000000000000",
  "999999999999999", "2147483648", "4294967296", "9007199254740993", "18446744073709551616", "67108865",
  "67108864", "67108863", "NaN", "Infinity", "0b1", "00000000000000001", "5 5", "5\t",
];

/** Pieces of hostile streams, each named after what it tests. */
const hostilePieceArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // valid frames around the bad ones
  { weight: 4, arbitrary: validFrameBytes },
  // truncated lines and frames
  { weight: 3, arbitrary: validFrameBytes.chain((b) => fc.nat(Math.max(b.length - 1, 0)).map((k) => b.slice(0, k))) },
  // absurd, negative or non-numeric sizes, sids and header sizes
  {
    weight: 3,
    arbitrary: fc
      .record({
        op: fc.constantFrom("MSG", "HMSG", "msg", "hmsg"),
        subject: shortSubject,
        sid: fc.constantFrom("1", "-1", "x", "99999999999999999999", "0"),
        reply: fc.option(shortSubject, { nil: undefined }),
        hdr: fc.constantFrom(...ABSURD_SIZES, "0", "2", "12"),
        size: fc.constantFrom(...ABSURD_SIZES, "0", "3", "12"),
        tail: fc.uint8Array({ maxLength: 40 }),
      })
      .map((r) => concatBytes([
        te.encode(`${r.op} ${r.subject} ${r.sid}${r.reply ? ` ${r.reply}` : ""}${/h/i.test(r.op[0]) ? ` ${r.hdr}` : ""} ${r.size}\r\n`),
        r.tail,
      ])),
  },
  // a payload not followed by CRLF, or sized one off
  {
    weight: 3,
    arbitrary: fc
      .record({
        data: fc.uint8Array({ maxLength: 30 }),
        delta: fc.integer({ min: -3, max: 3 }),
        end: fc.constantFrom("", "\r", "\n", "\n\r", "XX", "\rX", "\r\r\n", " \r\n"),
      })
      .map((r) => concatBytes([te.encode(`MSG a 1 ${Math.max(0, r.data.length + r.delta)}\r\n`), r.data, te.encode(r.end)])),
  },
  // oversized control lines, with or without their end
  {
    weight: 2,
    arbitrary: fc
      .record({
        op: fc.constantFrom("INFO ", "MSG ", "-ERR '", "", "PING", "+OK", "HMSG a 1 "),
        len: fc.oneof(fc.integer({ min: 60, max: 1200 }), fc.constantFrom(65535, 65536, 65537, 70000)),
        fill: fc.constantFrom(0x78, 0x20, 0x0d, 0x31, 0xff),
        end: fc.constantFrom("\r\n", "", "\r", "\n"),
      })
      .map((r) => concatBytes([te.encode(r.op), new Uint8Array(r.len).fill(r.fill), te.encode(r.end)])),
  },
  // invalid UTF-8 in subjects, replies, INFO and -ERR text
  {
    weight: 2,
    arbitrary: fc
      .record({
        bad: fc.constantFrom(...[[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff, 0xfe], [0xe2, 0x82]].map((b) => Uint8Array.from(b))),
        where: fc.constantFrom("subject", "reply", "info", "err"),
      })
      .map(({ bad, where }) => {
        switch (where) {
          case "subject":
            return concatBytes([te.encode("MSG a."), bad, te.encode(" 1 2\r\nhi\r\n")]);
          case "reply":
            return concatBytes([te.encode("MSG a 1 r."), bad, te.encode(" 2\r\nhi\r\n")]);
          case "info":
            return concatBytes([te.encode('INFO {"server_id":"'), bad, te.encode('"}\r\n')]);
          default:
            return concatBytes([te.encode("-ERR '"), bad, te.encode("'\r\n")]);
        }
      }),
  },
  // HMSG whose header size disagrees with the header block
  {
    weight: 3,
    arbitrary: fc
      .record({ h: headersArb, data: fc.uint8Array({ maxLength: 20 }), delta: fc.integer({ min: -30, max: 30 }), sizeDelta: fc.integer({ min: -5, max: 5 }) })
      .map(({ h, data, delta, sizeDelta }) => {
        const block = buildHeaders(h).encode();
        const payload = concatBytes([block, data]);
        const hdr = Math.max(0, block.length + delta);
        const size = Math.max(0, payload.length + sizeDelta);
        return concatBytes([te.encode(`HMSG a 1 ${hdr} ${size}\r\n`), payload, te.encode("\r\n")]);
      }),
  },
  // unknown operations and near-misses
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          "FOO", "MSGX a 1 1", "PINGPONG", "PING x", "PONG 1", "+OKAY", "+OK x", "-ER", "-ERROR", "INF", "INFO", "INFO ", " PING",
          "\tMSG a 1 0", "", "SUB a 1", "PUB a 1", "CONNECT {}", "HPUB a 1 1", "MSG", "MSG a", "MSG a 1", "MSG a 1 2 3 4",
          "HMSG a 1 2", "HMSG a 1 r 2 3 4", "\u0000", "M", "H", "P", "I", "+", "-",
        ),
        fc.string({ unit: "grapheme-ascii", maxLength: 12 }),
      )
      .map((s) => te.encode(`${s}\r\n`)),
  },
  // random bytes
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
);

type Mutation = { kind: "flip" | "insert" | "delete" | "dup" | "digit"; at: number; len: number; byte: number };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("flip", "insert", "delete", "dup", "digit"),
  at: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => Math.min(x, 0.999999)),
  len: fc.integer({ min: 1, max: 8 }),
  byte: fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x20, 0x09, 0x30, 0x39, 0x2d), fc.nat(255)),
}).map((m) => ({ ...m, at: Math.floor(m.at * 1e6) }));

function mutate(b: Uint8Array, m: Mutation): Uint8Array {
  if (b.length === 0) return Uint8Array.of(m.byte);
  const at = m.at % b.length;
  switch (m.kind) {
    case "flip": {
      const out = b.slice();
      out[at] = m.byte;
      return out;
    }
    case "insert":
      return concatBytes([b.subarray(0, at), new Uint8Array(m.len).fill(m.byte), b.subarray(at)]);
    case "delete":
      return concatBytes([b.subarray(0, at), b.subarray(at + m.len)]);
    case "dup":
      return concatBytes([b.subarray(0, at + m.len), b.subarray(at)]);
    case "digit": {
      // change a digit: sizes and sids that disagree with the frame
      const out = b.slice();
      for (let k = 0; k < out.length; k++) {
        const j = (at + k) % out.length;
        if (out[j] >= 0x30 && out[j] <= 0x39) {
          out[j] = 0x30 + (m.byte % 10);
          break;
        }
      }
      return out;
    }
  }
}

export interface HostileCase {
  bytes: Uint8Array;
  cuts: Cuts;
  opts: ParserOptions;
}

export const hostileArb: fc.Arbitrary<HostileCase> = fc
  .record({
    // valid frames before and after the bad bytes, so the parser is deep in a
    // stream when they come, and the frames before them must still be delivered
    prefix: fc.array(validFrameBytes, { maxLength: 4 }),
    bad: fc.array(hostilePieceArb, { minLength: 1, maxLength: 3 }),
    suffix: fc.array(validFrameBytes, { maxLength: 3 }),
    mutations: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
    ),
    cuts: cutsArb,
    maxControlLine: fc.constantFrom(undefined, undefined, 32, 256, 1024),
    maxInfoLine: fc.constantFrom(undefined, undefined, 64, 2048),
    maxPayload: fc.constantFrom(undefined, undefined, 16, 4096),
  })
  .map(({ prefix, bad, suffix, mutations, cuts, maxControlLine, maxInfoLine, maxPayload }) => {
    let bytes = concatBytes([...prefix, ...bad, ...suffix]);
    for (const m of mutations) bytes = mutate(bytes, m);
    const opts: ParserOptions = {};
    if (maxControlLine !== undefined) opts.maxControlLine = maxControlLine;
    if (maxInfoLine !== undefined) opts.maxInfoLine = maxInfoLine;
    if (maxPayload !== undefined) opts.maxPayload = maxPayload;
    return { bytes, cuts, opts };
  });

interface Outcome {
  events: Event[];
  error: ProtocolError | undefined;
  maxBuffered: number;
}

/** Feeds chunks, checking after each that nothing more than what was fed is buffered. */
function feed(chunks: Uint8Array[], opts: ParserOptions): Outcome {
  const rec = new Recorder();
  const parser = new Parser(rec, opts);
  const maxLine = opts.maxControlLine ?? 64 * 1024;
  // INFO lines have their own, larger bound (never below maxControlLine)
  const maxInfo = Math.max(opts.maxInfoLine ?? 1024 * 1024, maxLine);
  const maxPayload = opts.maxPayload ?? 64 * 1024 * 1024;
  let fed = 0;
  let maxBuffered = 0;
  let error: ProtocolError | undefined;
  for (const c of chunks) {
    fed += c.length;
    try {
      parser.parse(c);
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        throw new assert.AssertionError({ message: `parse() threw ${(err as Error)?.name}: ${(err as Error)?.message}, not a ProtocolError` });
      }
      error = err;
    }
    const buffered = parser.bufferedBytes;
    maxBuffered = Math.max(maxBuffered, buffered);
    assert.ok(buffered <= fed, `bufferedBytes ${buffered} > ${fed} bytes fed`);
    // a control line is held only up to the limit (+1 for a CR that may be the terminator's)
    assert.ok(buffered <= Math.max(maxInfo + 1, maxPayload), `bufferedBytes ${buffered} above the limits`);
    if (error) {
      assert.equal(buffered, 0, "a failed parser holds nothing");
      // a failed parser refuses more input, with a ProtocolError
      assert.throws(() => parser.parse(te.encode("PING\r\n")), (e: unknown) => e instanceof ProtocolError);
      break;
    }
  }
  // progress is bounded by bytes: the shortest frame ("+OK\n") is 4 bytes
  assert.ok(rec.events.length * 4 <= fed, `${rec.events.length} events from ${fed} bytes`);
  for (const e of rec.events) {
    if (e.op !== "msg") continue;
    assert.equal(e.payload.length, e.size);
    assert.ok(e.hdrLen <= e.size && e.size <= maxPayload, `hdrLen ${e.hdrLen} size ${e.size}`);
    // whatever header block a frame claims, decoding it never throws
    if (e.hdrLen > 0) MsgHdrsImpl.decode(e.payload.subarray(0, e.hdrLen));
  }
  // reset() forgets everything: a valid stream parses as usual afterwards
  parser.reset();
  const before = rec.events.length;
  parser.parse(te.encode("PING\r\nMSG a 1 3\r\nabc\r\n"));
  assert.deepStrictEqual(rec.events.slice(before).map((e) => e.op), ["ping", "msg"], "after reset()");
  assert.equal(parser.bufferedBytes, 0);
  return { events: rec.events.slice(0, before), error, maxBuffered };
}

/**
 * The hostile-input property: events or a ProtocolError, never anything
 * else; the same outcome whole and chunked; bounded buffering, allocation and time.
 */
export function checkHostile(c: HostileCase): void {
  const started = performance.now();
  const ab0 = process.memoryUsage().arrayBuffers;
  const whole = feed([c.bytes.slice()], c.opts);
  const split = feed(chunk(c.bytes, c.cuts), c.opts);
  assert.deepStrictEqual(split.events, whole.events, "chunking changed the events");
  assert.equal(split.error?.message, whole.error?.message, "chunking changed the outcome");
  const grown = process.memoryUsage().arrayBuffers - ab0;
  assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes for a ${c.bytes.length}-byte case`);
  const ms = performance.now() - started;
  assert.ok(ms < CASE_TIME_LIMIT_MS, `case took ${ms.toFixed(0)} ms`);
}

// ---- MSG and HMSG lines: the one-pass reading and the general path agree ---

/**
 * MSG and HMSG lines near the well-formed ones nats-server writes: separators of
 * spaces and tabs, CR or LF where they end or break a line, a missing or
 * extra argument, counts that are not numbers or too large, payloads that do
 * not match the size, header sizes past it, lowercase, limits the line or
 * payload just passes. Parsed whole, a line goes through the parser's
 * one-pass reading;
 * fed a byte at a time, through its general path (no line is ever whole).
 */
export const msgLinesArb: fc.Arbitrary<HostileCase> = fc
  .record({
    lines: fc.array(
      fc.record({
        op: fc.oneof(
          { weight: 20, arbitrary: fc.constant("MSG") },
          { weight: 12, arbitrary: fc.constant("HMSG") },
          fc.constantFrom("msg", "MSg", "MSGX", "M", "hmsg", "HMSGX", "HMS", "H"),
        ),
        // HMSG's header size: mostly within the payload
        hdrLen: fc.oneof({ weight: 10, arbitrary: fc.nat(40).map(String) }, fc.constantFrom("x", "", "99")),
        seps: fc.array(
          fc.oneof({ weight: 60, arbitrary: fc.constant(" ") }, fc.constantFrom("\t", "  ", " \t", "", "\r", "\n")),
          { minLength: 6, maxLength: 6 },
        ),
        subject: fc.oneof({ weight: 8, arbitrary: fc.constantFrom("a", "foo.bar", "_INBOX.abc.1") }, fc.constantFrom("a\rb", "x".repeat(30))),
        sid: fc.oneof({ weight: 20, arbitrary: fc.constantFrom("1", "42", "0") }, fc.constantFrom("", "x", "-1", "1234567890123456")),
        reply: fc.option(fc.oneof({ weight: 8, arbitrary: fc.constantFrom("r", "_INBOX.x.y") }, fc.constant("r\r")), { nil: undefined }),
        extra: fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, fc.constantFrom("1", "z")),
        size: fc.nat(40),
        sizeText: fc.oneof({ weight: 20, arbitrary: fc.constant(undefined) }, fc.constantFrom("", "x", "1e3", "0012", "9999999999999999")),
        end: fc.oneof({ weight: 30, arbitrary: fc.constant("\r\n") }, fc.constantFrom("\n", "\r", "\r\r\n", " \r\n", "\t\r\n")),
        payloadDelta: fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, fc.constantFrom(-1, 1)),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    // from 12: feed() ends with a reset() and "MSG a 1 3", which must fit
    maxControlLine: fc.constantFrom(undefined, undefined, 12, 16, 24, 40),
    maxPayload: fc.constantFrom(undefined, undefined, 8, 39),
  })
  .map(({ lines, maxControlLine, maxPayload }) => {
    const parts: string[] = [];
    for (const l of lines) {
      const args = [l.subject, l.sid];
      if (l.reply !== undefined) args.push(l.reply);
      if (l.extra !== undefined) args.push(l.extra);
      if (l.op.toUpperCase().startsWith("H")) args.push(l.hdrLen);
      args.push(l.sizeText ?? String(l.size));
      parts.push(l.op + args.map((a, k) => `${l.seps[k]}${a}`).join("") + l.end);
      parts.push("p".repeat(Math.max(0, l.size + l.payloadDelta)) + "\r\n");
    }
    const opts: ParserOptions = {};
    if (maxControlLine !== undefined) opts.maxControlLine = maxControlLine;
    if (maxPayload !== undefined) opts.maxPayload = maxPayload;
    return { bytes: te.encode(parts.join("")), cuts: { kind: "bytes" as const }, opts };
  });

// ---- headers ---------------------------------------------------------------

/** Encode/decode round trip: same status, keys (order, case) and trimmed values; re-encoding is stable. */
export function checkHeaderRoundTrip(h: { code: number; description: string; entries: Array<[string, string]> }): void {
  const m = buildHeaders(h);
  const bytes = m.encode();
  const d = MsgHdrsImpl.decode(bytes);
  assert.equal(d.code, h.code);
  assert.equal(d.description, h.description.trim());
  const expected = new Map<string, string[]>();
  for (const [k, v] of h.entries) {
    const a = expected.get(k);
    if (a) a.push(v.trim());
    else expected.set(k, [v.trim()]);
  }
  assert.deepStrictEqual(d.keys(), [...expected.keys()]);
  for (const [k, vs] of expected) assert.deepStrictEqual(d.values(k), vs, `values of ${JSON.stringify(k)}`);
  assert.deepStrictEqual(copy(d.encode()), copy(bytes), "re-encoding differs");
  // the block is one status line, one line per value, one blank line: nothing injected
  const lines = new TextDecoder().decode(bytes).split("\r\n");
  assert.equal(lines.length, 1 + h.entries.length + 2);
}

/** Decode never throws on any bytes, and what it keeps survives a round trip unchanged. */
export function checkHeaderDecode(bytes: Uint8Array): void {
  const d = MsgHdrsImpl.decode(bytes);
  const again = MsgHdrsImpl.decode(d.encode());
  assert.equal(again.code, d.code);
  assert.equal(again.description, d.description);
  assert.deepStrictEqual(again.keys(), d.keys());
  for (const k of d.keys()) assert.deepStrictEqual(again.values(k), d.values(k));
}

const headerBytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.array(
    fc.oneof(
      fc.constantFrom("NATS/1.0", "NATS/1.0 503", "NATS/1.0 408 Request Timeout", " ", ":", "\r\n", "\r", "\n", "\t", "Key", "é", "\u0000", "NATS/"),
      fc.string({ unit: "grapheme", maxLength: 8 }),
    ),
    { maxLength: 20 },
  ).map((parts) => te.encode(parts.join(""))),
  headersArb.chain((h) => fc.tuple(fc.constant(buildHeaders(h).encode()), mutationArb).map(([b, m]) => mutate(b, m))),
);

// ---- the properties, as the tests and the fuzz script run them -------------

/** The properties by name; `tick` is called at the start of every case (the fuzz script's watchdog). */
export function properties(tick: () => void = () => {}): NamedProperty[] {
  const p = <T>(arb: fc.Arbitrary<T>, check: (v: T) => void) => tickingProperty(tick, arb, check);
  return [
    { name: "valid stream, any chunking", runs: RUNS.validStream, property: p(fc.tuple(validStreamArb, cutsArb), ([s, c]) => checkValidStream(s, c)) },
    {
      name: "payload bytes round-trip",
      runs: RUNS.payloadBytes,
      property: p(fc.tuple(payloadArb, cutsArb, fc.boolean()), ([data, cuts, withHeaders]) => {
        const hdr = withHeaders ? te.encode("NATS/1.0\r\nA: b\r\n\r\n") : undefined;
        const f = encodeFrame({ op: "msg", subject: te.encode("a"), sid: 1, reply: undefined, hdr, data }, { caseMask: -1, seps: [" "] }, 0);
        const bytes = concatBytes([f.bytes, te.encode("PING\r\n")]);
        checkValidStream({ bytes, events: [f.event, { op: "ping" }] }, cuts);
      }),
    },
    { name: "hostile input", runs: RUNS.hostile, property: p(hostileArb, checkHostile) },
    // whole vs a byte at a time: the same events, or the same error
    { name: "MSG and HMSG lines: one-pass reading and general path agree", runs: RUNS.msgLines, property: p(msgLinesArb, checkHostile) },
    { name: "header block round-trip", runs: RUNS.headerRoundTrip, property: p(headersArb, checkHeaderRoundTrip) },
    { name: "header decode of any bytes", runs: RUNS.headerDecode, property: p(headerBytesArb, checkHeaderDecode) },
  ];
}

// ---- tests ------------------------------------------------------------------

if (process.env.QUICKNATS_NO_TESTS !== "1") {
  describeProperties("parser properties (fast-check)", properties());

  describe("parser limits, worst cases", () => {
    it("a frame claiming 2 GB, 2^53 or 20 digits fails at once and holds nothing", () => {
      for (const size of ["2147483648", "9007199254740993", "99999999999999999999"]) {
        const p = new Parser(new Recorder());
        assert.throws(() => p.parse(te.encode(`MSG a 1 ${size}\r\n`)), (e: unknown) => e instanceof ProtocolError);
        assert.equal(p.bufferedBytes, 0);
      }
    });

    it("a frame claiming 64 MiB buffers only what arrived, without allocating the claim", () => {
      const p = new Parser(new Recorder());
      const ab0 = process.memoryUsage().arrayBuffers;
      p.parse(te.encode(`MSG a 1 ${64 * 1024 * 1024}\r\n`));
      const chunk = new Uint8Array(1024).fill(0x61);
      let fed = 0;
      for (let k = 0; k < 256; k++) {
        p.parse(chunk.slice());
        fed += chunk.length;
        assert.equal(p.bufferedBytes, fed);
      }
      const grown = process.memoryUsage().arrayBuffers - ab0;
      assert.ok(grown < 8 * 1024 * 1024, `array buffers grew by ${grown} bytes after 256 KiB of a 64 MiB claim`);
    });

    it("a control line without LF fails once past its limit, whatever the chunking: 64 KiB, 1 MiB for INFO", () => {
      for (const [op, limit] of [["MSG ", 65536], ["INFO ", 1024 * 1024]] as const) {
        for (const step of [1, 7, 1000, 70_000]) {
          const p = new Parser(new Recorder());
          const line = new Uint8Array(limit + 4000).fill(0x78);
          line.set(te.encode(op));
          let fed = 0;
          let threw = false;
          for (let k = 0; k < line.length && !threw; k += step) {
            const c = line.slice(k, k + step);
            fed += c.length;
            try {
              p.parse(c);
            } catch (err) {
              assert.ok(err instanceof ProtocolError);
              assert.match(err.message, op === "MSG " ? /^parse error: control line exceeds 65536 bytes$/ : /^parse error: INFO line exceeds 1048576 bytes$/);
              threw = true;
            }
            assert.ok(p.bufferedBytes <= limit + 1, `${op}step ${step}: ${p.bufferedBytes} bytes held`);
          }
          assert.ok(threw, `${op}step ${step}: no error after ${fed} bytes without LF`);
          assert.ok(fed <= limit + step, `${op}step ${step}: failed only after ${fed} bytes`);
        }
      }
    });

    it("every byte value as a payload, in one MSG and one HMSG, cut at every boundary", () => {
      const all = Uint8Array.from({ length: 256 }, (_, k) => k);
      const f1 = encodeFrame({ op: "msg", subject: te.encode("x"), sid: 7, reply: te.encode("r"), hdr: undefined, data: all }, { caseMask: -1, seps: [" "] }, 0);
      const f2 = encodeFrame({ op: "msg", subject: te.encode("y"), sid: 8, reply: undefined, hdr: te.encode("NATS/1.0\r\n\r\n"), data: all }, { caseMask: -1, seps: [" "] }, 0);
      const bytes = concatBytes([f1.bytes, f2.bytes]);
      for (let a = 0; a <= bytes.length; a++) {
        checkValidStream({ bytes, events: [f1.event, f2.event] }, { kind: "random", f: [a / bytes.length] });
      }
    });
  });
}
