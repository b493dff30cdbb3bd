// Nothing breaks when no OpenTelemetry SDK is registered (the API alone, its
// no-op tracer, meter and propagator): an application that instruments its
// connections but has tracing turned off. Its own process: the globals stay
// unset here.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { headers } from "@quicknats/core";
import { instrument, traceMessage } from "../src/mod.js";
import { anyoneListening, deliver, fakeConnection, fakeMsg, fakeSubscription, publish, startRequest } from "./events.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

describe("without an SDK", () => {
  after(() => assert.deepEqual(anyoneListening(), []));

  it("publishes, requests and callbacks work; no headers are added", async () => {
    const nc = fakeConnection();
    const inst = instrument(nc);
    const user = headers();
    user.set("k", "v");
    const sent = publish(nc, "orders.new", "x", { headers: user });
    assert.deepEqual(sent!.keys(), ["k"], "the no-op propagator adds nothing");
    assert.equal(publish(nc, "plain", "x"), undefined, "a message without headers stays so");
    const { req } = startRequest(nc, "svc", "");
    req!.end();
    let ran = 0;
    const reported = deliver(nc, fakeSubscription("a"), fakeMsg("a", "x"), () => ran++);
    assert.equal(ran, 1);
    assert.deepEqual(reported, []);
    assert.equal(await traceMessage(fakeMsg("a", "x"), async () => 5), 5);
    inst.stop();
  });

  it("the core and the transports never load OpenTelemetry", () => {
    for (const pkg of ["core", "node", "deno"]) {
      const manifest = JSON.parse(readFileSync(path.join(ROOT, "packages", pkg, "package.json"), "utf8"));
      const deps = { ...manifest.dependencies, ...manifest.peerDependencies };
      assert.ok(!Object.keys(deps).some((d) => d.startsWith("@opentelemetry/")), `${pkg}'s dependencies`);
      const files = walk(path.join(ROOT, "packages", pkg, "src"));
      assert.ok(files.length > 0, `${pkg} has sources`);
      for (const f of files) assert.ok(!readFileSync(f, "utf8").includes("@opentelemetry"), f);
    }
  });
});

function walk(dir: string, depth = 0): string[] {
  if (depth > 10) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const full = path.join(dir, e);
    if (statSync(full).isDirectory()) out.push(...walk(full, depth + 1));
    else if (full.endsWith(".ts")) out.push(full);
  }
  return out;
}
