/**
 * The requests of a connection: `request()` on the shared inbox (the mux of
 * request.ts) or on its own inbox subscription (`noMux`, or a `reply` the
 * caller chose), and `requestMany()`, whose replies come through the shared
 * inbox or, with `noMux`, through its own.
 */
import { ClosedConnectionError, InvalidArgumentError, NoRespondersError, RequestError, requestTimeoutError } from "../errors.js";
import type { Msg, Payload, PublishOptions, RequestManyOptions, RequestOptions } from "../types.js";
import type { DiagnosticsSlot, PublishingConnection, RequestTap } from "../diagnostics/hooks.js";
import type { AwaitedRequest } from "../connection/engine.js";
import { fromDigits } from "../connection/options.js";
import { checkPublishSubject } from "./arguments.js";
import { createInbox } from "./inbox.js";
import { isNoResponders, ManyRequest, type RequestMux, SingleRequest } from "./request.js";
import type { SubscriptionImpl } from "./subscription.js";

/** What the request variants use of their connection (a publishing connection, as the diagnostics tap sees it). */
export interface RequestHost extends PublishingConnection {
  readonly options: { readonly inboxPrefix: string | undefined };
  /**
   * publishes a request whose reply subject is checked, with its diagnostics
   * tap; one made while disconnected is sent on the next connection only if
   * `awaited` is still pending
   */
  sendRequest(subject: string, payload: Payload, options: PublishOptions, request: RequestTap | undefined, awaited: AwaitedRequest): boolean;
  /** the diagnostics hooks, once the channels are in use */
  readonly diagnostics: DiagnosticsSlot;
  /** a request's error on its way to user code (see `TransportFactory.adaptError`) */
  adaptError(err: Error): void;
}

/** `request()`'s timeout when none is given (or 0), as in the official client. */
export const DEFAULT_REQUEST_TIMEOUT = 1000;

/**
 * `request()` once the connection has checked its state and the subject:
 * the options checked, then the request on the shared inbox, or on its own.
 */
export function startRequest(host: RequestHost, mux: RequestMux, subject: string, payload: Payload, opts: RequestOptions): Promise<Msg> {
  // 0 (or unset) means the default, and "2000" is 2000 ms, as in the official client
  const timeout = fromDigits(opts.timeout) || DEFAULT_REQUEST_TIMEOUT;
  if (typeof timeout !== "number" || !(timeout >= 1)) {
    throw InvalidArgumentError.format("timeout", "must be a number of milliseconds, at least 1");
  }
  if (opts.reply && !opts.noMux) {
    throw InvalidArgumentError.format(["reply", "noMux"], "are mutually exclusive");
  }
  if (opts.noMux) return requestOnOwnInbox(host, subject, payload, opts, timeout);

  const req = new SingleRequest(subject, timeout, mux);
  const tap = host.diagnostics.current?.requestStart(host, subject, req.reply, opts.headers, payload, "single", timeout, false);
  req.diag = tap;
  try {
    host.sendRequest(subject, payload, publishOptions(req.reply, opts, tap), tap, req);
  } catch (err) {
    req.fail(err as Error);
  }
  return req.promise;
}

/**
 * The publish options of a request: its reply subject, and the headers
 * (the diagnostics tap's, which subscribers may have added to) and tracing
 * options it was given.
 */
export function publishOptions(reply: string, opts: Partial<RequestOptions>, tap?: RequestTap): PublishOptions {
  const headers = tap ? tap.headers : opts.headers;
  return { reply, headers, traceDestination: opts.traceDestination, traceOnly: opts.traceOnly };
}

/** A request whose reply comes on an inbox subscribed for it alone, for at most one message. */
export function requestOnOwnInbox(
  host: RequestHost,
  subject: string,
  payload: Payload,
  opts: RequestOptions,
  timeout: number,
): Promise<Msg> {
  const inbox = opts.reply || createInbox(host.options.inboxPrefix);
  checkPublishSubject(inbox);
  return new Promise<Msg>((resolve, reject) => {
    let settled = false;
    let tap: RequestTap | undefined;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      tap?.fail(err);
      host.adaptError(err);
      reject(err);
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sub = host.subscribe(inbox, {
      max: 1,
      callback: (err, m) => {
        if (timer !== undefined) clearTimeout(timer);
        if (err) {
          fail(err instanceof RequestError ? err : new RequestError(err.message, { cause: err }));
        } else if (isNoResponders(m)) {
          const cause = new NoRespondersError(subject);
          fail(new RequestError(cause.message, { cause }));
        } else {
          settled = true;
          if (tap !== undefined) {
            tap.respond(m);
            tap.end();
          }
          resolve(m);
        }
      },
    }) as SubscriptionImpl;
    sub.requestSubject = subject;
    sub.requestInbox = true;
    tap = host.diagnostics.current?.requestStart(host, subject, inbox, opts.headers, payload, "single", timeout, true);
    timer = setTimeout(() => {
      sub.terminate(requestTimeoutError());
    }, timeout);
    sub.closed.then(() => {
      if (timer !== undefined) clearTimeout(timer);
      fail(new RequestError("connection closed", { cause: new ClosedConnectionError() }));
    });
    try {
      host.sendRequest(subject, payload, publishOptions(inbox, opts, tap), tap, { get pending() { return !settled; } });
    } catch (err) {
      sub.unsubscribe();
      fail(err as Error);
    }
  });
}

/** Checks the options, publishes the request and returns the iterator of its replies; throws on bad input. */
export function requestMany(
  host: RequestHost,
  mux: RequestMux,
  subject: string,
  payload: Payload,
  opts: Partial<RequestManyOptions>,
): AsyncIterable<Msg> {
  const strategy = opts.strategy ?? "timer";
  if (!["timer", "count", "stall", "sentinel"].includes(strategy)) {
    throw InvalidArgumentError.format("strategy", `must be one of timer, count, stall, sentinel`);
  }
  const maxWait = opts.maxWait ?? 1000;
  if (typeof maxWait !== "number" || !(maxWait >= 1)) {
    throw InvalidArgumentError.format("maxWait", "must be >= 1 ms");
  }
  const maxMessages = opts.maxMessages ?? -1;
  if (strategy === "count" && !(maxMessages > 0)) {
    throw InvalidArgumentError.format("maxMessages", "must be > 0 with the 'count' strategy");
  }
  const stall = opts.stall ?? 300;
  const req = new ManyRequest(subject, strategy, maxWait, maxMessages, stall);
  req.adaptError = (err) => host.adaptError(err);
  let reply: string;
  if (opts.noMux) {
    reply = createInbox(host.options.inboxPrefix);
    const sub = host.subscribe(reply, {
      callback: (err, m) => {
        if (err) req.fail(err);
        else if (req.onReply(m)) sub.unsubscribe();
      },
    }) as SubscriptionImpl;
    // permission errors for the request subject reach this inbox
    sub.requestSubject = subject;
    sub.requestInbox = true;
    sub.closed.then(() => req.end());
    req.onDone = () => sub.unsubscribe();
  } else {
    const token = mux.add(req);
    reply = mux.replySubject(token);
    req.onDone = () => mux.remove(token);
  }
  const tap = host.diagnostics.current?.requestStart(host, subject, reply, opts.headers, payload, "many", maxWait, opts.noMux === true);
  req.diag = tap;
  try {
    host.sendRequest(subject, payload, publishOptions(reply, opts, tap), tap, req);
  } catch (err) {
    req.fail(err as Error);
    throw err;
  }
  return req.iter;
}
