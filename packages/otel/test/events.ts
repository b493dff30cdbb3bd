/**
 * A fake publisher of diagnostics events, for the instrumentation's tests
 * before (and besides) the core's call sites: it emits the documented
 * events exactly as the contract says the core does, through the core's own
 * event objects and helpers (a second copy of the core, the sources, next
 * to the built one the package imports: they share one table of channels).
 */
import type { Msg, MsgHdrs, NatsConnection, Subscription } from "@quicknats/core";
import { DeliveryEventImpl, DropEventImpl, traceCallback } from "../../core/src/diagnostics/delivery.js";
import { PublishEventImpl, RequestEventImpl, tracePublish } from "../../core/src/diagnostics/outgoing.js";
import { diagnostics } from "../../core/src/diagnostics/registry.js";

const te = new TextEncoder();

/** A connection as far as the instrumentation looks at it. */
export function fakeConnection(server = "127.0.0.1:4222", clientId = 7): NatsConnection & { close(): void } {
  let closed = false;
  const nc = {
    info: { client_id: clientId, server_id: "S1", version: "2.9.10" },
    getServer: () => server,
    isClosed: () => closed,
    close() {
      closed = true;
      const d = diagnostics();
      if (d.Close.hasSubscribers) d.Close.publish({ connection: nc as unknown as NatsConnection, error: undefined });
    },
  };
  return nc as unknown as NatsConnection & { close(): void };
}

/** A received message. */
export function fakeMsg(subject: string, body: string, headers?: MsgHdrs, reply?: string): Msg {
  return {
    subject,
    sid: 1,
    reply,
    data: te.encode(body),
    headers,
    respond: () => true,
    json: () => JSON.parse(body),
    string: () => body,
  } as Msg;
}

export function fakeSubscription(subject: string, queue?: string): Subscription {
  return { getSubject: () => subject, getID: () => 1, queue } as unknown as Subscription;
}

export interface Sent {
  headers: MsgHdrs | undefined;
}

/**
 * A publish as the core makes it: PublishStart (when anyone listens), the
 * message encoded with the final headers, PublishEnd (PublishError first if
 * sending throws). Returns the headers that went on the wire.
 */
export function publish(
  nc: NatsConnection,
  subject: string,
  body: string,
  opts: { headers?: MsgHdrs; reply?: string; request?: RequestEventImpl; throws?: Error } = {},
): MsgHdrs | undefined {
  const d = diagnostics();
  const send = (_s: string, _r: string | undefined, h: MsgHdrs | undefined): boolean => {
    if (opts.throws) throw opts.throws;
    sent = h;
    return true;
  };
  let sent: MsgHdrs | undefined;
  if (!d.PublishStart.hasSubscribers) {
    send(subject, opts.reply, opts.headers);
    return sent;
  }
  const ev = new PublishEventImpl(nc, subject, opts.reply, opts.headers, te.encode(body).length, true, opts.request);
  tracePublish(d, ev, body, send, undefined);
  return sent;
}

/**
 * The start of a request as the core makes it: RequestStart, then its
 * publish (with the request's headers). Returns the event (to end or fail)
 * and the headers that went on the wire.
 */
export function startRequest(
  nc: NatsConnection,
  subject: string,
  body: string,
  opts: { headers?: MsgHdrs; kind?: "single" | "many"; timeout?: number; noMux?: boolean } = {},
): { req: RequestEventImpl | undefined; sent: MsgHdrs | undefined } {
  const d = diagnostics();
  const reply = "_INBOX.abc.1";
  let req: RequestEventImpl | undefined;
  let headers = opts.headers;
  if (d.RequestStart.hasSubscribers) {
    req = new RequestEventImpl(d, nc, subject, reply, headers, te.encode(body).length, true, opts.kind ?? "single", opts.timeout ?? 1000, opts.noMux ?? false);
    req.start();
    headers = req.headers;
  }
  const sent = publish(nc, subject, body, { headers, reply, request: req });
  return { req, sent };
}

/**
 * A delivery as the core makes it: the Message event, then (for a callback
 * subscription that is not a request inbox) the callback inside its tracing
 * channel. Returns the callback's errors as the subscription would report them.
 */
export function deliver(
  nc: NatsConnection,
  sub: Subscription,
  msg: Msg,
  cb?: (m: Msg) => unknown,
  requestReply = false,
): unknown[] {
  const d = diagnostics();
  const reported: unknown[] = [];
  let ev: DeliveryEventImpl | undefined;
  if (d.Message.hasSubscribers) {
    ev = new DeliveryEventImpl(nc, sub, msg, requestReply);
    d.Message.publish(ev);
  }
  if (cb === undefined) return reported;
  const callback = (_err: Error | null, m: Msg) => cb(m) as void;
  if (!requestReply && d.CallbackStart.hasSubscribers) {
    traceCallback(d, ev ?? new DeliveryEventImpl(nc, sub, msg, requestReply), callback, { reportCallbackError: (e) => void reported.push(e) });
  } else {
    try {
      const r = callback(null, msg) as unknown;
      if (r instanceof Promise) r.catch((e) => reported.push(e));
    } catch (e) {
      reported.push(e);
    }
  }
  return reported;
}

/** A slow consumer's drop. */
export function drop(nc: NatsConnection, sub: Subscription, msg: Msg, pending: number, dropped: number): void {
  const d = diagnostics();
  if (d.Drop.hasSubscribers) d.Drop.publish(new DropEventImpl(nc, sub, msg, pending, pending * 10, dropped));
}

/** A reconnect. */
export function reconnect(nc: NatsConnection): void {
  const d = diagnostics();
  if (d.Reconnect.hasSubscribers) {
    d.Reconnect.publish({ connection: nc, server: nc.getServer(), info: nc.info! });
  }
}

/** Whether anyone listens on any of the contract's channels. */
export function anyoneListening(): string[] {
  const d = diagnostics();
  return Object.entries(d).filter(([, ch]) => ch.hasSubscribers).map(([k]) => k);
}
