/**
 * The messages published on the diagnostics channels (names.ts): one type
 * per event, documented field by field. Part of the contract.
 *
 * Rules common to all:
 * - Every message carries `connection`, the NatsConnection the event is
 *   about, so a subscriber can instrument one connection and not another.
 * - A message is built only when its channel has subscribers; the core
 *   checks `hasSubscribers` first, so nobody listening costs one check.
 * - An operation's later events (publish end and error, the callback's end,
 *   asyncStart, asyncEnd and error, a request's response, end and error)
 *   carry the SAME object as its first event, with more fields set, as
 *   Node's TracingChannel does with its context object: a subscriber may
 *   keep per-operation state in a WeakMap keyed by it. They are published
 *   only for operations whose first event was (its channel had subscribers
 *   when the operation began): subscribe to the first event too.
 * - Messages are for reading. The only ways to act are the methods given
 *   (`setHeader`) and the stores bound with `bindStore` (callback start).
 * - Subscribers run synchronously on the connection's path (for a publish,
 *   inside `publish()`): keep them short, and never throw (a throwing
 *   subscriber's error is rethrown from a microtask: in Node an uncaught
 *   exception, as with any diagnostics_channel subscriber).
 */
import type { Msg, MsgHdrs, NatsConnection, ServerInfo, Subscription } from "../types.js";
import type { DiagnosticsChannels } from "./names.js";

/** What every message carries. */
export interface ConnectionEvent {
  /** the connection the event is about (the object `connect()` returned, or is about to return) */
  readonly connection: NatsConnection;
}

/** `quicknats:connection:connect` and `quicknats:connection:reconnect`. */
export interface ConnectEvent extends ConnectionEvent {
  /** `host:port` of the server, as `nc.getServer()` */
  readonly server: string;
  /** the server's INFO */
  readonly info: ServerInfo;
}

/** `quicknats:connection:connectError`: one dial attempt failed. */
export interface ConnectErrorEvent extends ConnectionEvent {
  /** `host:port` of the server tried */
  readonly server: string;
  /** why: ConnectionError, TimeoutError, AuthorizationError, ... */
  readonly error: Error;
  /** false for the first connection, true once it had been established (reconnecting) */
  readonly reconnecting: boolean;
}

/** `quicknats:connection:disconnect`: an established connection was lost. */
export interface DisconnectEvent extends ConnectionEvent {
  /** `host:port` of the server it was connected to */
  readonly server: string;
  /** why, when known (the transport's error, a stale connection, a server error) */
  readonly error: Error | undefined;
}

/** `quicknats:connection:close`: closed for good (fired once, before `closed()` resolves). */
export interface CloseEvent extends ConnectionEvent {
  /** the value `closed()` resolves to: undefined for a requested close */
  readonly error: Error | undefined;
}

/** What a publish and a request have in common: an outgoing message whose headers can still change. */
export interface OutgoingEvent extends ConnectionEvent {
  readonly subject: string;
  /** the reply subject (a request's inbox), if any */
  readonly reply: string | undefined;
  /** the headers the message will carry: the caller's, or the copy `setHeader` made */
  readonly headers: MsgHdrs | undefined;
  /** body bytes (the payload, without headers) */
  readonly size: number;
  /**
   * Sets a header on this message only: the caller's MsgHdrs is never
   * modified (it is copied on the first call), and a message without
   * headers gains them. Replaces the values of that exact key. Returns
   * false, and sets nothing, when the server does not take headers. Throws
   * InvalidArgumentError for a name or value that cannot be sent. Only
   * during the first event (publish start, request start): later, the
   * message is encoded and this throws InvalidOperationError.
   */
  setHeader(name: string, value: string): boolean;
}

/** `tracing:quicknats:publish:start`, `:end` and `:error`: one PUB/HPUB (publish(), respond(), a request's own). */
export interface PublishEvent extends OutgoingEvent {
  /** the request this message is the publish of (also announced on `quicknats:request:start`), else undefined */
  readonly request: RequestEvent | undefined;
  /** at `end`: what publish() returned (false: above the outbound high-water mark) */
  readonly result: boolean | undefined;
  /** at `error` and `end`: why the message was not queued */
  readonly error: Error | undefined;
}

/** Why a request failed: `error.code` tells more, `reason` sorts it. */
export type RequestErrorReason =
  /** no reply within the timeout */
  | "timeout"
  /** nobody subscribes to the subject (the server's 503) */
  | "noResponders"
  /** the server refused to let us publish the request or subscribe to its inbox */
  | "permission"
  /** the connection closed (or was closing) */
  | "closed"
  /** anything else: the request could not be published, the inbox failed... */
  | "other";

/**
 * `quicknats:request:start`, `:response`, `:end` and `:error`: one
 * request() or requestMany(), whichever strategy and mux. Every request
 * whose start was published ends with exactly one `end` or `error`.
 */
export interface RequestEvent extends OutgoingEvent {
  /** request() or requestMany() */
  readonly kind: "single" | "many";
  /** ms: request()'s timeout, requestMany()'s maxWait */
  readonly timeout: number;
  /** a request over its own inbox subscription (`noMux`) rather than the shared one */
  readonly noMux: boolean;
  /** `performance.now()` at start */
  readonly startTime: number;
  /** ms from start to the latest event (0 at start) */
  readonly elapsed: number;
  /** replies so far (a no-responders status is not one) */
  readonly responses: number;
  /** at `response`: the reply; afterwards the last one */
  readonly response: Msg | undefined;
  /** at `error`: the error the caller gets */
  readonly error: Error | undefined;
  /** at `error`: its kind */
  readonly reason: RequestErrorReason | undefined;
}

/**
 * `quicknats:subscription:message`, and the context of the
 * `tracing:quicknats:subscription:callback:*` events: a message delivered
 * to a subscription.
 */
export interface DeliveryEvent extends ConnectionEvent {
  readonly subscription: Subscription;
  /** the id the message arrived for (`subscription.getID()`, unless the subscription moved since) */
  readonly sid: number;
  /** the subscription's queue group, if any */
  readonly queue: string | undefined;
  readonly msg: Msg;
  /** the message's subject (decoded on first read) */
  readonly subject: string;
  /** body bytes (without headers) */
  readonly size: number;
  /**
   * true for a reply to one of this connection's requests, delivered to its
   * request inbox (the request's events cover it; the callback events never
   * fire for it).
   */
  readonly requestReply: boolean;
  /** at callback `end`: what the callback returned */
  readonly result: unknown;
  /** at callback `end`: true when it returned a promise (asyncStart and asyncEnd follow when it settles) */
  readonly async: boolean;
  /** at callback `error`: what it threw, or its promise's rejection */
  readonly error: unknown;
}

/** `quicknats:subscription:drop`: an iterator subscription over its pending limits dropped a message. */
export interface DropEvent extends ConnectionEvent {
  readonly subscription: Subscription;
  readonly sid: number;
  /** the message dropped */
  readonly msg: Msg;
  readonly subject: string;
  /** body bytes of the message dropped */
  readonly size: number;
  /** messages waiting in the subscription */
  readonly pending: number;
  /** payload bytes waiting in the subscription */
  readonly pendingBytes: number;
  /** messages this subscription has dropped in all, this one included */
  readonly dropped: number;
}

type N = typeof DiagnosticsChannels;

/** The message type of each channel, by name. */
export interface DiagnosticsMessages {
  "quicknats:connection:connect": ConnectEvent;
  "quicknats:connection:connectError": ConnectErrorEvent;
  "quicknats:connection:disconnect": DisconnectEvent;
  "quicknats:connection:reconnect": ConnectEvent;
  "quicknats:connection:close": CloseEvent;
  "tracing:quicknats:publish:start": PublishEvent;
  "tracing:quicknats:publish:end": PublishEvent;
  "tracing:quicknats:publish:error": PublishEvent;
  "quicknats:subscription:message": DeliveryEvent;
  "quicknats:subscription:drop": DropEvent;
  "tracing:quicknats:subscription:callback:start": DeliveryEvent;
  "tracing:quicknats:subscription:callback:end": DeliveryEvent;
  "tracing:quicknats:subscription:callback:asyncStart": DeliveryEvent;
  "tracing:quicknats:subscription:callback:asyncEnd": DeliveryEvent;
  "tracing:quicknats:subscription:callback:error": DeliveryEvent;
  "quicknats:request:start": RequestEvent;
  "quicknats:request:response": RequestEvent;
  "quicknats:request:end": RequestEvent;
  "quicknats:request:error": RequestEvent;
}

// compile-time check: every name of the contract has its message type
type Never<T extends never> = T;
type EveryChannelTyped = Never<Exclude<N[keyof N], keyof DiagnosticsMessages>>;
