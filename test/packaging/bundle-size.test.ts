// The browser bundle of a typical wsconnect application (connect, headers,
// publish, subscribe, request, drain), built by esbuild from the built ESM
// package (the files `npm pack` ships) for the browser, minified, ES2022, and
// gzipped at level 9: it must stay within BUDGET. The size of each module in
// the bundle (esbuild's metafile: minified bytes in the output) is printed,
// largest first, so a change that adds weight shows where.
//
// BUDGET is a ratchet at today's size (26.5 KiB), not issue 13's goal of
// 15 KiB (GOAL, printed with the distance to it): what a wsconnect bundle
// could leave out is already left out (nkeys, authenticators but user/pass/
// token, Bench, codecs, the official-errors bridge, the Feature table, the
// TCP host:port parser), so the rest is the client's own logic, spread over
// every module (see the table). Measured at 24.0 KiB: its string literals
// (error messages, option names) are 3.7 KiB gzipped, the code without them
// 20.4 KiB; even shortening every property name (which would break the API)
// leaves 22.0 KiB, so 15 KiB would take dropping about a third of the code,
// i.e. features. The engine's internals use ES #private names (a minifier
// shortens them); the user-facing classes (connection, subscription, message,
// iterator, Features) keep TypeScript `private`, because #private breaks
// under a Proxy (a Vue `reactive()` holding a connection or a message).
// History: 24.7 KiB when issue 13 landed; +0.6 KiB for the diagnostics
// hooks' call sites (issue 14); -0.5 KiB when the TCP transports took their
// own server parser; +0.2 KiB for publishing headers while reconnecting (the
// last server's INFO, the reconnect buffer dropped when the next server takes
// no headers); -1.2 KiB (25.2 -> 24.0) for #private internals, the engine's
// states as constants instead of an emitted enum, and the parser holding a
// split control line one way instead of two; +0.2 KiB for the writer letting
// its write buffers go once nothing waits (issue 11; the regions themselves
// come from the Node package, see TransportFactory.writeBuffers) and for
// requestMany's errors passing through the factory's adaptError; +0.1 KiB
// for the headers check also covering what a dead connection gives back;
// +0.3 KiB (24.3 -> 24.6) for the writer handing a synchronous publish
// loop's bytes to the system as it goes (Transport.tryWrite, issue 11: the
// WebSocket transport has none, but the writer's queue logic is shared);
// +0.3 KiB (24.6 -> 24.9) for the parser reading a MSG or HMSG line as
// nats-server writes it in the pass that finds its end (13 to 20% less
// parser time a frame; the general path stays for everything else);
// -28 B for request() moving beside the other requests (requests.ts);
// +0.2 KiB (24.9 -> 25.1) for drop-in fixes found by running the same
// programs on both clients: options from configuration read as 3.4 reads
// them, respond() while draining or closed, rtt() while disconnected;
// +0.2 KiB (25.1 -> 25.3) for wsconnect saying why a socket did not open
// (refused, TLS, not a websocket port) and the pool dropping a dead
// gossiped server the client was on; +82 B (25.3 -> 25.4) for values from
// configuration in calls (a request timeout "2000") and an enumerable cause;
// +23 B for nc.protocol and tracing the UNSUB sent with a SUB; +0.4 KiB
// (25.4 -> 25.8) for credentials in server URLs (nats.go's reading, held
// where no inspect or JSON shows them) and wsconnect naming a TLS port's
// 400 and Node's certificate codes (the official-errors bridge that
// core's wsconnect now runs on Node is left out here: package.json's
// `browser` field swaps in a stub); +0.4 KiB (25.8 -> 26.2) for drop-in
// fixes found by running the official client's tests and JetStream programs
// under faults on both clients: requests made while disconnected kept apart
// and sent only if still awaited, requestMany's permission error unwrapped,
// a callback subscription's timeout as a warning, TypeErrors for header
// keys and values of the wrong type; +0.3 KiB (26.2 -> 26.5) for the next
// round of such fixes: the publish path in its own class, a flush() pending
// when its connection drops failing (and drain() asking again), the dial loop
// ending on refused credentials when no server left ever took us, the pool's
// order after gossip, a websocket ended without its close handshake,
// isClosed() from close()'s call on, TypeErrors for options and headers of
// the wrong type; +0.1 KiB (26.5 -> 26.6) for the default reconnect buffer
// dropping with an error status instead of throwing; +0.15 KiB (26.6 ->
// 26.7) for nuid's digits made without floating-point `%` and in one string
// (next() 2.3x faster, at the official's speed; a loop instead of the
// unrolled digits is no smaller gzipped).
// Lower BUDGET as it shrinks.
//
// Needs the packages built (`npm run build`; the suite's pretest does it).
import { it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { browserBundle } from "../helpers/browser-bundle.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Minified + gzipped (level 9), in bytes: the bound this test enforces (the official client's bundle is ~42 KiB). */
const BUDGET = 27_359 + 256;
/** Issue 13's goal, reported but not yet enforced. */
const GOAL = 15 * 1024;

/** What a browser application typically does with the library. */
const APP = `
import { headers, wsconnect } from "@quicknats/core";
const nc = await wsconnect({ servers: "wss://demo.example:443" });
const sub = nc.subscribe("chat.>", { callback: (err, m) => {
  if (err) return console.error(err);
  console.log(m.subject, m.headers?.get("From"), m.string());
} });
const h = headers();
h.set("From", "browser");
nc.publish("chat.hello", "hi", { headers: h });
for await (const m of nc.subscribe("chat.iter", { max: 1 })) console.log(m.json());
const reply = await nc.request("svc.time", "now?", { timeout: 1000 });
console.log(reply.string(), sub.getProcessed());
await nc.drain();
`;

it(`the browser bundle of wsconnect + headers + publish/subscribe/request + drain is at most ${(BUDGET / 1024).toFixed(2)} KiB min+gzip`, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "quicknats-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const entry = path.join(dir, "app.mjs");
  writeFileSync(entry, APP);
  // the workspace link: node_modules/@quicknats/core -> packages/core (its package.json exports dist/esm)
  const { code, gz, modules: inputs, externals } = await browserBundle(entry, [path.join(ROOT, "node_modules")]);
  const modules = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => ({ file: file.replace(/^.*?packages\/core\/dist\/esm\//, "core/"), bytes: bytesInOutput }))
    .filter((m) => m.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  const width = Math.max(...modules.map((m) => m.file.length));
  t.diagnostic(`bundle: ${code.length} B minified, ${gz} B min+gzip (budget ${BUDGET} B; goal ${GOAL} B, ${gz - GOAL} B to go), ${modules.length} modules`);
  for (const m of modules) t.diagnostic(`  ${m.file.padEnd(width)} ${String(m.bytes).padStart(6)} B`);

  assert.ok(modules.some((m) => m.file.startsWith("core/")), "not bundled from packages/core/dist/esm");
  assert.deepEqual(externals, [], "the bundle leaves imports unresolved");
  assert.ok(gz <= BUDGET, `${gz} B min+gzip is over the ${BUDGET} B budget: see the module sizes above`);
});
