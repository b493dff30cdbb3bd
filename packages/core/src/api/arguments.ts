/**
 * The checks the public API makes of its arguments, so that nothing invalid
 * reaches the engine (and so the wire): subjects, queues, subscription
 * options, control-line lengths, payload sizes. Each throws the official
 * error class with a message that says what is wrong and never quotes
 * secrets or long text.
 */
import { ErrorCode, InvalidArgumentError, InvalidSubjectError } from "../errors.js";
import { pubArgsLength, subArgsLength, utf8Length } from "../protocol/control-line.js";
import { validateMaxMessages, validateQueue, validateSubject } from "../protocol/validate.js";
import type { Payload, SubscriptionOptions } from "../types.js";

function subjectError(subject: string, why: string): InvalidSubjectError {
  return new InvalidSubjectError(subject, { cause: new Error(why) });
}

/** The error for a control line the server would refuse; it names sizes only, never the (long) text. */
function lineTooLong(op: string, what: string, bytes: number, max: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `${what} too long: the ${op} control line would have ${bytes} bytes of arguments, over the ${max} the server accepts (maxControlLine)`,
    { code: ErrorCode.ControlLineTooLong },
  );
}

/** A subscription subject (wildcards allowed, `>` last). */
export function checkSubject(subject: string): void {
  const why = validateSubject(subject, true);
  if (why !== null) throw subjectError(String(subject), why);
}

/**
 * A publish, reply or request subject. `*` and `>` tokens are allowed (for a
 * publish they are literal tokens, and nats-server accepts them outside
 * pedantic mode): JetStream's API puts a consumer's filter subject into the
 * request subject (`$JS.API.CONSUMER.CREATE.<stream>.<consumer>.<filter>`).
 * The rest of the subscription rules hold: `>` only last, no empty tokens,
 * no whitespace or control characters.
 */
export const checkPublishSubject: (subject: string) => void = checkSubject;

export function checkSubOptions(opts: SubscriptionOptions): void {
  // null, as "", means no queue (as in 3.4, where any falsy queue is none)
  if (opts.queue !== undefined && opts.queue !== null && opts.queue !== "") {
    const why = validateQueue(opts.queue);
    if (why !== null) throw subjectError(String(opts.queue), why);
  }
  if (opts.max !== undefined) {
    const why = validateMaxMessages(opts.max);
    if (why !== null) throw InvalidArgumentError.format("max", why);
  }
  if (opts.timeout !== undefined && (typeof opts.timeout !== "number" || !(opts.timeout >= 0))) {
    throw InvalidArgumentError.format("timeout", "must be a number >= 0");
  }
  for (const k of ["pendingMsgsLimit", "pendingBytesLimit"] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v === 0 || v < -1)) {
      throw InvalidArgumentError.format(k, "must be a positive integer, or -1 for no limit");
    }
  }
  if (opts.callback !== undefined && typeof opts.callback !== "function") {
    throw InvalidArgumentError.format("callback", "must be a function");
  }
}

/** Throws if the PUB/HPUB line would be longer than the server accepts (it would drop the connection). */
export function checkPubLine(
  subject: string,
  reply: string | undefined,
  hbytes: Uint8Array | undefined,
  payload: Payload,
  maxControlLine: number,
): void {
  const hlen = hbytes ? hbytes.length : undefined;
  const size = (hlen ?? 0) + (typeof payload === "string" ? utf8Length(payload) : payload.length);
  const n = pubArgsLength(subject, reply, hlen, size);
  if (n > maxControlLine) {
    throw lineTooLong(hbytes ? "HPUB" : "PUB", reply ? "subject and reply" : "subject", n, maxControlLine);
  }
}

/** Throws if the SUB line of `sid` would be longer than the server accepts. */
export function checkSubLine(subject: string, queue: string | undefined, sid: number, maxControlLine: number): void {
  const n = subArgsLength(subject, queue, sid);
  if (n > maxControlLine) {
    throw lineTooLong("SUB", queue ? "subject and queue" : "subject", n, maxControlLine);
  }
}

/** Throws if the message is larger than the server's `max_payload` (undefined: not known yet). */
export function checkPayloadSize(payload: Payload, hlen: number, max: number | undefined): void {
  if (max === undefined || max <= 0) return;
  let size: number;
  if (typeof payload === "string") {
    // UTF-8 needs at least one byte and at most three per UTF-16 unit
    if (hlen + payload.length * 3 <= max) return;
    size = payload.length > max ? payload.length : utf8Length(payload);
  } else {
    size = payload.length;
  }
  if (hlen + size > max) {
    throw InvalidArgumentError.format(
      "payload",
      `max_payload size exceeded: ${hlen + size} bytes, the server accepts ${max}`,
      { code: ErrorCode.MaxPayloadExceeded },
    );
  }
}
