/**
 * Runtime-matrix entry for Chromium: bundled by scripts/runtime-matrix.mjs
 * (esbuild, the same way as the example page) and loaded into a page, where
 * it exposes `quicknatsScenario(cfg)`. The reconnect scenario's restart hook
 * asks the matrix's static server (`POST /__restart`) to restart nats-server.
 */
import * as quicknats from "@quicknats/core";
import { runScenario, type ScenarioConfig, type ScenarioResult } from "./scenario.js";
import { scenarioApi } from "./scenario-api.js";

// no node:diagnostics_channel: the core's own channels
const api = scenarioApi(quicknats, (opts) => quicknats.wsconnect(opts));

async function restart(): Promise<void> {
  const res = await fetch("/__restart", { method: "POST" });
  if (!res.ok) throw new Error(`POST /__restart: HTTP ${res.status} ${await res.text()}`);
}

(globalThis as { quicknatsScenario?: (cfg: ScenarioConfig) => Promise<ScenarioResult> }).quicknatsScenario = (cfg) =>
  runScenario(api, cfg, { restart });
