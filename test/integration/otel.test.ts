// @quicknats/otel against a real nats-server, with the OpenTelemetry SDK's
// in-memory exporter: a request from connection A answered on connection B
// is one trace (A's client span, B's process span its child), publish ->
// subscribe gives a producer and a consumer span linked, errors are recorded
// on the spans, the user's headers travel next to traceparent, a message
// without trace headers starts a new trace, and nothing breaks without an SDK.
// Also: metrics of a real round trip and of a server restart, an async
// callback's span and the request made inside it, traceMessage() for an
// iterator's messages, and the instrumentation ending with its connection.
// Without any SDK registered: otel-no-sdk.test.ts (its own process).
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { context, ProxyTracerProvider, SpanKind, SpanStatusCode, type TextMapPropagator, trace } from "@opentelemetry/api";
import { ClosedConnectionError, connect, headers, type Msg, type NatsConnection } from "@quicknats/node";
import { type Instrumentation, instrument, traceMessage } from "@quicknats/otel";
import { NatsServer } from "../helpers/nats-server.js";
import { parentId, registerGlobalContext, Telemetry } from "../helpers/otel.js";
import { eventually, rejection, within } from "../helpers/wait.js";

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
  it("a request from A answered on B: A's client span and B's process span in one trace, B's the child", async () => {
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

  it("publish -> subscriber: a producer span and a consumer span, linked and parented", async () => {
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

  it("a no-responders request and a timeout record their errors on the client span", async () => {
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

  it("headers the user set arrive next to traceparent, and the user's object is unchanged", async () => {
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

  it("a message without trace headers (from an uninstrumented client) starts a new trace", async () => {
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

  it("an async callback: its process span lasts until the promise settles; a request made inside is its child", async () => {
    const a = await service();
    const b = await service();
    const c = await service();
    c.subscribe("inner", { callback: (_e, m) => m.respond("in") });
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    const done = new Promise<string>((resolve) => {
      b.subscribe("outer", {
        max: 1,
        callback: async () => {
          const r = await b.request("inner", "", { timeout: 2000 });
          await gate;
          resolve(r.string());
        },
      });
    });
    await Promise.all([b.flush(), c.flush()]);
    a.publish("outer", "go");
    await eventually(() => tel.spans().some((s) => s.name === "request inner"), 2000, "the inner request");
    assert.ok(!tel.spans().some((s) => s.name === "process outer"), "the process span is still open");
    finish();
    assert.equal(await within(done, 2000, "the callback"), "in");
    await eventually(() => tel.spans().some((s) => s.name === "process outer"), 2000, "the process span");
    const outer = tel.span("process outer");
    const inner = tel.span("request inner");
    assert.equal(parentId(inner), outer.spanContext().spanId);
    assert.equal(inner.spanContext().traceId, tel.span("publish outer").spanContext().traceId, "one trace from A's publish");
    assert.equal(parentId(tel.span("process inner")), inner.spanContext().spanId);
  });

  it("traceMessage: an iterator's message processed inside a span parented by its publisher", async () => {
    const a = await service();
    const b = await service();
    const sub = b.subscribe("iter.work", { max: 1 });
    await b.flush();
    a.publish("iter.work", "job");
    for await (const m of sub) {
      await traceMessage(m, async () => {
        assert.ok(trace.getActiveSpan(), "a span is active inside");
      }, { tracerProvider: tel.tracerProvider, subscription: sub });
    }
    const producer = tel.span("publish iter.work");
    const processed = tel.span("process iter.work");
    assert.equal(parentId(processed), producer.spanContext().spanId);
    assert.equal(processed.attributes["messaging.destination.subscription.name"], "iter.work");
  });

  it("metrics of a real round trip, and a reconnect after a server restart", async () => {
    const nc = await connect({ port: srv.port, reconnectTimeWait: 50, maxReconnectAttempts: -1 });
    open.push(nc);
    instrumented.push(instrument(nc, { tracerProvider: tel.tracerProvider, meterProvider: tel.meterProvider }));
    nc.subscribe("m.echo", { callback: (_e, m) => m.respond(m.data) });
    await nc.flush();
    assert.equal((await nc.request("m.echo", "12345", { timeout: 2000 })).string(), "12345");
    // sent: the request (5 bytes) and the reply (5 bytes); consumed: the request at the responder, the reply at the inbox
    assert.equal(await tel.sum("messaging.client.sent.messages"), 2);
    assert.equal(await tel.sum("nats.client.sent.bytes"), 10);
    assert.equal(await tel.sum("messaging.client.consumed.messages"), 2);
    assert.equal(await tel.sum("nats.client.consumed.bytes"), 10);
    const durations = await tel.points("messaging.client.operation.duration");
    assert.equal(durations.length, 1);
    assert.equal((durations[0].value as { count: number }).count, 1);
    await srv.kill();
    await srv.restart();
    await eventually(async () => (await tel.sum("nats.client.reconnects")) === 1, 5000, "a reconnect counted");
  });

  it("the instrumentation ends with its connection: spans still open end, later connections are not affected", async () => {
    const a = await service();
    a.subscribe("never.answered", { callback: () => {} });
    await a.flush();
    const pending = rejection(a.request("never.answered", "", { timeout: 10_000 }));
    await a.flush();
    await a.close();
    await pending;
    const req = tel.span("request never.answered");
    assert.equal(req.status.code, SpanStatusCode.ERROR, "closed while waiting: recorded");
    assert.equal(req.attributes["error.type"], new ClosedConnectionError().code);
    const again = await connect({ port: srv.port });
    open.push(again);
    assert.doesNotThrow(() => instrumented.push(instrument(again, { tracerProvider: tel.tracerProvider })));
  });
});
