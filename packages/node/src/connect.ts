import type { ConnectionOptions, NatsConnection, WsConnectionOptions } from "@quicknats/core";
import { NatsConnectionImpl, type TransportFactory, wsconnectWith } from "@quicknats/core/internal";
import { useNodeDiagnosticsChannel } from "./diagnostics-channel.js";
import { bridgeOfficialErrors } from "./official-errors.js";
import { type NodeTlsOptions, nodeTransportFactory } from "./transport.js";

/** Options of the Node transport's `connect()`: `tls` also takes any `tls.connect()` option. */
export type NodeConnectionOptions = Omit<ConnectionOptions, "tls"> & {
  tls?: NodeTlsOptions | null;
};

/** The TCP transport, with request errors bridged to @nats-io/nats-core's classes (see official-errors.ts). */
const factory: TransportFactory = { ...nodeTransportFactory, adaptError: bridgeOfficialErrors };

/**
 * Connects to a NATS server over TCP (TLS when asked for or required). With
 * no options: 127.0.0.1:4222. Rejects with ConnectionError, TimeoutError,
 * AuthorizationError or InvalidArgumentError (bad options, or a ws:// URL).
 */
export function connect(opts: NodeConnectionOptions = {}): Promise<NatsConnection> {
  bridgeOfficialErrors();
  useNodeDiagnosticsChannel();
  return NatsConnectionImpl.connect(opts as ConnectionOptions, factory);
}

/**
 * `wsconnect()` of @quicknats/core (a connection over a W3C WebSocket: the
 * global one, or `wsFactory`'s), with the diagnostics on
 * `node:diagnostics_channel` and the error bridge, as for `connect()`.
 */
export function wsconnect(opts: WsConnectionOptions = {}): Promise<NatsConnection> {
  bridgeOfficialErrors();
  useNodeDiagnosticsChannel();
  return wsconnectWith(opts, { adaptError: bridgeOfficialErrors });
}
