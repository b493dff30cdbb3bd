/** @quicknats/node: `connect()` over node:net, and everything of @quicknats/core. Its names are in exports.ts. */
export * from "./exports.js";

// `import nats from "@nats-io/transport-node"` gives that CommonJS package's
// exports object, so `nats.connect(...)` works there: the same here (from
// exports.ts, not this module, so the declaration is not circular)
import * as nats from "./exports.js";
export default nats;
