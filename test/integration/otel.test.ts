// @quicknats/otel against a real nats-server, with the OpenTelemetry SDK's
// in-memory exporter: a request from connection A answered on connection B
// is one trace (A's client span, B's process span its child), publish ->
// subscribe gives a producer and a consumer span linked, errors are recorded
// on the spans, the user's headers travel next to traceparent, a message
// without trace headers starts a new trace, and nothing breaks without an SDK.
//
// The span tests need the core's call sites (issue 14, phase 2): until they
// land they are marked `todo` (they run and report without failing the
// suite). Phase 2 removes the marks.
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, ProxyTracerProvider, SpanKind, SpanStatusCode, type TextMapPropagator, trace } from "@opentelemetry/api";
import { connect, headers, type Msg, type NatsConnection } from "@quicknats/node";
import { type Instrumentation, instrument } from "@quicknats/otel";
import { NatsServer } from "../helpers/nats-server.js";
import { parentId, registerGlobalContext, Telemetry } from "../helpers/otel.js";
import { eventually, rejection, within } from "../helpers/wait.js";

const PHASE2 = {};

registerGlobalContext();

let srv: NatsServer;
let tel: Telemetry;
const open: NatsConnection[] = [];
const instrumented: Instrumentation[] = [];

before(async () => {
  srv = await NatsServer.start();
});

after(async () => {
  await srv.stop();
});

beforeEach(() => {
  tel = new Telemetry();
});

afterEach(async () => {
  for (const i of instrumented.splice(0)) i.stop();
  await Promise.allSettled(open.splice(0).map((nc) => nc.close()));
  await tel.shutdown();
});

/** A connection, instrumented unless told otherwise; closed after the test. */
async function service(instrumentIt = true): Promise<NatsConnection> {
  const nc = await connect({ port: srv.port });
  open.push(nc);
  if (instrumentIt) instrumented.push(instrument(nc, { tracerProvider: tel.tracerProvider, meterProvider: tel.meterProvider }));
  return nc;
}

describe("@quicknats/otel on a real server", () => {
  it("a request from A answered on B: A's client span and B's process span in one trace, B's the child", PHASE2, async () => {
    const a = await service();
    const b = await service();
    b.subscribe("time", { callback: (_e, m) => m.respond(new Date(0).toISOString()) });
    await b.flush();
    const app = tel.tracerProvider.getTracer("requester");
    const root = app.startSpan("GET /time");
    const reply = await context.with(trace.setSpan(context.active(), root), () => a.request("time", "", { timeout: 2000 }));
    root.end();
    assert.equal(reply.string(), "1970-01-01T00:00:00.000Z");
    await eventually(() => tel.spans().some((s) => s.name === "process time"), 2000, "B's span");
    const client = tel.span("request time");
    const processB = tel.span("process time");
    assert.equal(client.kind, SpanKind.CLIENT);
    assert.equal(parentId(client), root.spanContext().spanId);
    assert.equal(processB.kind, SpanKind.CONSUMER);
    assert.equal(processB.spanContext().traceId, root.spanContext().traceId, "one trace");
    assert.equal(parentId(processB), client.spanContext().spanId);
    assert.equal(processB.attributes["server.port"], srv.port);
    // B's respond() is a publish inside the process span
    assert.equal(parentId(tel.span("publish")), processB.spanContext().spanId);
  });

  it("publish -> subscriber: a producer span and a consumer span, linked and parented", PHASE2, async () => {
    const a = await service();
    const b = await service();
    const got = new Promise<Msg>((resolve) => b.subscribe("orders.new", { max: 1, callback: (_e, m) => resolve(m) }));
    await b.flush();
    a.publish("orders.new", "{}");
    const m = await within(got, 2000, "the message");
    await eventually(() => tel.spans().length === 2, 2000, "two spans");
    const producer = tel.span("publish orders.new");
    const consumer = tel.span("process orders.new");
    assert.equal(producer.kind, SpanKind.PRODUCER);
    assert.equal(parentId(consumer), producer.spanContext().spanId);
    assert.equal(consumer.links[0].context.spanId, producer.spanContext().spanId);
    assert.match(m.headers!.get("traceparent"), new RegExp(`^00-${producer.spanContext().traceId}-${producer.spanContext().spanId}-01$`));
  });

  it("a no-responders request and a timeout record their errors on the client span", PHASE2, async () => {
    const a = await service();
    const b = await service();
    b.subscribe("silent", { callback: () => {} });
    await b.flush();
    await rejection(a.request("nobody.home", "", { timeout: 2000 }));
    await rejection(a.request("silent", "", { timeout: 100 }));
    const none = tel.span("request nobody.home");
    assert.equal(none.status.code, SpanStatusCode.ERROR);
    assert.equal(none.attributes["error.type"], "NATS_NO_RESPONDERS");
    const slow = tel.span("request silent");
    assert.equal(slow.status.code, SpanStatusCode.ERROR);
    assert.equal(slow.attributes["error.type"], "NATS_TIMEOUT");
    assert.ok(slow.events.some((e) => e.name === "exception"), "an exception event");
  });

  it("headers the user set arrive next to traceparent, and the user's object is unchanged", PHASE2, async () => {
    const a = await service();
    const b = await service(false);
    const got = new Promise<Msg>((resolve) => b.subscribe("with.headers", { max: 1, callback: (_e, m) => resolve(m) }));
    await b.flush();
    const h = headers();
    h.set("X-Tenant", "acme");
    h.append("X-Tenant", "beta");
    a.publish("with.headers", "x", { headers: h });
    const m = await within(got, 2000, "the message");
    assert.deepEqual(m.headers!.values("X-Tenant"), ["acme", "beta"]);
    assert.ok(m.headers!.get("traceparent"), "traceparent added");
    assert.deepEqual(h.keys(), ["X-Tenant"]);
  });

  it("a message without trace headers (from an uninstrumented client) starts a new trace", PHASE2, async () => {
    const plain = await service(false);
    const b = await service();
    const got = new Promise<Msg>((resolve) => b.subscribe("plain", { max: 1, callback: (_e, m) => resolve(m) }));
    await b.flush();
    plain.publish("plain", "x");
    const m = await within(got, 2000, "the message");
    assert.equal(m.headers, undefined);
    await eventually(() => tel.spans().length === 1, 2000, "the process span");
    const s = tel.span("process plain");
    assert.equal(parentId(s), undefined);
    assert.deepEqual(s.links, []);
  });

  it("without an SDK (no-op tracer, no-op propagator) a connection works as before and gains no headers", async () => {
    const noop: TextMapPropagator = { inject() {}, extract: (c) => c, fields: () => [] };
    const a = await connect({ port: srv.port });
    const b = await connect({ port: srv.port });
    open.push(a, b);
    instrumented.push(instrument(a, { tracerProvider: new ProxyTracerProvider(), propagator: noop }));
    instrumented.push(instrument(b, { tracerProvider: new ProxyTracerProvider(), propagator: noop }));
    b.subscribe("echo", { callback: (_e, m) => m.respond(m.data) });
    const got = new Promise<Msg>((resolve) => b.subscribe("noop", { max: 1, callback: (_e, m) => resolve(m) }));
    await b.flush();
    a.publish("noop", "x");
    assert.equal((await within(got, 2000, "the message")).headers, undefined);
    assert.equal((await a.request("echo", "hi", { timeout: 2000 })).string(), "hi");
    await rejection(a.request("nobody", "", { timeout: 2000 }));
    assert.deepEqual(tel.spans(), []);
  });
});
