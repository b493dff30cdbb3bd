/**
 * The `debug` option's protocol trace. Secrets never get printed: CONNECT is
 * shown with its credential fields replaced, and payloads are shown only by
 * their length.
 */

import { AUTH_FIELDS } from "../auth/authenticator.js";
import type { MsgArgs } from "../protocol/parser.js";

/** The CONNECT object as it may be shown: credential values replaced. */
export function redactConnect(connect: Record<string, unknown>): Record<string, unknown> {
  const shown: Record<string, unknown> = { ...connect };
  for (const f in AUTH_FIELDS) {
    if (AUTH_FIELDS[f] && shown[f] !== undefined) shown[f] = "[REDACTED]";
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
