/** @quicknats/node: `connect()` over node:net, and everything of @quicknats/core. */
export * from "@quicknats/core";
// what @nats-io/transport-node also exports (nats-core's internal entry) and programs import
export * from "@quicknats/core/compat";
// wsconnect: the core's, with node:diagnostics_channel plugged in (this export wins over the one of `export *`)
export { connect, wsconnect } from "./connect.js";
export type { NodeConnectionOptions } from "./connect.js";
export { NodeTransport, nodeTransportFactory } from "./transport.js";
export type { NodeTlsOptions } from "./transport.js";

// `import nats from "@nats-io/transport-node"` gives that CommonJS package's
// exports object, so `nats.connect(...)` works there: the same here
import * as nats from "./mod.js";
export default nats;
