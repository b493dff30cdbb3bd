import type { ConnectionOptions, NatsConnection, WsConnectionOptions } from "@quicknats/core";
import { wsconnect as coreWsconnect } from "@quicknats/core";
import { NatsConnectionImpl } from "@quicknats/core/internal";
import { useRuntimeDiagnosticsChannel } from "./diagnostics-channel.ts";
import { denoTransportFactory } from "./transport.ts";

/**
 * Connects to a NATS server over TCP (TLS when asked for or required), with
 * `Deno.connect` and `Deno.startTls`. With no options: 127.0.0.1:4222.
 * Needs `--allow-net` (and `--allow-read` for `tls.*File` options). Rejects
 * with ConnectionError, TimeoutError, AuthorizationError or
 * InvalidArgumentError (bad options, or a ws:// URL: use `wsconnect()`).
 */
export function connect(opts: ConnectionOptions = {}): Promise<NatsConnection> {
  useRuntimeDiagnosticsChannel();
  return NatsConnectionImpl.connect(opts, denoTransportFactory);
}

/**
 * `wsconnect()` of @quicknats/core (a connection over Deno's WebSocket),
 * with the diagnostics on `node:diagnostics_channel` as for `connect()`.
 */
export function wsconnect(opts: WsConnectionOptions = {}): Promise<NatsConnection> {
  useRuntimeDiagnosticsChannel();
  return coreWsconnect(opts);
}
