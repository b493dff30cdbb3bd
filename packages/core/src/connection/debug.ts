/**
 * The `debug` option's protocol trace, to the console or to a function of the
 * user's. Secrets never reach it, whatever the sink: CONNECT is shown with
 * its credential fields replaced, and payloads only by their length.
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

/**
 * Where the trace goes: one line per protocol line, `> ` for client to
 * server, `< ` for server to client.
 */
export type DebugSink = (line: string) => void;

/** `debug: true`: the trace on the console. */
function consoleSink(line: string): void {
  // the only place the library writes to the console, and only when asked to
  console.info(`[quicknats] ${line}`);
}

/**
 * The sink of the `debug` option: `true` is the console, a function gets
 * each line (called on its own, never as a method, and what it throws is
 * dropped: a failing sink must not break the connection), anything else is
 * off.
 */
export function debugSink(debug: unknown): DebugSink | undefined {
  if (typeof debug === "function") {
    const fn = debug as DebugSink;
    return (line) => {
      try {
        fn(line);
      } catch {
        // the trace is best effort; the protocol goes on
      }
    };
  }
  return debug === true ? consoleSink : undefined;
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
