/**
 * @quicknats/core/internal: what runtime packages and tests build on. Not a
 * stable API for applications.
 */
export * from "./exports.js";
export { NatsConnectionImpl } from "./api/connection.js";
export { SubscriptionImpl } from "./api/subscription.js";
export { MsgImpl } from "./api/msg.js";
export { QueuedIteratorImpl } from "./api/queued-iterator.js";
export { compare, Feature, Features, parseSemVer } from "./api/features.js";
export type { FeatureVersion, SemVer } from "./api/features.js";
export type { CloseListener } from "./api/close-listeners.js";
export type { Engine } from "./connection/engine.js";
export { FLUSH_THRESHOLD } from "./connection/writer.js";
export { parseOptions } from "./connection/options.js";
export { DEFAULT_TCP_PORT, parseServer, parseTcpUrl } from "./transport/tcp-url.js";
export { BufferRegion, REGION_SIZE } from "./transport/buffer-region.js";
export type { ParsedOptions, ServerAddress } from "./connection/options.js";
export { Parser } from "./protocol/parser.js";
export type { MsgArgs, ParserHandler } from "./protocol/parser.js";
export { OutboundBuffer } from "./protocol/encoder.js";
export { validateQueue, validateSubject } from "./protocol/validate.js";
export { argumentTypeError, requestTimeoutError } from "./errors.js";
export { WsTransport, wsTransportFactory, wsUrlParseFn } from "./transport/websocket.js";
export { wsconnectWith } from "./wsconnect.js";
export { bridgeOfficialErrors } from "./compat/official-errors.js";
export type { ModuleCache } from "./compat/official-errors.js";
export {
  closedBeforeTls,
  dialError,
  lostError,
  type TlsFailure,
  tlsError,
  tlsFileError,
  tlsProblem,
  where,
} from "./transport/errors.js";
export type {
  DialTarget,
  Transport,
  TransportFactory,
  TransportListener,
  WriteBuffers,
} from "./transport/transport.js";
