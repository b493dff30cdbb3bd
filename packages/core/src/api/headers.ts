/**
 * NATS message headers: the `MsgHdrs` API of @nats-io/nats-core 3.4, and the
 * wire codec for the header block of HPUB/HMSG.
 *
 * Wire format (https://docs.nats.io/reference/reference-protocols/nats-protocol#hpub):
 *
 *     NATS/1.0[ <code>[ <description>]]\r\n
 *     Key: value\r\n          (one line per value; multi-valued keys repeat)
 *     \r\n
 *
 * Differences from the official client, all on the side of safety:
 * - Everything is validated when it goes in (`append`, `set`, `headers()`,
 *   `fromRecord`), and the stored state can only change through validated
 *   methods (private fields, iteration yields copies). So `encode()` can only
 *   ever produce a well-formed block holding exactly what was set: no header
 *   or line injection.
 * - Values may not contain control characters other than HTAB (see
 *   `checkValue`), nor lone UTF-16 surrogates (TextEncoder would silently turn
 *   them into U+FFFD, so the bytes sent would differ from the value set).
 * - An empty set encodes to `NATS/1.0\r\n\r\n`, as nats.go does, never to an
 *   empty block; published, it sends no header block (see `encodeHeaders`).
 * - `decode()` never throws on bytes from the network: lines it cannot accept
 *   are dropped, and what it keeps obeys the same rules, so a decoded set can be
 *   re-published safely (e.g. `msg.respond(data, { headers: msg.headers })`).
 *
 * Error messages never include header values (they may carry tokens).
 */

import { argumentTypeError, InvalidArgumentError } from "../errors.js";
import { Match, type MsgHdrs } from "../types.js";

// Stateless codecs (non-streaming use keeps no state between calls), so
// sharing them does not break "no module-level mutable state".
const TE = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF, so "\uFEFFNATS/1.0" is not a header block
const TD = new TextDecoder("utf-8", { ignoreBOM: true });

const HEADER = "NATS/1.0";
const CR = 13;
const LF = 10;
const TAB = 9;
const COLON = 58;
const DASH = 45;

/** `'x'` for printable ASCII, `'\u000d'` otherwise: keeps messages one clean line. */
function showChar(c: number): string {
  return c >= 32 && c <= 126
    ? `'${String.fromCharCode(c)}'`
    : `'\\u${c.toString(16).padStart(4, "0")}'`;
}

/**
 * The reason `k` is not a header name, or `""` when it is one. RFC 822 §3.1.2:
 * printable ASCII 33–126 except `:`, so no space, CR, LF or non-ASCII.
 */
function keyProblem(k: unknown): string {
  if (typeof k !== "string") return "name must be a string";
  if (k.length === 0) return "name cannot be empty";
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c === COLON || c < 33 || c > 126) {
      return `${showChar(c)} is not a valid character in a header name`;
    }
  }
  return "";
}

/** A key that is not a string is a TypeError (also an InvalidArgumentError), as 3.4 throws for a wrong type. */
function checkKey(k: unknown): string {
  if (typeof k !== "string") throw argumentTypeError("'header' name must be a string");
  const problem = keyProblem(k);
  if (problem) throw InvalidArgumentError.format("header", problem);
  return k as string;
}

/**
 * The reason `v` may not be a header value (or status description), or `""`.
 * CR and LF would end the line (injection). Other C0 controls and DEL are
 * refused too (RFC 9110 §5.5 allows only HTAB, visible chars and obs-text):
 * NUL and friends confuse C-string and terminal consumers, and no legitimate
 * header needs them. HTAB and all of Unicode from U+0080 are allowed, as
 * UTF-8 never produces bytes below 0x80 for them.
 */
function valueProblem(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32) {
      if (c === TAB) continue;
      return c === CR || c === LF
        ? "cannot contain \\r or \\n"
        : `cannot contain control character ${showChar(c)}`;
    }
    if (c === 127) return `cannot contain control character ${showChar(c)}`;
    if (c >= 0xd800 && c <= 0xdfff) {
      // a high surrogate followed by a low one is a valid pair
      const next = v.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return "must be well-formed Unicode (lone surrogate)";
    }
  }
  return "";
}

/** Validates and trims (as the official client does) a value. */
function checkValue(v: unknown, property: string, prefix: string): string {
  if (typeof v !== "string") throw argumentTypeError(`'${property}' ${prefix}must be a string`);
  const problem = valueProblem(v);
  if (problem) throw InvalidArgumentError.format(property, prefix + problem);
  return v.trim();
}

/** A status code: 0 (none) or an integer 100–999, so the status line always carries 3 digits. */
function checkCode(code: unknown): number {
  if (typeof code !== "number" || (code !== 0 && !(Number.isInteger(code) && code >= 100 && code <= 999))) {
    throw InvalidArgumentError.format("code", "must be 0 or a 3-digit status code");
  }
  return code;
}

/**
 * Converts a header name to its canonical MIME form: the first letter and any
 * letter after `-` upper case, the rest lower case (`foo-bar` → `Foo-Bar`).
 * Throws `InvalidArgumentError` for characters outside printable ASCII 33–126
 * or for `:`. As in the official client, `""` gives `""`.
 */
export function canonicalMIMEHeaderKey(k: string): string {
  if (k !== "") checkKey(k);
  let out = "";
  let changed = false;
  let upper = true;
  for (let i = 0; i < k.length; i++) {
    let c = k.charCodeAt(i);
    if (upper && c >= 97 && c <= 122) {
      c -= 32;
      changed = true;
    } else if (!upper && c >= 65 && c <= 90) {
      c += 32;
      changed = true;
    }
    out += String.fromCharCode(c);
    upper = c === DASH;
  }
  // hand back the caller's string when nothing changed
  return changed ? out : k;
}

/**
 * Creates a header set. A status needs both parts: a non-zero `code` (an
 * integer 100–999, so the status line always carries 3 digits) and a
 * non-empty `description` (same rules as a value, trimmed).
 * @throws InvalidArgumentError
 */
export function headers(code = 0, description = ""): MsgHdrs {
  return new MsgHdrsImpl(code, description);
}

/**
 * The header block to send for `h`, or undefined for none: an empty set
 * without a status sends none, as the official client does (its receivers,
 * and ours, then see no `m.headers`, as they would from the official
 * publisher: `const h = headers(); if (id) h.set(...)` is a common pattern).
 * Our own sets encode as documented at `encode()`. Any other object with the
 * `MsgHdrs` shape (made by another copy of this module, or by
 * @nats-io/nats-core's `headers()`, as the JetStream, KV and Services
 * libraries do) is read through `keys()`, `values()`, `code` and
 * `description` and validated exactly like ours, so it cannot inject lines
 * either.
 * @throws InvalidArgumentError for a key, value, code or description we would refuse
 */
export function encodeHeaders(h: MsgHdrs): Uint8Array | undefined {
  if (h instanceof MsgHdrsImpl) return h.size() === 0 && !h.code ? undefined : h.encode();
  // a Map has keys() and values() too, but its values() are every key's: a TypeError, as 3.4's
  if (typeof h !== "object" || h === null || h instanceof Map || typeof h.keys !== "function" || typeof h.values !== "function") {
    throw argumentTypeError("'headers' must be a MsgHdrs (made with headers())");
  }
  // the common case first: @nats-io/jetstream sends an empty set with every js.publish()
  if (!h.code && h.keys().length === 0) return undefined;
  return MsgHdrsImpl.copyOf(h).encode();
}

/**
 * `h` with the message-tracing headers a publish's `traceDestination` and
 * `traceOnly` ask for: a copy, so the caller's headers are not modified.
 */
export function withTraceHeaders(h: MsgHdrs | undefined, o: { traceDestination?: string; traceOnly?: boolean }): MsgHdrs {
  const copy = new MsgHdrsImpl();
  if (h) for (const [k, vs] of h) for (const v of vs) copy.append(k, v);
  if (o.traceDestination) copy.set("Nats-Trace-Dest", o.traceDestination);
  if (o.traceOnly) copy.set("Nats-Trace-Only", "true");
  return copy;
}

/** The concrete `MsgHdrs`, with the wire codec. */
export class MsgHdrsImpl implements MsgHdrs {
  // keys case-preserved, in insertion order; value arrays never leave the class
  #map = new Map<string, string[]>();
  #code = 0;
  #description = "";
  // encode() result, dropped on every mutation
  #bytes: Uint8Array | undefined = undefined;

  /** Same checks as `headers()`. @throws InvalidArgumentError */
  constructor(code = 0, description = "") {
    checkCode(code);
    const d = checkValue(description, "description", "");
    if (code === 0 && d !== "") {
      throw InvalidArgumentError.format("code", "is required");
    } else if (code > 0 && d === "") {
      throw InvalidArgumentError.format("description", "is required");
    }
    this.#code = code;
    this.#description = d;
  }

  /** `[key, values]` pairs in insertion order; the arrays are copies. */
  *[Symbol.iterator](): IterableIterator<[string, string[]]> {
    for (const [k, v] of this.#map) yield [k, v.slice()];
  }

  /** The number of keys (not of values), as in the official client. */
  size(): number {
    return this.#map.size;
  }

  /**
   * Same code, same keys (exact case), and for each key the same values in
   * any order. As in the official client, the description is not compared.
   */
  equals(other: MsgHdrs): boolean {
    if (!other || this.#code !== other.code) return false;
    if (this.#map.size !== other.keys().length) return false;
    for (const [k, v] of this.#map) {
      const o = other.values(k).slice().sort();
      if (v.length !== o.length) return false;
      const a = v.slice().sort();
      for (let i = 0; i < a.length; i++) {
        if (a[i] !== o[i]) return false;
      }
    }
    return true;
  }

  /**
   * Parses a header block. Never throws on any bytes: it keeps what it can.
   * - The block must start with `NATS/`; otherwise the result is empty.
   * - Status: `NATS/1.0 503`, `NATS/1.0 408 Request Timeout`; a code is 1–3
   *   digits (as tolerant as the official parser). Anything else after the
   *   version means no status; a description that breaks the value rules is
   *   dropped (the code is kept).
   * - Lines end at CRLF; parsing stops at the first empty line. A line without
   *   `:`, with a bad key (e.g. a space before `:`) or a bad value (e.g. a bare
   *   LF) is skipped. The space after `:` is optional; values are trimmed.
   */
  static decode(bytes: Uint8Array): MsgHdrsImpl {
    const h = new MsgHdrsImpl();
    // cheap reject before decoding: "NATS/"
    if (
      bytes.length < 5 || bytes[0] !== 78 || bytes[1] !== 65 ||
      bytes[2] !== 84 || bytes[3] !== 83 || bytes[4] !== 47
    ) {
      return h;
    }
    const s = TD.decode(bytes);
    let eol = s.indexOf("\r\n");
    if (eol === -1) eol = s.length;
    h.#parseStatus(s.slice(0, eol));

    const map = h.#map;
    let pos = eol + 2;
    while (pos < s.length) {
      let end = s.indexOf("\r\n", pos);
      if (end === -1) end = s.length;
      if (end === pos) break; // the blank line that ends the block
      const colon = s.indexOf(":", pos);
      if (colon !== -1 && colon < end) {
        const k = s.slice(pos, colon);
        const v = s.slice(colon + 1, end);
        if (keyProblem(k) === "" && valueProblem(v) === "") {
          const a = map.get(k);
          if (a) a.push(v.trim());
          else map.set(k, [v.trim()]);
        }
      }
      pos = end + 2;
    }
    return h;
  }

  #parseStatus(line: string): void {
    const sp = line.indexOf(" ");
    if (sp === -1) return;
    const m = /^(\d{1,3})(?:\s+([^]*))?$/.exec(line.slice(sp + 1).trim());
    if (!m) return;
    const code = parseInt(m[1], 10);
    if (code === 0) return;
    const d = m[2] ?? "";
    this.#code = code;
    this.#description = valueProblem(d) === "" ? d.trim() : "";
  }

  /** The header block as a string; see `encode()`. */
  toString(): string {
    let s = HEADER;
    if (this.#code > 0) {
      s += ` ${this.#code}`;
      if (this.#description !== "") s += ` ${this.#description}`;
    }
    s += "\r\n";
    for (const [k, v] of this.#map) {
      for (let i = 0; i < v.length; i++) s += `${k}: ${v[i]}\r\n`;
    }
    return `${s}\r\n`;
  }

  /**
   * The header block as bytes, for HPUB. An empty set gives
   * `NATS/1.0\r\n\r\n` (12 bytes), as nats.go encodes it (a publish sends
   * no block for it, as the official JS client: see `encodeHeaders`). A code
   * without a description (as decoded from `NATS/1.0 503`) is kept:
   * `NATS/1.0 503\r\n\r\n`.
   *
   * The result is cached until the next mutation and shared between calls:
   * treat it as read-only.
   */
  encode(): Uint8Array {
    return this.#bytes ??= TE.encode(this.toString());
  }

  /** All keys, case-preserved, in insertion order. */
  keys(): string[] {
    return [...this.#map.keys()];
  }

  /**
   * The stored keys that `k` matches. Lookups never throw: a key that is not
   * a valid header name cannot be stored, so it matches nothing (the official
   * client throws for it under `Match.CanonicalMIME`).
   */
  #find(k: string, match: Match): string[] {
    if (match === Match.Exact) return this.#map.has(k) ? [k] : [];
    if (match === Match.CanonicalMIME) {
      if (keyProblem(k) !== "") return [];
      const ck = canonicalMIMEHeaderKey(k);
      return this.#map.has(ck) ? [ck] : [];
    }
    // anything else is case-insensitive, as in the official client
    if (typeof k !== "string") return [];
    const lk = k.toLowerCase();
    const found: string[] = [];
    for (const key of this.#map.keys()) {
      if (key.toLowerCase() === lk) found.push(key);
    }
    return found;
  }

  get(k: string, match: Match = Match.Exact): string {
    const keys = this.#find(k, match);
    return keys.length ? this.#map.get(keys[0])![0] : "";
  }

  /** The last value of the first matching key, or `""`. */
  last(k: string, match: Match = Match.Exact): string {
    const keys = this.#find(k, match);
    if (!keys.length) return "";
    const v = this.#map.get(keys[0])!;
    return v[v.length - 1];
  }

  has(k: string, match: Match = Match.Exact): boolean {
    return this.#find(k, match).length > 0;
  }

  /**
   * Replaces the values of the matching keys with `v`. Key and value are
   * checked first, so a bad one throws and changes nothing.
   * @throws InvalidArgumentError
   */
  set(k: string, v: string, match: Match = Match.Exact): void {
    const key = checkKey(k);
    const value = checkValue(v, "header", "values ");
    this.delete(key, match);
    this.#add(key, value, match);
  }

  /**
   * Adds a value. Under `Match.CanonicalMIME` the key is stored canonical;
   * under `Match.IgnoreCase` the first existing key that matches is reused.
   * @throws InvalidArgumentError
   */
  append(k: string, v: string, match: Match = Match.Exact): void {
    const key = checkKey(k);
    const value = checkValue(v, "header", "values ");
    this.#add(key, value, match);
  }

  // key and value already validated
  #add(k: string, v: string, match: Match): void {
    if (match === Match.CanonicalMIME) k = canonicalMIMEHeaderKey(k);
    else if (match !== Match.Exact) k = this.#find(k, match)[0] ?? k;
    const a = this.#map.get(k);
    if (a) a.push(v);
    else this.#map.set(k, [v]);
    this.#bytes = undefined;
  }

  values(k: string, match: Match = Match.Exact): string[] {
    const out: string[] = [];
    for (const key of this.#find(k, match)) out.push(...this.#map.get(key)!);
    return out;
  }

  delete(k: string, match: Match = Match.Exact): void {
    for (const key of this.#find(k, match)) {
      this.#map.delete(key);
      this.#bytes = undefined;
    }
  }

  get hasError(): boolean {
    return this.#code >= 300;
  }

  /** `"<code> <description>"` trimmed: `"503"`, `"408 Request Timeout"`, `"0"` when unset. */
  get status(): string {
    return `${this.#code} ${this.#description}`.trim();
  }

  get code(): number {
    return this.#code;
  }

  get description(): string {
    return this.#description;
  }

  /** `{ key: values }`; the arrays are copies. */
  toRecord(): Record<string, string[]> {
    // fromEntries defines own properties, so a "__proto__" key stays a key
    return Object.fromEntries(
      [...this.#map].map(([k, v]) => [k, v.slice()]),
    );
  }

  /**
   * A validated copy of any `MsgHdrs`-shaped object: keys from `keys()`,
   * values from `values(key)` (exact match), status from `code` and
   * `description`. Nothing is trusted: a bad key, value or status throws.
   * @throws InvalidArgumentError
   */
  static copyOf(h: MsgHdrs): MsgHdrsImpl {
    const out = new MsgHdrsImpl();
    const code = checkCode(h.code ?? 0);
    if (code > 0) {
      out.#code = code;
      out.#description = checkValue(h.description ?? "", "description", "");
    }
    for (const k of h.keys()) {
      checkKey(k);
      for (const v of h.values(k)) out.#add(k, checkValue(v, "header", "values "), Match.Exact);
    }
    return out;
  }

  /**
   * Builds a set from `toRecord()` output. Every key and value is validated
   * (the official client copies them unchecked); a non-array value becomes
   * one string value, as in the official client. A key with an empty array
   * is left out.
   * @throws InvalidArgumentError
   */
  static fromRecord(r: Record<string, string[]>): MsgHdrsImpl {
    const h = new MsgHdrsImpl();
    for (const k of Object.keys(r)) {
      const v: unknown = r[k];
      const list = Array.isArray(v) ? v : [v];
      for (const x of list) {
        h.append(k, typeof x === "string" ? x : `${x}`);
      }
    }
    return h;
  }
}
