/**
 * The messages of outgoing operations (a publish, a request), made only
 * when someone listens: the header copy-on-write behind `setHeader`, the
 * publish's start/end/error sequence, and a request's one terminal event.
 * The core's publish and request paths use these; subscribers see them
 * through the PublishEvent and RequestEvent interfaces (events.ts).
 */
import { headers as newHeaders } from "../api/headers.js";
import type { Msg, MsgHdrs, NatsConnection } from "../types.js";
import {
  ClosedConnectionError,
  InvalidOperationError,
  NoRespondersError,
  PermissionViolationError,
  TimeoutError,
} from "../errors.js";
import type { PublishEvent, RequestErrorReason, RequestEvent } from "./events.js";
import type { Diagnostics } from "./registry.js";

/** A copy of `h` (or an empty set) that setHeader may change: the caller's headers stay as they were. */
function copyHeaders(h: MsgHdrs | undefined): MsgHdrs {
  if (h === undefined) return newHeaders();
  let copy: MsgHdrs;
  try {
    copy = newHeaders(h.code, h.description);
  } catch {
    // a status our headers() refuses (a code without description): the copy goes without it
    copy = newHeaders();
  }
  for (const [k, values] of h) for (const v of values) copy.append(k, v);
  return copy;
}

abstract class Outgoing {
  headers: MsgHdrs | undefined;
  // #fields: subscribers see the message's documented fields only
  #owned = false;
  #sealed = false;
  readonly #headersSupported: boolean;

  constructor(
    readonly connection: NatsConnection,
    readonly subject: string,
    readonly reply: string | undefined,
    headers: MsgHdrs | undefined,
    readonly size: number,
    headersSupported: boolean,
  ) {
    this.headers = headers;
    this.#headersSupported = headersSupported;
  }

  setHeader(name: string, value: string): boolean {
    if (this.#sealed) {
      throw new InvalidOperationError("headers can only be set during the start event, before the message is encoded");
    }
    if (!this.#headersSupported) return false;
    if (!this.#owned) {
      this.headers = copyHeaders(this.headers);
      this.#owned = true;
    }
    this.headers!.set(name, value);
    return true;
  }

  /** The start event is over: the headers are final. */
  seal(): void {
    this.#sealed = true;
  }
}

/** Sends a message with its final headers; what `tracePublish` wraps. */
export type PublishSender<P> = (
  subject: string,
  reply: string | undefined,
  headers: MsgHdrs | undefined,
  payload: P,
) => boolean;

export class PublishEventImpl extends Outgoing implements PublishEvent {
  result: boolean | undefined = undefined;
  error: Error | undefined = undefined;

  /**
   * @param headersSupported the server takes headers (`info.headers`, or while reconnecting the last server's); if not, setHeader sets nothing
   * @param request the request whose publish this is
   */
  constructor(
    connection: NatsConnection,
    subject: string,
    reply: string | undefined,
    headers: MsgHdrs | undefined,
    size: number,
    headersSupported: boolean,
    readonly request: RequestEventImpl | undefined,
  ) {
    super(connection, subject, reply, headers, size, headersSupported);
  }
}

/**
 * A publish inside its tracing channel, as Node's `traceSync`: start (the
 * subscribers may set headers), then `send` with the final headers, then
 * end with `result`; if `send` throws, error then end, and the error goes on
 * to the caller. Only for a publish whose PublishStart has subscribers.
 */
export function tracePublish<P>(
  d: Diagnostics,
  ev: PublishEventImpl,
  payload: P,
  send: PublishSender<P>,
  thisArg: unknown,
): boolean {
  d.PublishStart.publish(ev);
  ev.seal();
  let result: boolean;
  try {
    result = send.call(thisArg, ev.subject, ev.reply, ev.headers, payload);
  } catch (err) {
    ev.error = err as Error;
    d.PublishError.publish(ev);
    d.PublishEnd.publish(ev);
    throw err;
  }
  ev.result = result;
  d.PublishEnd.publish(ev);
  return result;
}

/** The kind of a request's error, from the error and its cause. */
export function requestErrorReason(err: unknown): RequestErrorReason {
  const cause = err instanceof Error ? err.cause : undefined;
  const either = (c: { [Symbol.hasInstance](v: unknown): boolean }) => err instanceof c || cause instanceof c;
  if (either(TimeoutError)) return "timeout";
  if (either(NoRespondersError)) return "noResponders";
  if (either(PermissionViolationError)) return "permission";
  if (either(ClosedConnectionError)) return "closed";
  return "other";
}

/**
 * One request's message. `start()` publishes RequestStart, then the request
 * is published with `headers`; `respond()` per reply; exactly one of
 * `end()` and `fail()` counts (later calls do nothing).
 */
export class RequestEventImpl extends Outgoing implements RequestEvent {
  readonly startTime: number;
  elapsed = 0;
  responses = 0;
  response: Msg | undefined = undefined;
  error: Error | undefined = undefined;
  reason: RequestErrorReason | undefined = undefined;
  readonly #d: Diagnostics;
  #done = false;

  constructor(
    d: Diagnostics,
    connection: NatsConnection,
    subject: string,
    reply: string | undefined,
    headers: MsgHdrs | undefined,
    size: number,
    headersSupported: boolean,
    readonly kind: "single" | "many",
    readonly timeout: number,
    readonly noMux: boolean,
  ) {
    super(connection, subject, reply, headers, size, headersSupported);
    this.#d = d;
    this.startTime = performance.now();
  }

  /** Publishes RequestStart; afterwards `headers` are the ones to publish the request with. */
  start(): void {
    this.#d.RequestStart.publish(this);
    this.seal();
  }

  /** A reply (not a no-responders status). */
  respond(msg: Msg): void {
    if (this.#done) return;
    this.responses++;
    this.response = msg;
    this.elapsed = performance.now() - this.startTime;
    const ch = this.#d.RequestResponse;
    if (ch.hasSubscribers) ch.publish(this);
  }

  /** The request completed without error. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.elapsed = performance.now() - this.startTime;
    const ch = this.#d.RequestEnd;
    if (ch.hasSubscribers) ch.publish(this);
  }

  /** The request failed with `err` (what the caller gets). */
  fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.elapsed = performance.now() - this.startTime;
    this.error = err;
    this.reason = requestErrorReason(err);
    const ch = this.#d.RequestError;
    if (ch.hasSubscribers) ch.publish(this);
  }
}
