/**
 * The `debug` option's protocol trace. Secrets never get printed: CONNECT is
 * shown with its credential fields replaced, and payloads are shown only by
 * their length.
 */

import type { MsgArgs } from "../protocol/parser.js";

const SECRET_FIELDS = ["pass", "auth_token", "jwt", "nkey", "sig"];

/** The CONNECT object as it may be shown: credential values replaced. */
export function redactConnect(connect: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...connect };
  for (const f of SECRET_FIELDS) {
    if (shown[f] !== undefined) shown[f] = "[REDACTED]";
  }
  return shown;
}

/** Prints one protocol line; `dir` is ">" for client to server, "<" for server to client. */
export function debugLine(dir: ">" | "<", line: string): void {
  // the only place the library writes to the console, and only when asked to
  console.info(`[quicknats] ${dir} ${line}`);
}

/** A received MSG/HMSG control line, for the trace. */
export function debugMsgLine(args: MsgArgs): string {
  const td = new TextDecoder();
  const subject = td.decode(args.buf.subarray(args.subjectStart, args.subjectEnd));
  const reply = args.replyEnd > args.replyStart
    ? " " + td.decode(args.buf.subarray(args.replyStart, args.replyEnd))
    : "";
  const line = args.hdrLen > 0
    ? `HMSG ${subject} ${args.sid}${reply} ${args.hdrLen} ${args.size}`
    : `MSG ${subject} ${args.sid}${reply} ${args.size}`;
  return `${line} [${args.size} payload bytes]`;
}
