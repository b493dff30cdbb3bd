/**
 * Runtime-matrix child for Node and Bun: `@quicknats/node` unchanged.
 *
 *   node --import tsx test/runtimes/node-entry.ts '<ScenarioConfig json>' tcp|ws
 *   bun test/runtimes/node-entry.ts '<json>' tcp|ws
 *
 * `ws` uses the runtime's global WebSocket when it has one (Bun, Node 22+),
 * else the `ws` package through `wsFactory` (Node 20). It prints which.
 */
import * as dc from "node:diagnostics_channel";
import * as quicknats from "@quicknats/node";
import type { ConnectionOptions, WsSocketFactory } from "@quicknats/node";
import { runChild } from "./scenario.js";
import { scenarioApi } from "./scenario-api.js";

const transport = process.argv[3] ?? "tcp";

async function wsPackageFactory(): Promise<WsSocketFactory> {
  const { WebSocket: WsWebSocket } = await import("ws");
  return async (url) => ({
    // `ws` implements the W3C surface the transport uses (binaryType, on*, bufferedAmount, readyState)
    socket: new WsWebSocket(url) as unknown as WebSocket,
    encrypted: url.startsWith("wss:"),
  });
}

let connectFn: (opts: ConnectionOptions) => ReturnType<typeof quicknats.connect>;
if (transport === "ws") {
  if (typeof globalThis.WebSocket === "function") {
    console.log("using the global WebSocket");
    connectFn = (opts) => quicknats.wsconnect(opts);
  } else {
    console.log("no global WebSocket: using the ws package via wsFactory");
    const wsFactory = await wsPackageFactory();
    connectFn = (opts) => quicknats.wsconnect({ ...opts, wsFactory });
  }
} else {
  connectFn = (opts) => quicknats.connect(opts);
}

// both transports publish on the runtime's module (wsconnect of @quicknats/node plugs it in too)
const api = scenarioApi(quicknats, connectFn, dc);
const ok = await runChild(api, process.argv.slice(2), (line) => console.log(line));
process.exit(ok ? 0 : 1);
