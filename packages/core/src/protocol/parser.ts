/**
 * The server-to-client protocol parser: bytes in, handler calls out.
 *
 * It is line based: the end of a control line is found with the native
 * `indexOf(LF)`, the line is decoded in one pass (a MSG or HMSG line as
 * nats-server writes it is read in the same pass that finds its end), and a payload whose bytes
 * (and trailing CRLF) are all in the chunk is handed out as a `subarray` view
 * and skipped over without being scanned (nats.go's "jump ahead"). Bytes are
 * only copied when a control line or a payload spans chunks: a payload into a
 * fresh array once all of it has arrived (ws `Receiver.consume()`), a control
 * line into one growing copy as it arrives.
 *
 * Protocol: https://docs.nats.io/reference/reference-protocols/nats-protocol
 */

import { ErrorCode, InvalidArgumentError, ProtocolError } from "../errors.js";

const BAD_DATA = { code: ErrorCode.BadServerData };

/**
 * The arguments of one MSG/HMSG frame. The parser reuses one instance for
 * every frame: a handler copies what it keeps. `buf` is never mutated by the
 * parser after the call, so keeping a reference to it (and the offsets) is safe.
 */
export interface MsgArgs {
  /** bytes holding the control line; subject and reply are ranges of it */
  buf: Uint8Array;
  subjectStart: number;
  subjectEnd: number;
  /** replyStart === replyEnd when the frame has no reply subject */
  replyStart: number;
  replyEnd: number;
  sid: number;
  /** header block length; 0 for MSG */
  hdrLen: number;
  /** total payload length, headers included */
  size: number;
}

export interface ParserHandler {
  /** `payload` is `size` bytes: the header block (hdrLen bytes) then the data */
  onMsg(args: MsgArgs, payload: Uint8Array): void;
  /** the JSON text after `INFO ` */
  onInfo(json: string): void;
  onPing(): void;
  onPong(): void;
  onOk(): void;
  /** the text after `-ERR `, surrounding single quotes removed */
  onErr(text: string): void;
}

/** Limits that bound what a misbehaving server can make the parser buffer. */
export interface ParserOptions {
  /**
   * Longest control line accepted, in bytes, CRLF excluded, for every line
   * but INFO. Default 64 KiB: a MSG/HMSG line is a subject, a reply and three
   * numbers, which nats-server itself caps at 4 KiB (`max_control_line`).
   */
  maxControlLine?: number;
  /**
   * Longest INFO line accepted, in bytes, CRLF excluded. Default 1 MiB: an
   * async INFO lists the whole cluster in `connect_urls` (and
   * `ws_connect_urls`), about 25 bytes a server, so 1 MiB is some 40,000
   * servers, far beyond any real cluster. Never less than `maxControlLine`.
   */
  maxInfoLine?: number;
  /**
   * Largest MSG/HMSG size accepted, headers included. Default 64 MiB, the
   * largest `max_payload` nats-server allows.
   */
  maxPayload?: number;
}

const DEFAULT_MAX_CONTROL_LINE = 64 * 1024;
const DEFAULT_MAX_INFO_LINE = 1024 * 1024;
/** The first size of the copy of a control line that spans chunks: a MSG line fits. */
const MIN_LINE_COPY = 256;
/** "INFO" and a blank: enough bytes to tell an INFO line from the others. */
const INFO_HEAD = 5;
const DEFAULT_MAX_PAYLOAD = 64 * 1024 * 1024;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 39; // '
const ZERO = 48;
/** ASCII letters differ from their lower case only in this bit. */
const LOWER = 0x20;
/** 999_999_999_999_999 < Number.MAX_SAFE_INTEGER, so 15 digits are always exact. */
const MAX_DIGITS = 15;

// Parser states, named after what has been consumed (nats.go parser.go).
/** Nothing of the next control line has been consumed. */
const OP_START = 0;
/** Part of a control line has been consumed (held in `line`), no LF yet. */
const OP_LINE = 1;
/** A MSG/HMSG control line has been consumed; payload bytes are expected. */
const MSG_PAYLOAD = 2;
/** The whole payload has been consumed; its CR is expected. */
const MSG_END_R = 3;
/** The payload and its CR have been consumed; the LF is expected. */
const MSG_END_N = 4;
/** A ProtocolError was thrown; only reset() gets out of here. */
const FAILED = 5;

type State =
  | typeof OP_START
  | typeof OP_LINE
  | typeof MSG_PAYLOAD
  | typeof MSG_END_R
  | typeof MSG_END_N
  | typeof FAILED;

function isBlank(b: number): boolean {
  return b === SPACE || b === TAB;
}

/**
 * Whether `buf[start..end)` starts with `op` (lower case) followed by a blank
 * or the end of the line. `op[0]` has already been matched exactly by the
 * caller's switch; the rest of `op` is letters, compared case-insensitively
 * (`| LOWER` is only a case fold for letters: `"\r" | 0x20` is `"-"`).
 */
function hasOp(buf: Uint8Array, start: number, end: number, op: string): boolean {
  const n = op.length;
  if (end - start < n) return false;
  for (let k = 1; k < n; k++) {
    if ((buf[start + k] | LOWER) !== op.charCodeAt(k)) return false;
  }
  return start + n === end || isBlank(buf[start + n]);
}

/** Whether the line `buf[start..end)` is an INFO (any case), the one line allowed past maxControlLine. */
function isInfoLine(buf: Uint8Array, start: number, end: number): boolean {
  return end > start && (buf[start] | LOWER) === 0x69 && hasOp(buf, start, end, "info");
}

/** Whether `head` (shorter than "INFO ") is how an INFO line starts. */
function startsInfo(head: Uint8Array): boolean {
  for (let k = 0; k < head.length; k++) {
    if (k < 4 ? (head[k] | LOWER) !== "info".charCodeAt(k) : !isBlank(head[k])) return false;
  }
  return true;
}

/** Whether `buf[start..end)` is only blanks (or empty). */
function allBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    if (!isBlank(buf[k])) return false;
  }
  return true;
}

/**
 * `buf[start..end)` as a decimal count: 1 to 15 ASCII digits, no sign.
 * Returns -1 for anything else.
 */
function parseCount(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 1 || n > MAX_DIGITS) return -1;
  let v = 0;
  for (let k = start; k < end; k++) {
    const d = buf[k] - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw InvalidArgumentError.format(name, "must be a positive integer");
  }
  return v;
}

/**
 * Parses the NATS server-to-client protocol and calls a {@link ParserHandler}
 * once per operation.
 *
 * The parser takes ownership of the chunks it is given: payload views and
 * `MsgArgs.buf` may point into them, so a caller must not write into a chunk
 * after passing it (socket and WebSocket chunks are fresh buffers anyway).
 *
 * A handler that throws unwinds parse(), but the parser has already moved
 * past the frame it was handling: the unparsed rest of the chunk is kept and
 * parsed, before the new bytes, by the next parse() call.
 */
export class Parser {
  readonly #handler: ParserHandler;
  readonly #maxControlLine: number;
  readonly #maxInfoLine: number;
  readonly #maxPayload: number;
  readonly #decoder = new TextDecoder();
  /** The one MsgArgs object, reused for every frame. */
  readonly #args: MsgArgs;
  /** Start/end offsets of up to 5 MSG/HMSG arguments; reused. */
  readonly #tokens: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  #state: State = OP_START;
  /** Whether the frame in progress is an HMSG (only for error messages). */
  #hmsg = false;
  /**
   * A copy of an unfinished control line (its first `lineLen` bytes), grown
   * by doubling as pieces arrive, so a line drip-fed in tiny chunks costs no
   * object per chunk; its size at most doubles what has been received.
   */
  #line: Uint8Array | undefined;
  #lineLen = 0;
  /** Pieces of an unfinished payload, views on earlier chunks. */
  #payloadPieces: Uint8Array[] = [];
  /** Payload bytes consumed so far in MSG_PAYLOAD. */
  #got = 0;
  /** The complete payload while its CRLF is awaited (MSG_END_R/N). */
  #payload: Uint8Array;
  /** Chunks to parse before the next one: see parse() and run(). */
  #backlog: Uint8Array[] = [];
  #parsing = false;
  #stopped = false;

  constructor(handler: ParserHandler, opts: ParserOptions = {}) {
    this.#handler = handler;
    this.#maxControlLine = positiveInt(
      "maxControlLine",
      opts.maxControlLine,
      DEFAULT_MAX_CONTROL_LINE,
    );
    this.#maxInfoLine = Math.max(
      positiveInt("maxInfoLine", opts.maxInfoLine, DEFAULT_MAX_INFO_LINE),
      this.#maxControlLine,
    );
    this.#maxPayload = positiveInt("maxPayload", opts.maxPayload, DEFAULT_MAX_PAYLOAD);
    this.#payload = new Uint8Array(0);
    // every field set up front, so the object keeps one shape
    this.#args = {
      buf: this.#payload,
      subjectStart: 0,
      subjectEnd: 0,
      replyStart: 0,
      replyEnd: 0,
      sid: 0,
      hdrLen: 0,
      size: 0,
    };
  }

  /**
   * Bytes held for an unfinished control line or payload. Never more than
   * what has been received: a frame's claimed size is not allocated up front.
   */
  get bufferedBytes(): number {
    switch (this.#state) {
      case OP_LINE:
        return this.#lineLen;
      case MSG_PAYLOAD:
        return this.#got;
      case MSG_END_R:
      case MSG_END_N:
        return this.#payload.length;
      default:
        return 0;
    }
  }

  /**
   * Parses a chunk. Throws ProtocolError (from ../errors.js) on malformed
   * input; after a throw the parser must be reset() before reuse.
   */
  parse(chunk: Uint8Array): void {
    if (this.#parsing) {
      // A handler fed us more bytes from inside a callback: they come after
      // the rest of the chunk being parsed, so queue them behind it.
      this.#backlog.push(chunk);
      return;
    }
    if (this.#state === FAILED) {
      throw new ProtocolError("parse error: parser failed earlier; reset() it before reuse", BAD_DATA);
    }
    this.#stopped = false;
    this.#parsing = true;
    try {
      if (this.#backlog.length === 0) {
        this.#run(chunk);
      } else {
        this.#backlog.push(chunk);
      }
      while (this.#backlog.length > 0 && !this.#stopped) {
        this.#run(this.#backlog.shift() as Uint8Array);
      }
    } finally {
      this.#parsing = false;
    }
  }

  /**
   * Stops parsing the rest of the current chunk (the handler may call this
   * from inside a callback, e.g. when the connection closes).
   */
  stop(): void {
    this.#stopped = true;
    this.#backlog.length = 0;
  }

  /** Forgets all buffered bytes and any failure, ready for a new stream. */
  reset(): void {
    // a reset from inside a callback also ends the chunk being parsed:
    // its remaining bytes belong to the old stream
    this.stop();
    this.#clear();
    this.#state = OP_START;
  }

  #clear(): void {
    this.#line = undefined;
    this.#lineLen = 0;
    this.#payloadPieces = [];
    this.#got = 0;
    this.#payload = new Uint8Array(0);
  }

  #fail(message: string): ProtocolError {
    this.#state = FAILED;
    this.#clear();
    this.#backlog.length = 0;
    return new ProtocolError(`parse error: ${message}`, BAD_DATA);
  }

  #run(chunk: Uint8Array): void {
    const len = chunk.length;
    // `i` always points past the last frame handed to the handler, so a
    // throwing handler leaves exactly the unparsed bytes behind (see catch)
    let i = 0;
    try {
      while (i < len) {
        switch (this.#state) {
          case OP_START: {
            if (chunk[i] === 0x4d || chunk[i] === 0x48) {
              // M or H: most frames are MSG or HMSG lines, read here in one pass when whole and well formed
              const next = this.#wholeMsgLine(chunk, i, len);
              if (next > 0) {
                i = next;
                break;
              }
            }
            const lf = chunk.indexOf(LF, i);
            if (lf < 0) {
              this.#holdLine(chunk, i, len);
              i = len;
              break;
            }
            const start = i;
            const end = lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
            if (end - start > this.#maxControlLine) this.#checkLongLine(end - start, chunk.subarray(start, end));
            i = lf + 1;
            this.#controlLine(chunk, start, end);
            if (this.#stopped) return;
            break;
          }

          case OP_LINE: {
            const lf = chunk.indexOf(LF, i);
            if (lf < 0) {
              this.#holdLine(chunk, i, len);
              i = len;
              break;
            }
            const line = this.#joinLine(chunk, i, lf);
            i = lf + 1;
            this.#state = OP_START;
            const end = line.length > 0 && line[line.length - 1] === CR
              ? line.length - 1
              : line.length;
            this.#controlLine(line, 0, end);
            if (this.#stopped) return;
            break;
          }

          case MSG_PAYLOAD: {
            const size = this.#args.size;
            if (this.#got === 0 && len - i >= size + 2) {
              // the whole payload and its CRLF are here: hand out a view
              const end = i + size;
              if (chunk[end] !== CR || chunk[end + 1] !== LF) throw this.#noCrlf();
              const payload = chunk.subarray(i, end);
              i = end + 2;
              this.#state = OP_START;
              this.#handler.onMsg(this.#args, payload);
              if (this.#stopped) return;
              break;
            }
            // Split payload: keep views until all `size` bytes are here, so
            // a claimed size costs nothing until it has been received.
            const take = Math.min(size - this.#got, len - i);
            if (take > 0) {
              this.#payloadPieces.push(chunk.subarray(i, i + take));
              this.#got += take;
              i += take;
            }
            if (this.#got === size) {
              this.#payload = this.#joinPayload(size);
              this.#state = MSG_END_R;
            }
            break;
          }

          case MSG_END_R:
            if (chunk[i] !== CR) throw this.#noCrlf();
            i++;
            this.#state = MSG_END_N;
            break;

          case MSG_END_N: {
            if (chunk[i] !== LF) throw this.#noCrlf();
            i++;
            const payload = this.#payload;
            this.#payload = new Uint8Array(0);
            this.#state = OP_START;
            this.#handler.onMsg(this.#args, payload);
            if (this.#stopped) return;
            break;
          }

          default:
            // FAILED: parse() refuses to start, but a handler could have
            // re-entered after a failure; never parse in this state
            return;
        }
      }
    } catch (err) {
      // A handler threw (our own failures set FAILED): keep the unparsed
      // rest for the next parse(), ahead of any chunk queued re-entrantly.
      if (this.#state !== FAILED && !this.#stopped && i < len) {
        this.#backlog.unshift(chunk.subarray(i));
      }
      throw err;
    }
  }

  /** Holds `chunk[start..end)`, a piece of a control line with no LF yet. */
  #holdLine(chunk: Uint8Array, start: number, end: number): void {
    const piece = chunk.subarray(start, end);
    const len = this.#lineLen + piece.length;
    // Checked before the LF arrives, so a server that never sends one cannot
    // make us buffer without bound. A trailing CR may be the terminator's.
    const content = chunk[end - 1] === CR ? len - 1 : len;
    if (content > this.#maxControlLine) this.#checkLongLine(content, piece);
    this.#state = OP_LINE;
    this.#appendToLine(piece);
  }

  /**
   * Throws unless a line of `content` bytes (past maxControlLine) is an INFO
   * within maxInfoLine. `more` is what follows the held bytes. Only long
   * lines get here, so their first bytes are always available.
   */
  #checkLongLine(content: number, more: Uint8Array): void {
    const head = this.#lineHead(more);
    // fewer bytes than "INFO " (only with a maxControlLine below 5): it may still become one
    const info = isInfoLine(head, 0, head.length) || (head.length < INFO_HEAD && startsInfo(head));
    if (!info || content > this.#maxInfoLine) throw this.#lineTooLong(info);
  }

  /** The first INFO_HEAD bytes (or fewer) of the held line followed by `more`. */
  #lineHead(more: Uint8Array): Uint8Array {
    const held = Math.min(this.#lineLen, INFO_HEAD);
    const head = new Uint8Array(Math.min(held + more.length, INFO_HEAD));
    if (held > 0) head.set(this.#line!.subarray(0, held));
    head.set(more.subarray(0, head.length - held), held);
    return head;
  }

  /** Appends to the held line, doubling its copy when full. */
  #appendToLine(piece: Uint8Array): void {
    const need = this.#lineLen + piece.length;
    let line = this.#line;
    if (line === undefined || need > line.length) {
      const bigger = new Uint8Array(Math.max(2 * (line === undefined ? 0 : line.length), need, MIN_LINE_COPY));
      if (line !== undefined) bigger.set(line.subarray(0, this.#lineLen));
      line = this.#line = bigger;
    }
    line.set(piece, this.#lineLen);
    this.#lineLen = need;
  }

  /**
   * The held bytes and `chunk[start..lf)`: the line's copy, which is its
   * alone from here on (callers may keep `MsgArgs.buf`, so it is never a
   * reused buffer).
   */
  #joinLine(chunk: Uint8Array, start: number, lf: number): Uint8Array {
    const total = this.#lineLen + (lf - start);
    const lastIsCr = lf > start
      ? chunk[lf - 1] === CR
      : this.#lineLen > 0 && this.#line![this.#lineLen - 1] === CR;
    const rest = chunk.subarray(start, lf);
    // checked before copying: `lf` may be far into a large chunk
    const content = lastIsCr ? total - 1 : total;
    if (content > this.#maxControlLine) this.#checkLongLine(content, rest);
    this.#appendToLine(rest);
    const line = this.#line!.subarray(0, total);
    this.#line = undefined;
    this.#lineLen = 0;
    return line;
  }

  /** The payload from its pieces: the single view itself, else one copy. */
  #joinPayload(size: number): Uint8Array {
    const pieces = this.#payloadPieces;
    this.#payloadPieces = [];
    if (pieces.length === 1) return pieces[0];
    const payload = new Uint8Array(size);
    let off = 0;
    for (const piece of pieces) {
      payload.set(piece, off);
      off += piece.length;
    }
    return payload;
  }

  /**
   * Handles one control line, `buf[start..end)` without its CRLF. The caller
   * has already moved past the line, so handler calls here are safe.
   */
  #controlLine(buf: Uint8Array, start: number, end: number): void {
    switch (buf[start]) {
      case 0x4d: // M
      case 0x6d: // m
        if (hasOp(buf, start, end, "msg")) {
          this.#msgArgs(buf, start + 3, end, false);
          return;
        }
        break;
      case 0x48: // H
      case 0x68: // h
        if (hasOp(buf, start, end, "hmsg")) {
          this.#msgArgs(buf, start + 4, end, true);
          return;
        }
        break;
      case 0x50: // P
      case 0x70: // p
        if (hasOp(buf, start, end, "ping")) {
          if (!allBlank(buf, start + 4, end)) throw this.#fail("unexpected PING arguments");
          this.#handler.onPing();
          return;
        }
        if (hasOp(buf, start, end, "pong")) {
          if (!allBlank(buf, start + 4, end)) throw this.#fail("unexpected PONG arguments");
          this.#handler.onPong();
          return;
        }
        break;
      case 0x49: // I
      case 0x69: // i
        if (hasOp(buf, start, end, "info")) {
          this.#info(buf, start + 4, end);
          return;
        }
        break;
      case 0x2b: // +
        if (hasOp(buf, start, end, "+ok")) {
          if (!allBlank(buf, start + 3, end)) throw this.#fail("unexpected +OK arguments");
          this.#handler.onOk();
          return;
        }
        break;
      case 0x2d: // -
        if (hasOp(buf, start, end, "-err")) {
          this.#err(buf, start + 4, end);
          return;
        }
        break;
    }
    throw this.#fail(start === end ? "empty control line" : "unknown protocol operation");
  }

  #info(buf: Uint8Array, start: number, end: number): void {
    while (start < end && isBlank(buf[start])) start++;
    while (end > start && isBlank(buf[end - 1])) end--;
    if (start === end) throw this.#fail("missing INFO arguments");
    this.#handler.onInfo(this.#decoder.decode(buf.subarray(start, end)));
  }

  #err(buf: Uint8Array, start: number, end: number): void {
    while (start < end && isBlank(buf[start])) start++;
    while (end > start && isBlank(buf[end - 1])) end--;
    // the server sends -ERR 'text'; strip the quotes and what they enclosed
    if (start < end && buf[start] === QUOTE) start++;
    if (end > start && buf[end - 1] === QUOTE) end--;
    while (start < end && isBlank(buf[start])) start++;
    while (end > start && isBlank(buf[end - 1])) end--;
    this.#handler.onErr(this.#decoder.decode(buf.subarray(start, end)));
  }

  /**
   * Fills `args` from `MSG <subject> <sid> [reply] <size>` or
   * `HMSG <subject> <sid> [reply] <hdrLen> <size>` (from after the op name)
   * and waits for the payload.
   */
  #msgArgs(buf: Uint8Array, p: number, end: number, hmsg: boolean): void {
    this.#hmsg = hmsg;
    const max = hmsg ? 5 : 4;
    const t = this.#tokens;
    let n = 0;
    // one test per byte: a token's first byte is known not to be blank
    while (p < end) {
      if (isBlank(buf[p])) {
        p++;
        continue;
      }
      if (n === max) throw this.#fail(`bad ${hmsg ? "HMSG" : "MSG"} arguments`);
      t[2 * n] = p;
      do p++; while (p < end && !isBlank(buf[p]));
      t[2 * n + 1] = p;
      n++;
    }
    const op = hmsg ? "HMSG" : "MSG";
    // the reply subject is the optional third argument
    const hasReply = n === max;
    if (!hasReply && n !== max - 1) throw this.#fail(`bad ${op} arguments`);

    const sid = parseCount(buf, t[2], t[3]);
    if (sid < 0) throw this.#fail(`bad ${op} sid`);
    const sizeAt = 2 * (n - 1);
    const size = parseCount(buf, t[sizeAt], t[sizeAt + 1]);
    if (size < 0) throw this.#fail(`bad ${op} size`);
    if (size > this.#maxPayload) {
      throw this.#fail(`${op} size exceeds maxPayload (${this.#maxPayload})`);
    }
    let hdrLen = 0;
    if (hmsg) {
      hdrLen = parseCount(buf, t[sizeAt - 2], t[sizeAt - 1]);
      if (hdrLen < 0) throw this.#fail("bad HMSG header size");
      if (hdrLen > size) throw this.#fail("HMSG header size exceeds total size");
    }

    this.#awaitPayload(buf, hasReply, sid, hdrLen, size);
  }

  /**
   * `MSG <subject> <sid> [reply] <size>` or `HMSG ... [reply] <hdrLen> <size>`
   * and its CRLF, read in one pass (no search for the LF first, no dispatch
   * on the op) when the line is whole in `buf` from `i`, within
   * maxControlLine, and written as nats-server writes it (uppercase, spaces
   * or tabs, CRLF). Returns the index past the LF with the payload awaited,
   * as #msgArgs leaves it; -1 for anything else, which the general path then
   * parses (or reports) from `i` as before.
   */
  #wholeMsgLine(buf: Uint8Array, i: number, len: number): number {
    const hmsg = buf[i] === 0x48;
    const o = hmsg ? i + 1 : i;
    if ((hmsg && buf[o] !== 0x4d) || buf[o + 1] !== 0x53 || buf[o + 2] !== 0x47 || buf[o + 3] !== SPACE) return -1;
    const max = hmsg ? 5 : 4;
    // a line that reaches the limit is left to the general path, which measures it exactly
    const limit = Math.min(len, i + this.#maxControlLine);
    const t = this.#tokens;
    let n = 0;
    let p = o + 4;
    let c = 0;
    for (;;) {
      if (p >= limit) return -1;
      c = buf[p];
      if (c === SPACE || c === TAB) {
        p++;
        continue;
      }
      if (c === CR || c === LF) break;
      if (n === max) return -1;
      t[2 * n] = p;
      for (p++; p < limit; p++) {
        c = buf[p];
        if (c === SPACE || c === TAB || c === CR || c === LF) break;
      }
      t[2 * n + 1] = p;
      n++;
    }
    // a bare LF, or a CR that does not end the line: the general path decides
    if (c !== CR || p + 1 >= len || buf[p + 1] !== LF || n < max - 1) return -1;
    const sid = parseCount(buf, t[2], t[3]);
    const sizeAt = 2 * (n - 1);
    const size = parseCount(buf, t[sizeAt], t[sizeAt + 1]);
    const hdrLen = hmsg ? parseCount(buf, t[sizeAt - 2], t[sizeAt - 1]) : 0;
    if (sid < 0 || size < 0 || size > this.#maxPayload || hdrLen < 0 || hdrLen > size) return -1;
    this.#hmsg = hmsg;
    this.#awaitPayload(buf, n === max, sid, hdrLen, size);
    return p + 2;
  }

  /** The frame's arguments are read (from the tokens): its payload comes next. */
  #awaitPayload(buf: Uint8Array, hasReply: boolean, sid: number, hdrLen: number, size: number): void {
    const a = this.#args;
    const t = this.#tokens;
    a.buf = buf;
    a.subjectStart = t[0];
    a.subjectEnd = t[1];
    a.replyStart = hasReply ? t[4] : t[1];
    a.replyEnd = hasReply ? t[5] : t[1];
    a.sid = sid;
    a.hdrLen = hdrLen;
    a.size = size;
    this.#got = 0;
    this.#state = MSG_PAYLOAD;
  }

  #lineTooLong(info: boolean): ProtocolError {
    return this.#fail(info ? `INFO line exceeds ${this.#maxInfoLine} bytes` : `control line exceeds ${this.#maxControlLine} bytes`);
  }

  #noCrlf(): ProtocolError {
    return this.#fail(`${this.#hmsg ? "HMSG" : "MSG"} payload not followed by CRLF`);
  }
}
