/** The names @quicknats/node exports (mod.ts adds them as a default export too). */
export * from "@quicknats/core";
// what @nats-io/transport-node also exports (nats-core's internal entry) and programs import
export * from "@quicknats/core/compat";
// wsconnect: the core's, with node:diagnostics_channel plugged in (this export wins over the one of `export *`)
export { connect, wsconnect } from "./connect.js";
export type { NodeConnectionOptions } from "./connect.js";
export { NodeTransport, nodeTransportFactory } from "./transport.js";
export type { NodeTlsOptions } from "./transport.js";
