/** @quicknats/node: `connect()` over node:net, and everything of @quicknats/core. */
export * from "@quicknats/core";
export { connect } from "./connect.js";
export type { NodeConnectionOptions } from "./connect.js";
export { NodeTransport, nodeTransportFactory } from "./transport.js";
export type { NodeTlsOptions } from "./transport.js";
