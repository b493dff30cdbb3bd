/**
 * The engine of a connection as the API layer sees it: the narrow set of
 * operations NatsConnection and its subscriptions and requests may use
 * (protocol-engine.ts implements it), and what the engine reports back.
 */
import type { PermissionViolationError } from "../errors.js";
import type { TransportFactory } from "../transport/transport.js";
import type { ServerInfo, Stats, Status } from "../types.js";
import type { ParsedOptions } from "./options.js";
import type { AwaitedRequest } from "./outbound.js";
import { ProtocolEngine } from "./protocol-engine.js";
import type { ServerPool } from "./servers.js";
export type { AwaitedRequest } from "./outbound.js";
import type { SubscriptionRegistry, SubscriptionSink } from "./subscriptions.js";

/** What the API layer may ask of the sid registry (subscriptions.ts). */
export type Sids = Pick<SubscriptionRegistry, "nextSid" | "upcomingSid" | "remove" | "size" | "list">;

export type { SubscriptionSink } from "./subscriptions.js";

/** What the engine tells the connection. */
export interface EngineOwner {
  onStatus(status: Status): void;
  /** a `-ERR` permission violation, for the subscription or request it concerns */
  onPermissionError(err: PermissionViolationError): void;
  /** the engine is closed for good; `err` is why, undefined for a requested close */
  onClosed(err: Error | undefined): void;
  /** one attempt to reach `server` (`host:port`) failed: first connection, or reconnecting */
  onDialError(server: string, err: Error, reconnecting: boolean): void;
  /** the established connection to `server` was lost, for `err` (after the `disconnect` status) */
  onDisconnect(server: string, err: Error): void;
}

/** What the API layer may ask of the engine. */
export interface Engine {
  readonly options: ParsedOptions;
  /** the INFO of the current server; undefined before the first and once closed */
  readonly info: ServerInfo | undefined;
  readonly stats: Stats;
  readonly pool: ServerPool;
  /** the first connection; rejects with the last failure when no server could be reached */
  connect(): Promise<void>;
  isClosed(): boolean;
  /** connected to a server (not closed, connecting or reconnecting) */
  isConnected(): boolean;
  /** true when frames can be queued: connected, or reconnecting (buffered) */
  canSend(): boolean;
  /** `host:port` of the current server */
  getServer(): string;
  /** the server takes headers: the current server's INFO says so, or while reconnecting the last server's did */
  headersSupported(): boolean;
  /** the server's `max_payload`: the current server's INFO, or while reconnecting the last server's; undefined before any */
  maxPayload(): number | undefined;
  /** `request`: the request this publishes (one made while disconnected is sent on reconnect only if still pending) */
  publish(subject: string, reply: string | undefined, headers: Uint8Array | undefined, payload: Uint8Array | string, request?: AwaitedRequest): boolean;
  flush(): Promise<void>;
  ready(): Promise<void>;
  /** the subscriptions by sid; registering one goes through addSubscription, which also sends its SUB */
  readonly subscriptions: Sids;
  /** Registers a subscription and sends SUB (and UNSUB max when given). */
  addSubscription(sub: SubscriptionSink, max?: number): void;
  sendUnsub(sid: number, max?: number): void;
  forceReconnect(): void;
  close(err?: Error): Promise<void>;
}

/** The engine of a new connection; `connect()` makes its first connection. */
export function createEngine(options: ParsedOptions, factory: TransportFactory, owner: EngineOwner): Engine {
  return new ProtocolEngine(options, factory, owner);
}
