/**
 * The vocabulary of every layer: the public types of the client, with the
 * names and shapes of @nats-io/nats-core 3.4 so that code written against it
 * type-checks here. It imports nothing: any file may import it.
 */

/** How a key given to `get`, `set`, `append`... is compared with stored keys. */
export const Match = /* @__PURE__ */ Object.freeze({
  /** the key as given, case-sensitive (the default) */
  Exact: "exact",
  /** the key is converted with `canonicalMIMEHeaderKey` first, then compared exactly */
  CanonicalMIME: "canonical",
  /** ASCII case-insensitive */
  IgnoreCase: "insensitive",
} as const);
export type Match = typeof Match[keyof typeof Match];

/** A set of message headers, plus the status line's code and description. */
export interface MsgHdrs extends Iterable<[string, string[]]> {
  /** true when `code >= 300` */
  hasError: boolean;
  /** `"<code> <description>"`, trimmed */
  status: string;
  code: number;
  description: string;
  /** the first value of the key, or `""` */
  get(k: string, match?: Match): string;
  /** replaces all values of the key with `v` */
  set(k: string, v: string, match?: Match): void;
  /** adds a value to the key */
  append(k: string, v: string, match?: Match): void;
  has(k: string, match?: Match): boolean;
  keys(): string[];
  /** every value of every matching key */
  values(k: string, match?: Match): string[];
  /** removes every matching key */
  delete(k: string, match?: Match): void;
  /** the last value of the key, or `""` */
  last(k: string, match?: Match): string;
}

// ---- credentials (auth/ builds them, CONNECT carries them) ----

export type NoAuth = void;
export interface TokenAuth {
  auth_token: string;
}
export interface UserPass {
  user: string;
  pass?: string;
}
export interface NKeyAuth {
  nkey: string;
  sig: string;
}
export interface JwtAuth {
  jwt: string;
  nkey?: string;
  sig?: string;
}
export type Auth = NoAuth | TokenAuth | UserPass | NKeyAuth | JwtAuth;

/** Returns the credential fields for CONNECT; `nonce` is the server's challenge. */
export interface Authenticator {
  (nonce?: string): Auth;
}


/** A message payload: bytes, or a string sent as UTF-8. */
export type Payload = Uint8Array | string;

export type ReviverFn = (key: string, value: any) => any;

/** A message delivered to a subscription. */
export interface Msg {
  /** the subject the message was published to */
  subject: string;
  /** the subscription id that matched */
  sid: number;
  /** the reply subject, if the publisher set one */
  reply?: string;
  /** the payload, headers excluded */
  data: Uint8Array;
  /** the headers, if the message was published with headers */
  headers?: MsgHdrs;
  /** Publishes to `reply`; returns false (and sends nothing) when there is no reply subject. */
  respond(payload?: Payload, opts?: PublishOptions): boolean;
  /** `JSON.parse` of the payload as UTF-8 */
  json<T>(reviver?: ReviverFn): T;
  /** the payload decoded as UTF-8 */
  string(): string;
}

/**
 * A subscription callback. Declared as returning void so that any callback
 * type-checks (an arrow returning a value, an async function); a returned
 * promise that rejects is reported as an `error` status.
 */
export type MsgCallback<T> = (err: Error | null, msg: T) => void;

export interface SubOpts<T> {
  /** queue group: each message goes to one member of the group */
  queue?: string;
  /** unsubscribe automatically after this many messages */
  max?: number;
  /** fail the subscription with a TimeoutError if no message arrives within this many ms */
  timeout?: number;
  /** deliver messages to this function; the subscription is then not iterable */
  callback?: MsgCallback<T>;
  /** emit a `slowConsumer` status when more than this many messages wait in the iterator */
  slow?: number;
  /**
   * Most messages waiting in an iterator (default 524288, as nats.go; -1 no
   * limit). Past it, messages are dropped and counted (`getDropped()`), and a
   * `slowConsumer` status is emitted once per episode.
   */
  pendingMsgsLimit?: number;
  /** Most payload bytes waiting in an iterator (default 64 MiB, as nats.go; -1 no limit). */
  pendingBytesLimit?: number;
}
export type SubscriptionOptions = SubOpts<Msg>;

/** Tracing headers (nats-server 2.11+). */
export interface TraceOptions {
  traceDestination?: string;
  traceOnly?: boolean;
}

export interface PublishOptions extends TraceOptions {
  reply?: string;
  headers?: MsgHdrs;
}

export interface RequestOptions extends TraceOptions {
  /** ms to wait for the reply (default 1000) */
  timeout: number;
  headers?: MsgHdrs;
  /** use a dedicated subscription for this request instead of the shared inbox */
  noMux?: boolean;
  /** the reply subject to use; only with `noMux` */
  reply?: string;
}

export type RequestStrategy = "timer" | "count" | "stall" | "sentinel";

export interface RequestManyOptions extends TraceOptions {
  strategy: RequestStrategy;
  maxWait: number;
  headers?: MsgHdrs;
  maxMessages?: number;
  noMux?: boolean;
  stall?: number;
}

export interface Stats {
  inBytes: number;
  outBytes: number;
  inMsgs: number;
  outMsgs: number;
}

/** The server's INFO. */
export interface ServerInfo {
  auth_required?: boolean;
  client_id: number;
  client_ip?: string;
  cluster?: string;
  connect_urls?: string[];
  git_commit?: string;
  go: string;
  headers?: boolean;
  host: string;
  jetstream?: boolean;
  ldm?: boolean;
  max_payload: number;
  nonce?: string;
  port: number;
  proto: number;
  server_id: string;
  server_name: string;
  tls_available?: boolean;
  tls_required?: boolean;
  tls_verify?: boolean;
  version: string;
  api_lvl?: number;
}

/** A server of the pool, as `getServers()` reports it. */
export interface Server {
  readonly hostname: string;
  readonly port: number;
  readonly listen: string;
  readonly src: string;
  readonly tlsName: string;
  readonly reconnects: number;
  readonly lastConnect: number;
  readonly gossiped: boolean;
  readonly didConnect: boolean;
}

export type ReconnectToServerHandler = (
  pool: ReadonlyArray<Server>,
  info: ServerInfo | null,
) => Server | { server: Server; delay: number } | null;

export interface ServersChanged {
  readonly added: string[];
  readonly deleted: string[];
}

export type DisconnectStatus = { type: "disconnect"; server: string };
export type ReconnectStatus = { type: "reconnect"; server: string };
export type ReconnectingStatus = { type: "reconnecting" };
export type ClusterUpdateStatus = {
  type: "update";
  added?: string[];
  deleted?: string[];
};
export type LDMStatus = { type: "ldm"; server: string };
export type ServerErrorStatus = { type: "error"; error: Error };
export type ClientPingStatus = { type: "ping"; pendingPings: number };
export type StaleConnectionStatus = { type: "staleConnection" };
export type ForceReconnectStatus = { type: "forceReconnect" };
export type SlowConsumerStatus = {
  type: "slowConsumer";
  sub: Subscription;
  pending: number;
};
export type CloseStatus = { type: "close" };

export type Status =
  | DisconnectStatus
  | ReconnectStatus
  | ReconnectingStatus
  | ClusterUpdateStatus
  | LDMStatus
  | ServerErrorStatus
  | ClientPingStatus
  | StaleConnectionStatus
  | ForceReconnectStatus
  | SlowConsumerStatus
  | CloseStatus;

/** A subscription: an async iterable of messages unless it has a callback. */
export interface Subscription extends AsyncIterable<Msg> {
  /** resolves when the subscription ends: undefined, or the Error that ended it */
  closed: Promise<void | Error>;
  unsubscribe(max?: number): void;
  drain(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  isDraining(): boolean;
  isClosed(): boolean;
  callback: MsgCallback<Msg>;
  getSubject(): string;
  getReceived(): number;
  getProcessed(): number;
  getPending(): number;
  getID(): number;
  getMax(): number | undefined;
  /** messages dropped because the iterator was over its pending limits */
  getDropped(): number;
  /** payload bytes waiting in the iterator */
  getPendingBytes(): number;
  /** Changes the pending limits (-1: no limit). */
  setPendingLimits(msgs: number, bytes: number): void;
}

export interface QueuedIterator<T> extends AsyncIterable<T> {
  [Symbol.asyncIterator](): AsyncIterator<T>;
  stop(err?: Error): void;
  getProcessed(): number;
  getPending(): number;
  getReceived(): number;
}

export interface Publisher {
  publish(
    subject: string,
    data: Payload,
    options?: { reply?: string; headers?: MsgHdrs },
  ): void;
}

export interface TlsOptions {
  handshakeFirst?: boolean;
  certFile?: string;
  cert?: string;
  caFile?: string;
  ca?: string;
  keyFile?: string;
  key?: string;
}

export interface ConnectionOptions {
  /** credentials: a function, or several whose results are merged */
  authenticator?: Authenticator | Authenticator[];
  /**
   * The protocol trace (secrets redacted): `true` prints it with
   * `console.info`; a function (a quicknats addition) receives each line
   * instead, e.g. `> PUB greet.joe 5 [5 payload bytes]` or `< PING`.
   */
  debug?: boolean | ((line: string) => void);
  /** unanswered client PINGs before the connection is stale (default 2) */
  maxPingOut?: number;
  maxReconnectAttempts?: number;
  /** client name, shown by the server's monitoring */
  name?: string;
  /** do not deliver this client's own messages to its subscriptions */
  noEcho?: boolean;
  /** keep the servers in the given order (default: shuffled) */
  noRandomize?: boolean;
  pass?: string;
  pedantic?: boolean;
  /** ms between client PINGs (default 120000) */
  pingInterval?: number;
  /** port on 127.0.0.1; exclusive with `servers` */
  port?: number;
  reconnect?: boolean;
  reconnectDelayHandler?: () => number;
  reconnectJitter?: number;
  reconnectJitterTLS?: number;
  reconnectTimeWait?: number;
  /** `host:port` or `nats://host:port`, or a list of them (default 127.0.0.1:4222) */
  servers?: Array<string> | string;
  /** ms to establish a connection (default 20000) */
  timeout?: number;
  tls?: TlsOptions | null;
  token?: string;
  user?: string;
  verbose?: boolean;
  waitOnFirstConnect?: boolean;
  ignoreClusterUpdates?: boolean;
  /** prefix of generated inboxes (default `_INBOX`) */
  inboxPrefix?: string;
  ignoreAuthErrorAbort?: boolean;
  /** accepted for compatibility; request errors never cost a stack capture on the happy path here */
  noAsyncTraces?: boolean;
  resolve?: boolean;
  /** the nats-core README's name for `resolve: false` */
  noResolve?: boolean;
  /**
   * The server's `max_control_line` (default 4096, nats-server's default;
   * INFO does not announce it). A publish, request or subscription whose
   * control line would be longer (subject, reply or queue, sizes or sid,
   * and the spaces between them, in UTF-8 bytes) throws InvalidArgumentError
   * instead of making the server drop the connection. Raise it only with the
   * server's setting. A quicknats addition.
   */
  maxControlLine?: number;
  reconnectToServer?: ReconnectToServerHandler;
  /**
   * Bytes published while disconnected that are kept and sent after the
   * reconnect (default 8 MiB, as nats.go). Past the default, what does not
   * fit is dropped (`publish()` returns false) with one `error` status per
   * outage; set explicitly, it is a hard bound: past it `publish()` throws a
   * ConnectionError (code `NATS_RECONNECT_BUFFER_FULL`). 0 turns buffering
   * off: publishing while disconnected throws.
   */
  reconnectBufSize?: number;
  /**
   * The outbound queue's high-water mark: bytes accepted for sending but not
   * yet written to the socket (default 8 MiB). Above it `publish()` returns
   * false and `await nc.ready()` waits until half of it is left. Set
   * explicitly, it is also a hard bound: past it `publish()` throws a
   * ConnectionError (code `NATS_OUTBOUND_FULL`) instead of queueing more.
   */
  maxOutboundBytes?: number;
}

/** The connection API. */
export interface NatsConnection {
  /** the INFO of the connected server; undefined once closed */
  info?: ServerInfo;
  /** Resolves (never rejects) when the client is closed: undefined, or the Error that closed it. */
  closed(): Promise<void | Error>;
  close(): Promise<void>;
  /**
   * Queues a message for sending. Returns false when the outbound queue is
   * above its high-water mark (`maxOutboundBytes`, default 8 MiB): the message
   * is queued, and a publisher that wants to bound its memory may
   * `await ready()` (a quicknats addition, like Node's `writable.write()`).
   * While disconnected it returns false too (`ready()` waits for the
   * reconnect). With default options it never throws for volume: past the
   * reconnect buffer, or past the high-water mark of a server that stopped
   * reading, the message is dropped and an `error` status says so.
   */
  publish(subject: string, payload?: Payload, options?: PublishOptions): boolean;
  publishMessage(msg: Msg): void;
  respondMessage(msg: Msg): boolean;
  subscribe(subject: string, opts?: SubscriptionOptions): Subscription;
  request(
    subject: string,
    payload?: Payload,
    opts?: RequestOptions,
  ): Promise<Msg>;
  requestMany(
    subject: string,
    payload?: Payload,
    opts?: Partial<RequestManyOptions>,
  ): Promise<AsyncIterable<Msg>>;
  flush(): Promise<void>;
  drain(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
  isClosed(): boolean;
  isDraining(): boolean;
  getServer(): string;
  status(): AsyncIterable<Status>;
  stats(): Stats;
  rtt(): Promise<number>;
  /**
   * Resolves when the outbound queue has room again (at most half of
   * `maxOutboundBytes`, default 4 MiB), at once if it has. A quicknats
   * addition: a fast publisher awaits it when `publish()` returns false to
   * keep its memory bounded.
   */
  ready(): Promise<void>;
  reconnect(): Promise<void>;
  setServers(servers: string[]): void;
  getServers(): ReadonlyArray<Server>;
}

/** `T` with the properties named by `K` made required. */
export type WithRequired<T, K extends keyof T> = T & { [P in K]-?: T[P] };

/** An empty payload. */
export const Empty: Uint8Array = new Uint8Array(0);
