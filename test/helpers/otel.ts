/**
 * The OpenTelemetry SDK as the tests use it: spans into an in-memory
 * exporter, metrics into a reader collected on demand, and (once per
 * process) the AsyncLocalStorage context manager and the W3C trace-context
 * and baggage propagators registered globally, as an application's SDK
 * setup would.
 */
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { type DataPoint, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** Registers the context manager and the propagators globally (idempotent). */
export function registerGlobalContext(): void {
  // false when already registered in this process: fine either way
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}

/** A reader that exports nothing by itself: `collect()` when a test asks. */
class PullReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Trace and metric providers whose output a test reads. */
export class Telemetry {
  readonly exporter = new InMemorySpanExporter();
  readonly tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(this.exporter)] });
  private readonly reader = new PullReader();
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });

  /** Every span ended so far. */
  spans(): ReadableSpan[] {
    return this.exporter.getFinishedSpans();
  }

  /** The one ended span of that name; fails when there is none or more than one. */
  span(name: string): ReadableSpan {
    const found = this.spans().filter((s) => s.name === name);
    if (found.length !== 1) {
      throw new Error(`expected one span "${name}", found ${found.length} among [${this.spans().map((s) => s.name).join(", ")}]`);
    }
    return found[0];
  }

  /** The data points of a metric (empty when it has none). */
  async points(name: string): Promise<DataPoint<unknown>[]> {
    const { resourceMetrics } = await this.reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const m of scope.metrics) {
        if (m.descriptor.name === name) return m.dataPoints as DataPoint<unknown>[];
      }
    }
    return [];
  }

  /** The sum of a counter's points whose attributes include `attrs`. */
  async sum(name: string, attrs: Record<string, unknown> = {}): Promise<number> {
    let total = 0;
    for (const p of await this.points(name)) {
      if (Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)) total += p.value as number;
    }
    return total;
  }

  async shutdown(): Promise<void> {
    await this.tracerProvider.shutdown();
    await this.meterProvider.shutdown();
  }
}

/** The span's parent span id, or undefined for a root span. */
export function parentId(s: ReadableSpan): string | undefined {
  return s.parentSpanContext?.spanId;
}
