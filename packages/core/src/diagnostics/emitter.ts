/**
 * The diagnostics hooks (hooks.ts): what the API layer's call sites call to
 * build and publish events. Reached only from registry.ts, which puts one in
 * this copy's slot when the channels are first used, so a bundle that never
 * uses them never holds this code or the event classes.
 */
import { utf8Length } from "../protocol/control-line.js";
import type { Msg, MsgCallback, MsgHdrs, NatsConnection, ServerInfo, Subscription } from "../types.js";
import { DeliveryEventImpl, DropEventImpl, traceCallback } from "./delivery.js";
import type { DeliveryTarget, PublishingConnection, RequestTap } from "./hooks.js";
import { PublishEventImpl, RequestEventImpl, tracePublish } from "./outgoing.js";
import type { Diagnostics } from "./registry.js";

/** Body bytes; 0 for what is not a payload (a request fails on it after its start). */
function sizeOf(payload: unknown): number {
  if (typeof payload === "string") return utf8Length(payload);
  return payload instanceof Uint8Array ? payload.length : 0;
}

/**
 * What the API layer's call sites call (as `DiagnosticsHooks`, hooks.ts). The
 * hot paths check the channel first; the lifecycle methods check it themselves.
 */
export class DiagnosticsEmitter {
  constructor(readonly channels: Diagnostics) {}

  /** the first connection (`reconnect` false) or a reconnection */
  connected(connection: NatsConnection, server: string, info: ServerInfo, reconnect: boolean): void {
    const ch = reconnect ? this.channels.Reconnect : this.channels.Connect;
    if (ch.hasSubscribers) ch.publish({ connection, server, info });
  }

  connectError(connection: NatsConnection, server: string, error: Error, reconnecting: boolean): void {
    const ch = this.channels.ConnectError;
    if (ch.hasSubscribers) ch.publish({ connection, server, error, reconnecting });
  }

  disconnected(connection: NatsConnection, server: string, error: Error | undefined): void {
    const ch = this.channels.Disconnect;
    if (ch.hasSubscribers) ch.publish({ connection, server, error });
  }

  closed(connection: NatsConnection, error: Error | undefined): void {
    const ch = this.channels.Close;
    if (ch.hasSubscribers) ch.publish({ connection, error });
  }

  /** A publish inside its events (`connection.encodeAndSend()` inside); only when PublishStart has subscribers. */
  publish(
    connection: PublishingConnection,
    subject: string,
    reply: string | undefined,
    headers: MsgHdrs | undefined,
    payload: Uint8Array | string,
    request: RequestTap | undefined,
  ): boolean {
    const ev = new PublishEventImpl(
      connection,
      subject,
      reply,
      headers,
      sizeOf(payload),
      connection.headersSupported(),
      request as RequestEventImpl | undefined,
    );
    return tracePublish(this.channels, ev, payload, connection.encodeAndSend, connection);
  }

  /**
   * A request's start event, when RequestStart has subscribers (else
   * undefined): they may set headers, so the request is published with the
   * tap's. Called once per request (not checked by the caller).
   */
  requestStart(
    connection: PublishingConnection,
    subject: string,
    reply: string,
    headers: MsgHdrs | undefined,
    payload: unknown,
    kind: "single" | "many",
    timeout: number,
    noMux: boolean,
  ): RequestTap | undefined {
    if (!this.channels.RequestStart.hasSubscribers) return undefined;
    const ev = new RequestEventImpl(
      this.channels,
      connection,
      subject,
      reply,
      headers,
      sizeOf(payload),
      connection.headersSupported(),
      kind,
      timeout,
      noMux,
    );
    ev.start();
    return ev;
  }

  /**
   * A message for `sub`: publishes Message if it has subscribers; then, for
   * a callback (not a request inbox's) while CallbackStart has subscribers,
   * runs it inside the callback events and returns true. False: the caller
   * delivers as usual. Only when Message or CallbackStart has subscribers.
   */
  deliver(
    connection: NatsConnection,
    sub: DeliveryTarget,
    msg: Msg,
    requestReply: boolean,
    cb: MsgCallback<Msg> | undefined,
  ): boolean {
    const d = this.channels;
    let ev: DeliveryEventImpl | undefined;
    if (d.Message.hasSubscribers) {
      ev = new DeliveryEventImpl(connection, sub, msg, requestReply);
      d.Message.publish(ev);
    }
    // a request's reply is the request's business: its events cover it
    if (cb === undefined || requestReply || !d.CallbackStart.hasSubscribers) return false;
    traceCallback(d, ev ?? new DeliveryEventImpl(connection, sub, msg, false), cb, sub);
    return true;
  }

  /** Only when Drop has subscribers. */
  drop(connection: NatsConnection, sub: Subscription, msg: Msg, pending: number, pendingBytes: number, dropped: number): void {
    this.channels.Drop.publish(new DropEventImpl(connection, sub, msg, pending, pendingBytes, dropped));
  }
}
