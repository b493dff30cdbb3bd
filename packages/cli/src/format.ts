/**
 * Output formatting: messages the way `nats sub` prints them, JSON lines,
 * durations, byte sizes and rates the way `nats bench` prints them.
 */
import { type Msg, type MsgHdrs, nuid } from "@quicknats/node";

const TD = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `1234567` as `1,234,567` (rounded). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** `1 byte`, `2 bytes`, `1,024 bytes`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Milliseconds as Go prints a `time.Duration`, to three significant digits:
 * `245µs`, `1.23ms`, `12.3ms`, `2.5s`, `1m30s`.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return "0s";
  if (ms < 1) return `${sig(ms * 1000)}µs`;
  if (ms < 1000) return `${sig(ms)}ms`;
  if (ms < 60_000) return `${sig(ms / 1000)}s`;
  const min = Math.floor(ms / 60_000);
  const rest = ms - min * 60_000;
  return `${min}m${rest === 0 ? "" : `${sig(rest / 1000)}s`}`;
}

/** three significant digits, without trailing zeros */
function sig(v: number): string {
  return String(Number(v.toPrecision(3)));
}

/**
 * Bytes with binary prefixes and two decimals, as `nats bench` prints them
 * (`75.40 MB` is 75.40 × 1024² bytes).
 */
export function formatBytes(bytes: number): string {
  const units = ["KB", "MB", "GB", "TB", "PB"];
  if (bytes < 1024) return `${Number.isInteger(bytes) ? bytes : bytes.toFixed(2)} B`;
  let exp = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length);
  if (exp < 1) exp = 1;
  return `${(bytes / 1024 ** exp).toFixed(2)} ${units[exp - 1]}`;
}

/** The payload as text if it is valid UTF-8, else undefined. */
export function utf8(data: Uint8Array): string | undefined {
  try {
    return TD.decode(data);
  } catch {
    return undefined;
  }
}

/** Headers as `{ key: [values] }`, in the order they came. */
export function headersRecord(h: MsgHdrs | undefined): Record<string, string[]> | undefined {
  if (h === undefined) return undefined;
  const r: Record<string, string[]> = {};
  for (const [k, v] of h) r[k] = [...v];
  return r;
}

/** `Key: value` lines, a status line first when the message carries one. */
export function headerLines(h: MsgHdrs | undefined): string[] {
  if (h === undefined) return [];
  const lines: string[] = [];
  if (h.code > 0) lines.push(`Status: ${h.status}`);
  for (const [k, vs] of h) for (const v of vs) lines.push(`${k}: ${v}`);
  return lines;
}

export interface RenderOptions {
  /** payload only */
  raw?: boolean;
  /** headers only, no payload */
  headersOnly?: boolean;
  /** one JSON object per message */
  json?: boolean;
  /** extra fields for the JSON object (e.g. rtt) */
  extra?: Record<string, unknown>;
}

/**
 * One message as JSON: `{"subject","reply","headers","data","size"}`; a payload
 * that is not UTF-8 comes as `data_base64` instead of `data`.
 */
export function msgJson(m: Msg, n: number, extra?: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { seq: n, subject: m.subject };
  if (m.reply) o.reply = m.reply;
  const h = m.headers;
  if (h !== undefined) {
    if (h.code > 0) {
      o.status = h.code;
      if (h.description) o.description = h.description;
    }
    const rec = headersRecord(h);
    if (rec && Object.keys(rec).length > 0) o.headers = rec;
  }
  const text = utf8(m.data);
  if (text !== undefined) o.data = text;
  else o.data_base64 = Buffer.from(m.data).toString("base64");
  o.size = m.data.length;
  if (extra) Object.assign(o, extra);
  return o;
}

/**
 * One received message, as `nats sub` prints it:
 *
 * ```
 * [#1] Received on "orders.new" with reply "_INBOX.x"
 * Trace-Id: 42
 *
 * payload
 *
 * ```
 */
export function renderMsg(m: Msg, n: number, opts: RenderOptions = {}): Uint8Array | string {
  if (opts.json) return `${JSON.stringify(msgJson(m, n, opts.extra))}\n`;
  if (opts.raw) {
    const out = new Uint8Array(m.data.length + 1);
    out.set(m.data);
    out[m.data.length] = 10;
    return out;
  }
  let s = `[#${n}] Received on "${m.subject}"`;
  if (m.reply) s += ` with reply "${m.reply}"`;
  s += "\n";
  const hl = headerLines(m.headers);
  if (hl.length > 0) s += `${hl.join("\n")}\n`;
  if (opts.headersOnly) return `${s}\n`;
  if (hl.length > 0) s += "\n";
  const text = utf8(m.data) ?? `<${m.data.length} bytes of binary data; use --raw or --json>`;
  s += text;
  if (!text.endsWith("\n")) s += "\n";
  return `${s}\n`;
}

/**
 * Replaces `{{Count}}` (also `{{.Count}}`, `{{ Count }}`), `{{ID}}`,
 * `{{TimeStamp}}`, `{{Unix}}`, `{{UnixNano}}` and any name in `vars`.
 * Unknown names are left as they are.
 */
export function renderTemplate(text: string, vars: Record<string, string | number>): string {
  if (!text.includes("{{")) return text;
  return text.replace(/\{\{\s*\.?([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (whole, name: string) => {
    if (Object.hasOwn(vars, name)) return String(vars[name]);
    switch (name) {
      case "TimeStamp":
        return new Date().toISOString();
      case "Unix":
        return String(Math.floor(Date.now() / 1000));
      case "UnixNano":
        return (BigInt(Date.now()) * 1_000_000n).toString();
      case "ID":
        return nuid.next();
      default:
        return whole;
    }
  });
}

/** A table of `label: value` lines, labels right-aligned like `nats server info`. */
export function table(rows: Array<[string, string | number | boolean | undefined]>, indent = 2): string {
  const shown = rows.filter(([, v]) => v !== undefined && v !== "");
  const w = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${" ".repeat(indent)}${k.padStart(w)}: ${v}`).join("\n") + "\n";
}
