// Two services on separate connections, one trace: a requester asks the
// "time" service; with @quicknats/otel on both connections the request's
// client span, the responder's process span and its reply's publish span
// join the requester's own span in one trace, printed here as a tree.
//
//   npm run build && node --import tsx examples/otel-tracing.ts
//
// (a nats-server on 127.0.0.1:4222). The SDK setup is what an application
// does once; a real one exports to a collector instead of printing.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { connect } from "@quicknats/node";
import { instrument } from "@quicknats/otel";

// ---- the OpenTelemetry SDK ----------------------------------------------
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer("example");

// ---- service B: answers "time" on its own connection -----------------------
const responder = await connect({ servers: "127.0.0.1:4222" });
instrument(responder);
responder.subscribe("time", {
  callback: (_err, msg) => {
    // the process span is active here: this span is its child
    tracer.startActiveSpan("format time", (span) => {
      msg.respond(new Date().toISOString());
      span.end();
    });
  },
});
await responder.flush();

// ---- service A: asks, on another connection ----------------------------------
const requester = await connect({ servers: "127.0.0.1:4222" });
instrument(requester);
await tracer.startActiveSpan("GET /checkout", async (span) => {
  const reply = await requester.request("time", "", { timeout: 1000 });
  console.log(`the time is ${reply.string()}`);
  span.end();
});

await requester.close();
await responder.close();
await provider.forceFlush();
printTree(exporter.getFinishedSpans());
await provider.shutdown();

/** Prints spans as a tree per trace: name, kind, duration. */
function printTree(spans: ReadableSpan[]): void {
  const kinds = ["internal", "server", "client", "producer", "consumer"];
  const ms = (s: ReadableSpan) => (s.duration[0] * 1e3 + s.duration[1] / 1e6).toFixed(1);
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const s of spans) {
    // a parent that is not among these spans makes a root
    const parent = s.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), s]);
  }
  const walk = (s: ReadableSpan, prefix: string, last: boolean): void => {
    console.log(`${prefix}${last ? "└─ " : "├─ "}${s.name} [${kinds[s.kind]}] ${ms(s)} ms`);
    const children = (byParent.get(s.spanContext().spanId) ?? [])
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    children.forEach((c, i) => walk(c, prefix + (last ? "   " : "│  "), i === children.length - 1));
  };
  for (const root of byParent.get(undefined) ?? []) {
    console.log(`trace ${root.spanContext().traceId}`);
    walk(root, "", true);
  }
}
