/**
 * Runtime-matrix child for Deno: `@quicknats/deno` (TCP over Deno.connect,
 * and wsconnect over Deno's global WebSocket), resolved through
 * packages/deno/deno.json, offline:
 *
 *   deno run --config packages/deno/deno.json --no-remote --cached-only --sloppy-imports \
 *     --allow-net=127.0.0.1 --allow-env=OTEL_* test/runtimes/deno-entry.ts '<ScenarioConfig json>' tcp|ws
 *
 * `--sloppy-imports` lets Deno take "./scenario.js" for scenario.ts, the
 * specifier tsc (NodeNext) and tsx want; @quicknats/deno itself needs no flag.
 */
import * as dc from "node:diagnostics_channel";
import * as quicknats from "@quicknats/deno";
import { runChild } from "./scenario.js";
import { scenarioApi } from "./scenario-api.js";

// tsc (tsconfig.test.json) knows no Deno global: declare the two members used
const deno = (globalThis as unknown as { Deno: { args: string[]; exit(code: number): never } }).Deno;
const transport = deno.args[1] ?? "tcp";

// Deno 2 has node:diagnostics_channel: connect() and wsconnect() plug it in
const api = scenarioApi(quicknats, transport === "ws" ? (opts) => quicknats.wsconnect(opts) : (opts) => quicknats.connect(opts), dc);
const ok = await runChild(api, deno.args, (line) => console.log(line));
deno.exit(ok ? 0 : 1);
