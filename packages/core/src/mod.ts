/**
 * @quicknats/core: the runtime-agnostic NATS client. Its names are in
 * exports.ts.
 */
export * from "./exports.js";

// `import nats from "@nats-io/nats-core"` gives that CommonJS package's
// exports object, so `nats.headers()` works there: the same here (from
// exports.ts, not this module, so the declaration is not circular)
import * as nats from "./exports.js";
export default nats;
