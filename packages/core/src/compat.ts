/**
 * @quicknats/core/compat: what @nats-io/transport-node exports beyond the
 * nats-core API (it re-exports nats-core's `internal` entry) and programs
 * import from it: helpers, the nats-core classes a connection is made of (for
 * `instanceof`), and the semver helpers. @quicknats/node and @quicknats/deno
 * re-export it, so a program that imports one of these still loads after
 * switching its import line. Not here: the official engine's own parts
 * (ProtocolHandler, Parser, Heartbeat, Servers, ...), which have no
 * counterpart to give.
 */
export {
  collect,
  DEFAULT_MAX_RECONNECT_ATTEMPTS,
  extend,
  extractProtocolMessage,
  INFO,
  protoLen,
  render,
  SimpleMutex,
  TD,
  TE,
  timeout,
} from "./compat/utilities.js";
export { ipV4, isIP, isIPV4OrHostname, parseIP } from "./compat/ip.js";
export { IdleHeartbeatMonitor } from "./compat/idle-heartbeat-monitor.js";
export type { IdleHeartbeatFn, IdleHeartbeatOptions } from "./compat/idle-heartbeat-monitor.js";
export { DataBuffer } from "./compat/data-buffer.js";
export { NatsConnectionImpl } from "./api/connection.js";
export { SubscriptionImpl } from "./api/subscription.js";
export { MsgImpl } from "./api/msg.js";
export { QueuedIteratorImpl } from "./api/queued-iterator.js";
export { compare, Feature, Features, parseSemVer } from "./api/features.js";
export type { SemVer } from "./api/features.js";
export type {
  CallbackFn,
  CallbackOptionalErrorFn,
  ConnectionClosedListener,
  Dispatcher,
  ErrorResult,
  Prettify,
  Request,
  Result,
  ValueResult,
} from "./compat/types.js";
export { wsUrlParseFn } from "./transport/websocket.js";
