/**
 * @quicknats/otel and an OpenTelemetry SDK for the runtime-matrix scenario
 * (the `otel` member of ScenarioApi): spans go to an in-memory exporter,
 * trace context through the W3C propagator. Pure JavaScript packages, so
 * the same file serves Node, Bun, Deno (from node_modules) and the browser
 * bundle.
 */
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { instrument } from "@quicknats/otel";
import type { FinishedSpan, OtelApi } from "./scenario.js";

export const otelApi: OtelApi = {
  instrument,
  sdk() {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    return {
      tracerProvider,
      propagator: new W3CTraceContextPropagator(),
      spans: () => exporter.getFinishedSpans() as unknown as FinishedSpan[],
    };
  },
};
