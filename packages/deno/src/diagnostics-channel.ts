/**
 * Plugs the runtime's `node:diagnostics_channel` into the core when it has
 * one, as @quicknats/node does on Node and Bun: Deno 2 provides the module
 * (with `bindStore`/`runStores`), so quicknats' diagnostics are published on
 * its channels under their documented names and anything subscribed through
 * it (an APM agent, `dc.tracingChannel("quicknats:publish")`) sees them.
 *
 * The module is taken from `process.getBuiltinModule()` rather than
 * imported: no `node:` import in the package (tsc builds it for npm without
 * Node's types, and it must load anywhere). A runtime without it keeps the
 * core's own channels: `diagnosticsChannel(name)` of this package works the
 * same there, only `node:diagnostics_channel` subscribers see nothing.
 */
import { type DiagnosticsChannelProvider, useDiagnosticsChannel } from "@quicknats/core";

interface BuiltinModules {
  getBuiltinModule?(id: string): unknown;
}

/** Publishes quicknats' diagnostics on the runtime's `node:diagnostics_channel`, when there is one (idempotent). */
export function useRuntimeDiagnosticsChannel(): void {
  const proc = (globalThis as { process?: BuiltinModules }).process;
  const dc = proc?.getBuiltinModule?.("node:diagnostics_channel") as Partial<DiagnosticsChannelProvider> | undefined;
  if (dc !== undefined && typeof dc.channel === "function") useDiagnosticsChannel(dc as DiagnosticsChannelProvider);
}
