/**
 * Tracing on, as an application with an OpenTelemetry SDK has it, for the
 * `quicknats-otel` contender: the AsyncLocalStorage context manager and the
 * W3C propagator registered globally, every span sampled (the default
 * sampler) and handed to a BatchSpanProcessor whose exporter drops them (no
 * network in the measurement), metrics aggregated by an SDK meter provider
 * with a reader that is never collected. What the numbers show is the cost
 * of the spans, the headers and the metrics in this process.
 */
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { ExportResultCode, W3CTraceContextPropagator } from "@opentelemetry/core";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ExportResult } from "@opentelemetry/core";

/** Drops what it is given, at once. */
class DroppingExporter implements SpanExporter {
  exported = 0;
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.exported += spans.length;
    done({ code: ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A reader nobody collects: the instruments aggregate, nothing is exported. */
class IdleReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface Sdk {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
}

// one SDK per process, as in an application (a bench child is one process)
let sdk: Sdk | undefined;

function setup(): Sdk {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return {
    tracerProvider: new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DroppingExporter())] }),
    meterProvider: new MeterProvider({ readers: [new IdleReader()] }),
  };
}

/** Instruments `nc` with @quicknats/otel on this process's SDK. */
export async function tracing(nc: unknown): Promise<void> {
  const { instrument } = await import("@quicknats/otel");
  sdk ??= setup();
  instrument(nc as Parameters<typeof instrument>[0], { tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider });
}
