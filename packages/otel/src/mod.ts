/**
 * @quicknats/otel: OpenTelemetry tracing and metrics for quicknats
 * connections, on the core's diagnostics channels. See README.md.
 */
export { instrument, INSTRUMENTATION_NAME } from "./instrument.js";
export type { InstrumentOptions, Instrumentation } from "./instrument.js";
export { extractContext, traceMessage } from "./message.js";
export type { TraceMessageOptions } from "./message.js";
export { eventSetter, headersGetter, headersSetter } from "./carrier.js";
export { errorType, MESSAGING_SYSTEM } from "./attributes.js";
export { VERSION } from "./version.js";
