// @quicknats/otel with no OpenTelemetry SDK at all, against a real
// nats-server: the application instruments its connections with the
// defaults, but nothing registered a tracer provider, meter provider,
// propagator or context manager (tracing turned off, or the SDK not
// installed: @opentelemetry/api alone, its no-op globals). Everything works
// as without the instrumentation and no header is added. Its own file, so
// its own process: the other otel tests register global providers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { propagation, trace } from "@opentelemetry/api";
import { headers, type Msg, type NatsConnection, RequestError, type Status } from "@quicknats/node";
import { instrument, traceMessage } from "@quicknats/otel";
import { serverWithConnections } from "../helpers/connections.js";
import { eventually, rejection, within } from "../helpers/wait.js";

let a: NatsConnection;
let b: NatsConnection;

serverWithConnections({}, 2, (_srv, conns) => {
  [a, b] = conns;
  instrument(a);
  instrument(b);
});

describe("@quicknats/otel without an SDK", () => {
  it("nothing is registered: the API's no-op globals", () => {
    assert.equal(trace.getActiveSpan(), undefined);
    assert.deepEqual(propagation.fields(), [], "the no-op propagator");
  });

  it("publish, subscribe, request, requestMany, noMux: as without the instrumentation, no headers added", async () => {
    const got: Msg[] = [];
    b.subscribe("nosdk.pub", { max: 2, callback: (_e, m) => got.push(m) });
    b.subscribe("nosdk.echo", { callback: (_e, m) => m.respond(m.data, { headers: m.headers }) });
    await b.flush();
    const h = headers();
    h.set("X-User", "kept");
    a.publish("nosdk.pub", "plain");
    a.publish("nosdk.pub", "with", { headers: h });
    await eventually(() => got.length === 2, 2000, "two messages");
    assert.equal(got[0].headers, undefined);
    assert.deepEqual(got[1].headers!.keys(), ["X-User"]);
    const r = await a.request("nosdk.echo", "hi", { timeout: 2000 });
    assert.deepEqual([r.string(), r.headers], ["hi", undefined]);
    const r2 = await a.request("nosdk.echo", "mux-less", { timeout: 2000, noMux: true });
    assert.equal(r2.string(), "mux-less");
    const many: string[] = [];
    for await (const m of await a.requestMany("nosdk.echo", "m", { strategy: "count", maxMessages: 1, maxWait: 2000 })) many.push(m.string());
    assert.deepEqual(many, ["m"]);
  });

  it("errors reach the caller as before: no responders, timeout, a throwing callback's status", async () => {
    const nr = await rejection(a.request("nosdk.nobody", "", { timeout: 2000 }));
    assert.ok(nr instanceof RequestError && nr.isNoResponders(), String(nr));
    b.subscribe("nosdk.silent", { callback: () => {} });
    b.subscribe("nosdk.throws", { callback: () => { throw new Error("handler bug"); } });
    await b.flush();
    await rejection(a.request("nosdk.silent", "", { timeout: 100 }));
    const statuses: Status[] = [];
    const iter = b.status();
    const seen = (async () => {
      for await (const s of iter) {
        statuses.push(s);
        if (s.type === "error") break;
      }
    })();
    a.publish("nosdk.throws");
    await within(seen, 2000, "the callback's error status");
    assert.match(String((statuses.at(-1) as { error: Error }).error.message), /handler bug/);
  });

  it("traceMessage runs the function and returns what it returns", async () => {
    const sub = b.subscribe("nosdk.iter", { max: 1 });
    await b.flush();
    a.publish("nosdk.iter", "x");
    for await (const m of sub) assert.equal(await traceMessage(m, async () => m.string()), "x");
  });
});
