/**
 * The ScenarioApi every runtime entry hands to the scenario: the same public
 * names from whichever package the runtime loads (@quicknats/node, /deno,
 * /core), the entry's own way to connect, and the one otel SDK all share.
 */
import { otelApi } from "./otel-sdk.js";
import type { ScenarioApi } from "./scenario.js";

/** The exports the scenario takes from a quicknats package as they are: every package has them under these names. */
export type PackageExports = Pick<
  ScenarioApi,
  "headers" | "RequestError" | "NoRespondersError" | "ClosedConnectionError" | "diagnosticsChannel" | "DiagnosticsChannels"
>;

/**
 * The scenario's API from `pkg`'s exports and `connect` (TCP or WebSocket, with
 * the runtime's options bound). `runtimeChannels` is the runtime's
 * `node:diagnostics_channel`, which the package's channels must be; none in the browser.
 */
export function scenarioApi(
  pkg: PackageExports,
  connect: ScenarioApi["connect"],
  runtimeChannels?: ScenarioApi["runtimeChannels"],
): ScenarioApi {
  return {
    connect,
    headers: pkg.headers,
    RequestError: pkg.RequestError,
    NoRespondersError: pkg.NoRespondersError,
    ClosedConnectionError: pkg.ClosedConnectionError,
    diagnosticsChannel: pkg.diagnosticsChannel,
    DiagnosticsChannels: pkg.DiagnosticsChannels,
    runtimeChannels,
    otel: otelApi,
  };
}
