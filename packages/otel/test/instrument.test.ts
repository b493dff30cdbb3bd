// @quicknats/otel against the diagnostics contract, without a server: the
// documented events are emitted by a fake publisher (./events.ts, through
// the core's own event objects), the SDK records into memory. What a real
// server adds (two connections, the wire) is test/integration/otel.test.ts.
import { after, afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import * as dc from "node:diagnostics_channel";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ClosedConnectionError,
  type DiagnosticsChannelProvider,
  ErrorCode,
  headers,
  InvalidArgumentError,
  InvalidOperationError,
  type MsgHdrs,
  NoRespondersError,
  RequestError,
  useDiagnosticsChannel,
} from "@quicknats/core";
import { requestTimeoutError } from "@quicknats/core/internal";
import { extractContext, type Instrumentation, instrument, type InstrumentOptions, traceMessage } from "../src/mod.js";
import { parentId, registerGlobalContext, Telemetry } from "../../../test/helpers/otel.js";
import {
  anyoneListening,
  deliver,
  drop,
  fakeConnection,
  fakeMsg,
  fakeSubscription,
  publish,
  reconnect,
  startRequest,
} from "./events.js";

registerGlobalContext();

let tel: Telemetry;
let handles: Instrumentation[] = [];

function instrumentFor(nc = fakeConnection(), opts: InstrumentOptions = {}): { nc: ReturnType<typeof fakeConnection>; inst: Instrumentation } {
  const inst = instrument(nc, { tracerProvider: tel.tracerProvider, meterProvider: tel.meterProvider, ...opts });
  handles.push(inst);
  return { nc, inst };
}

beforeEach(() => {
  tel = new Telemetry();
});

afterEach(async () => {
  for (const h of handles) h.stop();
  handles = [];
  await tel.shutdown();
});

after(() => {
  assert.deepEqual(anyoneListening(), [], "every test left the channels as it found them");
});

const spanId = (h: MsgHdrs | undefined) => h?.get("traceparent").split("-")[2];

describe("publish", () => {
  it("a PRODUCER span per publish, with the messaging attributes, its context in the message", () => {
    const { nc } = instrumentFor();
    const sent = publish(nc, "orders.new", "hello");
    const s = tel.span("publish orders.new");
    assert.equal(s.kind, SpanKind.PRODUCER);
    assert.deepEqual(s.attributes, {
      "messaging.system": "nats",
      "server.address": "127.0.0.1",
      "server.port": 4222,
      "messaging.client.id": "7",
      "messaging.destination.name": "orders.new",
      "messaging.operation.name": "publish",
      "messaging.operation.type": "send",
      "messaging.message.body.size": 5,
    });
    assert.equal(sent!.get("traceparent"), `00-${s.spanContext().traceId}-${s.spanContext().spanId}-01`);
    assert.equal(parentId(s), undefined, "no active span: a root");
  });

  it("keeps the caller's headers (and never modifies their object), adds traceparent next to them", () => {
    const { nc } = instrumentFor();
    const user = headers();
    user.set("X-Order", "42");
    user.append("X-Order", "43");
    const sent = publish(nc, "orders.new", "x", { headers: user });
    assert.deepEqual(sent!.values("X-Order"), ["42", "43"]);
    assert.ok(sent!.get("traceparent"), "traceparent added");
    assert.deepEqual(user.keys(), ["X-Order"], "the caller's set is unchanged");
  });

  it("is a child of the active span", () => {
    const { nc } = instrumentFor();
    const tracer = tel.tracerProvider.getTracer("app");
    const parent = tracer.startSpan("handle http");
    context.with(trace.setSpan(context.active(), parent), () => publish(nc, "audit", "x"));
    parent.end();
    assert.equal(parentId(tel.span("publish audit")), parent.spanContext().spanId);
  });

  it("names a reply inbox a temporary destination, left out of the span name", () => {
    const { nc } = instrumentFor();
    publish(nc, "_INBOX.k3x.7", "reply");
    const s = tel.span("publish");
    assert.equal(s.attributes["messaging.destination.temporary"], true);
    assert.equal(s.attributes["messaging.destination.name"], "_INBOX.k3x.7");
  });

  it("uses the destination template for the span name", () => {
    const { nc } = instrumentFor(undefined, { destinationTemplate: (s) => s.startsWith("orders.") ? "orders.{id}" : undefined });
    publish(nc, "orders.123", "x");
    assert.equal(tel.span("publish orders.{id}").attributes["messaging.destination.template"], "orders.{id}");
  });

  it("records a publish that fails: status ERROR, the exception, error.type", () => {
    const { nc } = instrumentFor();
    const err = Object.assign(new Error("reconnect buffer exceeded"), { code: "NATS_RECONNECT_BUFFER_FULL" });
    assert.throws(() => publish(nc, "orders.new", "x", { throws: err }), (e) => e === err);
    const s = tel.span("publish orders.new");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(s.status.message, "reconnect buffer exceeded");
    assert.equal(s.attributes["error.type"], "NATS_RECONNECT_BUFFER_FULL");
    assert.equal(s.events[0].name, "exception");
  });

  it("leaves a trace context the caller put in the message, and links to it (a CLIENT span)", () => {
    const { nc } = instrumentFor();
    const forwarded = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const h = headers();
    h.set("Traceparent", forwarded);
    const sent = publish(nc, "orders.new", "x", { headers: h });
    assert.deepEqual(sent!.keys(), ["Traceparent"], "nothing added");
    assert.equal(sent!.get("Traceparent"), forwarded);
    const s = tel.span("publish orders.new");
    assert.equal(s.kind, SpanKind.CLIENT);
    assert.equal(s.links[0].context.spanId, "b7ad6b7169203331");
  });

  it("with publishSpans: false, no span, but the active context still travels", () => {
    const { nc } = instrumentFor(undefined, { publishSpans: false });
    const parent = tel.tracerProvider.getTracer("app").startSpan("job");
    const sent = context.with(trace.setSpan(context.active(), parent), () => publish(nc, "jobs", "x"));
    parent.end();
    assert.equal(spanId(sent), parent.spanContext().spanId);
    assert.deepEqual(tel.spans().map((s) => s.name), ["job"]);
  });

  it("carries baggage with the configured propagator", () => {
    const { nc } = instrumentFor();
    const bag = propagation.createBaggage({ tenant: { value: "acme" } });
    const sent = context.with(propagation.setBaggage(context.active(), bag), () => publish(nc, "jobs", "x"));
    assert.equal(sent!.get("baggage"), "tenant=acme");
  });
});

describe("request and process", () => {
  it("request A -> B: a CLIENT span, B's CONSUMER process span its child in the same trace, B's reply a child of that", () => {
    const { nc: a } = instrumentFor(fakeConnection("127.0.0.1:4222", 1));
    const { nc: b } = instrumentFor(fakeConnection("127.0.0.1:4222", 2));
    const { req, sent } = startRequest(a, "svc.time", "now?");
    // B receives the request with A's headers and answers from its callback
    let replyHeaders: MsgHdrs | undefined;
    let activeInside: string | undefined;
    deliver(b, fakeSubscription("svc.*", "workers"), fakeMsg("svc.time", "now?", sent, "_INBOX.abc.1"), () => {
      activeInside = trace.getActiveSpan()?.spanContext().spanId;
      replyHeaders = publish(b, "_INBOX.abc.1", "12:00");
    });
    // A gets the reply on its inbox, and the request ends
    deliver(a, fakeSubscription("_INBOX.abc.*"), fakeMsg("_INBOX.abc.1", "12:00", replyHeaders), () => {}, true);
    req!.respond(fakeMsg("_INBOX.abc.1", "12:00", replyHeaders));
    req!.end();

    const client = tel.span("request svc.time");
    const processB = tel.span("process svc.time");
    const replyPub = tel.span("publish");
    assert.equal(client.kind, SpanKind.CLIENT);
    assert.equal(client.attributes["messaging.operation.name"], "request");
    assert.equal(client.status.code, SpanStatusCode.UNSET);
    assert.equal(processB.kind, SpanKind.CONSUMER);
    assert.equal(processB.spanContext().traceId, client.spanContext().traceId, "one trace");
    assert.equal(parentId(processB), client.spanContext().spanId, "the process span's parent is the client span");
    assert.equal(processB.links[0].context.spanId, client.spanContext().spanId, "and it links to it");
    assert.equal(processB.attributes["messaging.destination.subscription.name"], "svc.*");
    assert.equal(processB.attributes["messaging.consumer.group.name"], "workers");
    assert.equal(processB.attributes["messaging.client.id"], "2");
    assert.equal(activeInside, processB.spanContext().spanId, "the process span is active in the callback");
    assert.equal(parentId(replyPub), processB.spanContext().spanId);
    assert.equal(tel.spans().length, 3, "no span for the reply arriving on A's inbox, nor for the request's own publish");
  });

  it("a request nobody answers: the client span records no-responders", () => {
    const { nc } = instrumentFor();
    const { req } = startRequest(nc, "svc.none", "");
    const cause = new NoRespondersError("svc.none");
    req!.fail(new RequestError(cause.message, { cause }));
    const s = tel.span("request svc.none");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(s.attributes["error.type"], "NATS_NO_RESPONDERS");
    assert.equal(s.events.filter((e) => e.name === "exception").length, 1);
  });

  it("a request that times out: the client span records the timeout", () => {
    const { nc } = instrumentFor();
    const { req } = startRequest(nc, "svc.slow", "");
    req!.fail(requestTimeoutError());
    const s = tel.span("request svc.slow");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(s.attributes["error.type"], "NATS_TIMEOUT");
  });

  it("requestMany: an event per response, the count on the span", () => {
    const { nc } = instrumentFor();
    const { req } = startRequest(nc, "svc.scatter", "", { kind: "many" });
    for (let i = 0; i < 3; i++) req!.respond(fakeMsg("_INBOX.abc.1", `r${i}`));
    req!.end();
    const s = tel.span("request svc.scatter");
    assert.deepEqual(s.events.map((e) => e.attributes?.["nats.request.responses"]), [1, 2, 3]);
    assert.equal(s.attributes["nats.request.responses"], 3);
  });

  it("a message without trace headers starts a new trace", () => {
    const { nc } = instrumentFor();
    const outer = tel.tracerProvider.getTracer("app").startSpan("socket opened inside a request");
    context.with(trace.setSpan(context.active(), outer), () =>
      deliver(nc, fakeSubscription("events"), fakeMsg("events", "x"), () => {})
    );
    outer.end();
    const s = tel.span("process events");
    assert.equal(parentId(s), undefined, "not the ambient span");
    assert.notEqual(s.spanContext().traceId, outer.spanContext().traceId);
    assert.deepEqual(s.links, []);
  });

  it("an async callback's span ends when its promise settles, and records a rejection", async () => {
    const { nc } = instrumentFor();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reported = deliver(nc, fakeSubscription("jobs"), fakeMsg("jobs", "x"), async () => {
      await gate;
      throw new Error("job failed");
    });
    assert.equal(tel.spans().length, 0, "still running");
    release();
    await gate;
    await new Promise((r) => setTimeout(r, 0));
    const s = tel.span("process jobs");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(s.status.message, "job failed");
    assert.equal(s.attributes["error.type"], "_OTHER");
    assert.equal((reported[0] as Error).message, "job failed", "the subscription still reports it");
  });

  it("a callback that throws: the span records it", () => {
    const { nc } = instrumentFor();
    const reported = deliver(nc, fakeSubscription("jobs"), fakeMsg("jobs", "x"), () => {
      throw new TypeError("bad input");
    });
    const s = tel.span("process jobs");
    assert.equal(s.status.code, SpanStatusCode.ERROR);
    assert.equal(s.attributes["error.type"], "TypeError");
    assert.equal(reported.length, 1);
  });

  it("traceMessage: a process span for an iterator's message, parent from its headers, active inside", async () => {
    const { nc } = instrumentFor();
    const sent = publish(nc, "orders.new", "x");
    const msg = fakeMsg("orders.new", "x", sent);
    const producer = tel.span("publish orders.new");
    assert.equal(trace.getSpanContext(extractContext(msg))?.spanId, producer.spanContext().spanId);
    let inside: string | undefined;
    const r = await traceMessage(msg, async () => {
      inside = trace.getActiveSpan()?.spanContext().spanId;
      return 7;
    }, { tracerProvider: tel.tracerProvider, subscription: fakeSubscription("orders.*") });
    assert.equal(r, 7);
    const s = tel.span("process orders.new");
    assert.equal(parentId(s), producer.spanContext().spanId);
    assert.equal(inside, s.spanContext().spanId);
    assert.equal(s.attributes["messaging.destination.subscription.name"], "orders.*");
    assert.equal(trace.getSpanContext(extractContext(fakeMsg("x", "y"))), undefined, "none: the root context");
  });
});

describe("per connection", () => {
  it("another connection's events make no spans and gain no headers", () => {
    instrumentFor();
    const other = fakeConnection("127.0.0.1:5222");
    const sent = publish(other, "orders.new", "x");
    const { req } = startRequest(other, "svc", "");
    req!.end();
    deliver(other, fakeSubscription("a"), fakeMsg("a", "x"), () => {});
    assert.equal(sent, undefined, "no headers added");
    assert.deepEqual(tel.spans(), []);
  });

  it("stop() ends the instrumentation; nothing stays subscribed, so nobody pays for events", () => {
    const { nc, inst } = instrumentFor();
    assert.ok(anyoneListening().includes("PublishStart"), "subscribed while instrumented");
    const { req } = startRequest(nc, "svc", "");
    inst.stop();
    inst.stop();
    assert.deepEqual(anyoneListening(), []);
    assert.equal(tel.span("request svc").status.code, SpanStatusCode.UNSET, "open spans end at stop");
    req!.end();
    publish(nc, "after", "x");
    assert.equal(tel.spans().length, 1);
    // instrumentable again
    instrumentFor(nc);
    publish(nc, "again", "x");
    tel.span("publish again");
  });

  it("refuses a second instrumentation of the same connection, and a closed one", () => {
    const { nc } = instrumentFor();
    assert.throws(() => instrument(nc), (e) => e instanceof InvalidOperationError && /already instrumented/.test(e.message));
    const closed = fakeConnection();
    closed.close();
    assert.throws(() => instrument(closed), (e) => e instanceof ClosedConnectionError && e.code === ErrorCode.ClosedConnection);
    assert.throws(
      () => instrument({} as never),
      (e) => e instanceof TypeError && e instanceof InvalidArgumentError && (e as { code?: string }).code === ErrorCode.InvalidArgument,
    );
  });

  it("stops by itself when the connection closes", () => {
    const { nc } = instrumentFor();
    nc.close();
    assert.deepEqual(anyoneListening(), []);
  });
});

describe("metrics", () => {
  it("messages and bytes out and in, request durations, process durations, reconnects, drops", async () => {
    const { nc } = instrumentFor(undefined, { subjectsInMetrics: true });
    publish(nc, "orders.new", "hello");
    publish(nc, "orders.new", "hi");
    const { req } = startRequest(nc, "svc", "ab");
    req!.respond(fakeMsg("_INBOX.abc.1", "ok"));
    req!.end();
    const { req: failed } = startRequest(nc, "svc", "");
    failed!.fail(requestTimeoutError());
    deliver(nc, fakeSubscription("orders.*"), fakeMsg("orders.new", "12345"), () => {});
    deliver(nc, fakeSubscription("_INBOX.abc.*"), fakeMsg("_INBOX.abc.1", "ok"), () => {}, true);
    reconnect(nc);
    drop(nc, fakeSubscription("orders.*"), fakeMsg("orders.new", "x"), 100, 1);

    assert.equal(await tel.sum("messaging.client.sent.messages", { "messaging.operation.name": "publish", "messaging.destination.name": "orders.new" }), 2);
    assert.equal(await tel.sum("nats.client.sent.bytes", { "messaging.destination.name": "orders.new" }), 7);
    assert.equal(await tel.sum("messaging.client.sent.messages", { "messaging.operation.name": "request" }), 2);
    assert.equal(await tel.sum("messaging.client.consumed.messages"), 2);
    assert.equal(await tel.sum("nats.client.consumed.bytes"), 7);
    const inbox = (await tel.points("messaging.client.consumed.messages")).find((p) => p.attributes["messaging.destination.name"] === undefined);
    assert.ok(inbox, "an inbox subject is never a metric attribute");
    assert.equal(await tel.sum("nats.client.reconnects", { "server.port": 4222 }), 1);
    assert.equal(await tel.sum("nats.client.dropped.messages"), 1);
    const durations = await tel.points("messaging.client.operation.duration");
    assert.deepEqual(durations.map((p) => [p.attributes["error.type"], (p.value as { count: number }).count]).sort(), [[undefined, 1], ["NATS_TIMEOUT", 1]]);
    const process = await tel.points("messaging.process.duration");
    assert.equal((process[0].value as { count: number }).count, 1);
  });

  it("leaves subjects out of metrics unless told they are few; templates go in", async () => {
    const { nc } = instrumentFor(undefined, { destinationTemplate: (s) => (s.startsWith("user.") ? "user.{id}" : undefined) });
    publish(nc, "orders.1", "x");
    publish(nc, "user.42", "x");
    const points = await tel.points("messaging.client.sent.messages");
    assert.deepEqual(points.map((p) => p.attributes["messaging.destination.name"]), [undefined, undefined]);
    assert.deepEqual(points.map((p) => p.attributes["messaging.destination.template"]).sort(), ["user.{id}", undefined]);
  });

  it("metrics: false subscribes to nothing that only feeds them", () => {
    instrumentFor(undefined, { metrics: false });
    const listening = anyoneListening();
    for (const k of ["Message", "Drop", "Reconnect"]) assert.ok(!listening.includes(k), k);
  });
});

describe("on node:diagnostics_channel", () => {
  // last: plugging Node's module in is for the rest of the process
  it("works the same once the channels are Node's (its runStores enters our context store)", () => {
    useDiagnosticsChannel(dc as unknown as DiagnosticsChannelProvider);
    const { nc: a } = instrumentFor(fakeConnection("127.0.0.1:4222", 1));
    const { nc: b } = instrumentFor(fakeConnection("127.0.0.1:4222", 2));
    const { req, sent } = startRequest(a, "svc.time", "");
    let active: string | undefined;
    deliver(b, fakeSubscription("svc.time"), fakeMsg("svc.time", "", sent), () => {
      active = trace.getActiveSpan()?.spanContext().spanId;
    });
    req!.end();
    const client = tel.span("request svc.time");
    const proc = tel.span("process svc.time");
    assert.equal(parentId(proc), client.spanContext().spanId);
    assert.equal(active, proc.spanContext().spanId);
    assert.ok(dc.hasSubscribers("tracing:quicknats:subscription:callback:start"), "the store is bound on Node's channel");
    for (const h of handles) h.stop();
    handles = [];
    assert.equal(dc.hasSubscribers("tracing:quicknats:subscription:callback:start"), false);
    assert.equal(context.active(), ROOT_CONTEXT);
  });
});
