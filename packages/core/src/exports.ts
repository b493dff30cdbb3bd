/**
 * The names @quicknats/core exports (mod.ts adds them as a default export
 * too). Runtime packages (@quicknats/node, ...) re-export all of this next
 * to their `connect()`.
 */
export {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  ErrorCode,
  errors,
  InvalidArgumentError,
  InvalidOperationError,
  InvalidSubjectError,
  NoRespondersError,
  PermissionViolationError,
  ProtocolError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "./errors.js";
export { Empty } from "./types.js";
export { wsconnect } from "./wsconnect.js";
export type { WsConnectionOptions, WsSocketFactory } from "./transport/websocket.js";
export { VERSION } from "./version.js";
export { createInbox } from "./api/inbox.js";
export { JSONCodec, StringCodec } from "./api/codec.js";
export type { Codec } from "./api/codec.js";
export { canonicalMIMEHeaderKey, headers, MsgHdrsImpl } from "./api/headers.js";
export { Match } from "./types.js";
export { Nuid, nuid } from "./nuid.js";
export { backoff, deadline, deferred, delay, millis, nanos } from "./timers.js";
export type { Backoff, Deferred, Delay, Nanos } from "./timers.js";
export { syncIterator } from "./api/sync-iterator.js";
export type { SyncIterator } from "./api/sync-iterator.js";
export {
  buildAuthenticator,
  tokenAuthenticator,
  usernamePasswordAuthenticator,
} from "./auth/authenticator.js";
export { nkeyAuthenticator } from "./auth/nkey.js";
export { jwtAuthenticator } from "./auth/jwt.js";
export { credsAuthenticator } from "./auth/creds.js";
export { nkeys } from "./nkeys-ns.js";
export type {
  Auth,
  Authenticator,
  JwtAuth,
  NKeyAuth,
  NoAuth,
  TokenAuth,
  UserPass,
} from "./auth/authenticator.js";
export { DEFAULT_HOST, DEFAULT_PORT } from "./connection/options.js";
export type {
  ClientPingStatus,
  CloseStatus,
  ClusterUpdateStatus,
  ConnectionOptions,
  DisconnectStatus,
  ForceReconnectStatus,
  LDMStatus,
  Msg,
  MsgCallback,
  MsgHdrs,
  NatsConnection,
  Payload,
  Publisher,
  PublishOptions,
  QueuedIterator,
  ReconnectingStatus,
  ReconnectStatus,
  ReconnectToServerHandler,
  RequestManyOptions,
  RequestOptions,
  RequestStrategy,
  ReviverFn,
  Server,
  ServerErrorStatus,
  ServerInfo,
  ServersChanged,
  SlowConsumerStatus,
  StaleConnectionStatus,
  Stats,
  Status,
  SubOpts,
  Subscription,
  SubscriptionOptions,
  TlsOptions,
  TraceOptions,
} from "./types.js";
export { Bench, Metric } from "./api/bench.js";
export type { BenchOpts, Perf } from "./api/bench.js";
export { hasWsProtocol } from "./connection/options.js";
export type { Timeout } from "./timers.js";
export type { WithRequired } from "./types.js";
export { DiagnosticsChannels, DiagnosticsTracingChannels } from "./diagnostics/names.js";
export type { DiagnosticsChannelKey, DiagnosticsChannelName } from "./diagnostics/names.js";
export { diagnosticsChannel, useDiagnosticsChannel } from "./diagnostics/registry.js";
export type { DiagnosticsChannelProvider } from "./diagnostics/registry.js";
export type { DiagnosticsChannel, DiagnosticsListener, DiagnosticsStore } from "./diagnostics/channel.js";
export type {
  CloseEvent,
  ConnectErrorEvent,
  ConnectEvent,
  ConnectionEvent,
  DeliveryEvent,
  DiagnosticsMessages,
  DisconnectEvent,
  DropEvent,
  OutgoingEvent,
  PublishEvent,
  RequestErrorReason,
  RequestEvent,
} from "./diagnostics/events.js";
