/**
 * `wsconnect()`: a NatsConnection over a W3C WebSocket, the runtime-agnostic
 * entry point (the Node and Deno packages have `connect()` over their
 * sockets). It pairs the public connection with the websocket byte pipe.
 */
import { NatsConnectionImpl } from "./api/connection.js";
import { bridgeOfficialErrors } from "./compat/official-errors.js";
import { InvalidArgumentError } from "./errors.js";
import { type WsConnectionOptions, wsTransportFactory } from "./transport/websocket.js";
import type { TransportFactory } from "./transport/transport.js";
import type { ConnectionOptions, NatsConnection } from "./types.js";

/**
 * Connects over a W3C WebSocket. Servers are websocket URLs (`wss://` by
 * default). `tls` cannot be set: the WebSocket (or `wsFactory`) does TLS.
 * On Node, the errors are bridged to @nats-io/nats-core's classes, for the
 * official JetStream, KV and Services libraries (compat/official-errors.ts).
 */
export function wsconnect(opts: WsConnectionOptions = {}): Promise<NatsConnection> {
  bridgeOfficialErrors();
  return wsconnectWith(opts, { adaptError: () => bridgeOfficialErrors() });
}

/** `wsconnect()` with a runtime package's additions to the transport factory (Node's error bridge: `adaptError`). */
export function wsconnectWith(opts: WsConnectionOptions, extra: Pick<TransportFactory, "adaptError">): Promise<NatsConnection> {
  if (opts.tls !== undefined && opts.tls !== null) {
    return Promise.reject(
      InvalidArgumentError.format("tls", "is not configurable on w3c websocket connections"),
    );
  }
  if (opts.wsFactory !== undefined && typeof opts.wsFactory !== "function") {
    return Promise.reject(InvalidArgumentError.format("wsFactory", "must be a function"));
  }
  // the socket does TLS itself: the engine must not try to upgrade
  const o: ConnectionOptions = { ...opts, tls: null };
  return NatsConnectionImpl.connect(o, { ...wsTransportFactory(opts), ...extra });
}
