/** @quicknats/deno: `connect()` over Deno's TCP and TLS sockets, and everything of @quicknats/core. */
export * from "@quicknats/core";
export { connect, wsconnect } from "./connect.ts";
export { DenoTransport, denoTransportFactory } from "./transport.ts";
