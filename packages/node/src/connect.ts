import type { ConnectionOptions, NatsConnection } from "@quicknats/core";
import { NatsConnectionImpl } from "@quicknats/core/internal";
import { nodeTransportFactory } from "./transport.js";

/** Options of the Node transport's `connect()`. */
export type NodeConnectionOptions = ConnectionOptions;

/**
 * Connects to a NATS server over TCP. With no options: 127.0.0.1:4222.
 * Rejects with ConnectionError, TimeoutError, AuthorizationError or
 * InvalidArgumentError (bad options, or a ws:// URL).
 */
export function connect(opts: NodeConnectionOptions = {}): Promise<NatsConnection> {
  return NatsConnectionImpl.connect(opts, nodeTransportFactory);
}
