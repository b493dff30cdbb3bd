/** @quicknats/deno: `connect()` over Deno's TCP and TLS sockets, and everything of @quicknats/core. */
export * from "@quicknats/core";
// what the official transports also export (nats-core's internal entry) and programs import
export * from "@quicknats/core/compat";
export { connect, wsconnect } from "./connect.ts";
export { DenoTransport, denoTransportFactory } from "./transport.ts";
