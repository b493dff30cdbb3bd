/**
 * Plugs `node:diagnostics_channel` into the core, so quicknats' diagnostics
 * (README "Diagnostics channels") are published on Node's channels under
 * their documented names (`quicknats:connection:connect`,
 * `tracing:quicknats:publish:start`, ...): APM agents subscribe to them with
 * `diagnostics_channel.subscribe()` or `tracingChannel()` without any help
 * from us, before or after the first connection. Bun has the same module.
 *
 * The core cannot import `node:` modules, so it is handed the module here,
 * at each `connect()` (idempotent: one property check after the first). The
 * table of channels is process-wide and shared by every copy of the core
 * (see the core's diagnostics/registry.ts), so plugging in once serves the
 * ESM and CommonJS builds alike, and connections made before (by wsconnect()
 * of the core, say) forward to Node's channels from then on.
 */
import * as dc from "node:diagnostics_channel";
import { type DiagnosticsChannelProvider, useDiagnosticsChannel } from "@quicknats/core";

/** Publishes quicknats' diagnostics on `node:diagnostics_channel` (idempotent). */
export function useNodeDiagnosticsChannel(): void {
  // @types/node declares Channel.unsubscribe() void; it returns a boolean (Node 20+, Bun)
  useDiagnosticsChannel(dc as unknown as DiagnosticsChannelProvider);
}
