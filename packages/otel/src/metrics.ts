/**
 * The instruments, after the messaging metrics of the semantic conventions
 * (v1.44.0, messaging-metrics.md) where they define one, and under `nats.`
 * where they do not (bytes, reconnects, drops).
 *
 * The per-message counts (messages and bytes, sent and consumed) are
 * asynchronous counters: each connection adds to its own totals (`Traffic`),
 * which the SDK reads when it collects. Recording through a synchronous
 * counter would cost the SDK's attribute hashing twice per message; the
 * exported series are the same (cumulative sums).
 */
import type { Attributes, BatchObservableResult, Counter, Histogram, Meter, ObservableCounter } from "@opentelemetry/api";

/** The conventions' advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/** Attribute sets a connection's totals hold at most; more go to one overflow set, as the SDK does. */
const MAX_SETS = 2000;
const OVERFLOW: Attributes = Object.freeze({ "otel.metric.overflow": true });

interface Totals {
  readonly attributes: Attributes;
  messages: number;
  /** undefined for a set whose bytes are not counted (failed sends) */
  bytes: number | undefined;
}

/** One connection's message and byte totals, by attribute set (its key: see instrument.ts). */
export class Traffic {
  private readonly sets = new Map<string, Totals>();
  private overflow: Totals | undefined;

  /**
   * Adds a message of `bytes` (undefined: its bytes do not count) to the set
   * `key`; `attributes()` makes the set's attributes the first time.
   */
  add<A>(key: string, attributes: (arg: A) => Attributes, arg: A, bytes: number | undefined): void {
    let t = this.sets.get(key);
    if (t === undefined) {
      if (this.sets.size >= MAX_SETS) {
        t = this.overflow ??= { attributes: OVERFLOW, messages: 0, bytes: 0 };
      } else {
        t = { attributes: attributes(arg), messages: 0, bytes: bytes === undefined ? undefined : 0 };
        this.sets.set(key, t);
      }
    }
    t.messages++;
    if (bytes !== undefined && t.bytes !== undefined) t.bytes += bytes;
  }

  observe(result: BatchObservableResult, messages: ObservableCounter, bytes: ObservableCounter | undefined): void {
    const all = this.overflow === undefined ? this.sets.values() : [...this.sets.values(), this.overflow];
    for (const t of all) {
      result.observe(messages, t.messages, t.attributes);
      if (bytes !== undefined && t.bytes !== undefined) result.observe(bytes, t.bytes, t.attributes);
    }
  }
}

export class NatsMetrics {
  /** `messaging.client.sent.messages`: messages queued for the server (publish, respond, requests) */
  readonly sentMessages: ObservableCounter;
  /** `messaging.client.consumed.messages`: messages delivered to subscriptions (request replies included) */
  readonly consumedMessages: ObservableCounter;
  /** `messaging.client.operation.duration`: a request, from start to its end or error */
  readonly operationDuration: Histogram;
  /** `messaging.process.duration`: a subscription callback, until its promise settles if it returns one */
  readonly processDuration: Histogram;
  /** `nats.client.sent.bytes`: body bytes of the messages sent */
  readonly sentBytes: ObservableCounter;
  /** `nats.client.consumed.bytes`: body bytes of the messages delivered */
  readonly consumedBytes: ObservableCounter;
  /** `nats.client.reconnects`: the connection was established again */
  readonly reconnects: Counter;
  /** `nats.client.dropped.messages`: dropped by a subscription over its pending limits (slow consumer) */
  readonly droppedMessages: Counter;

  constructor(readonly meter: Meter) {
    this.sentMessages = meter.createObservableCounter("messaging.client.sent.messages", {
      unit: "{message}",
      description: "Number of messages producer attempted to send to the broker.",
    });
    this.consumedMessages = meter.createObservableCounter("messaging.client.consumed.messages", {
      unit: "{message}",
      description: "Number of messages that were delivered to the application.",
    });
    this.operationDuration = meter.createHistogram("messaging.client.operation.duration", {
      unit: "s",
      description: "Duration of messaging operation initiated by a producer or consumer client.",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.processDuration = meter.createHistogram("messaging.process.duration", {
      unit: "s",
      description: "Duration of processing operation.",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.sentBytes = meter.createObservableCounter("nats.client.sent.bytes", {
      unit: "By",
      description: "Body bytes of the messages sent.",
    });
    this.consumedBytes = meter.createObservableCounter("nats.client.consumed.bytes", {
      unit: "By",
      description: "Body bytes of the messages delivered to the application.",
    });
    this.reconnects = meter.createCounter("nats.client.reconnects", {
      unit: "{reconnect}",
      description: "Times the connection was established again after a disconnect.",
    });
    this.droppedMessages = meter.createCounter("nats.client.dropped.messages", {
      unit: "{message}",
      description: "Messages a subscription dropped because it was over its pending limits.",
    });
  }
}
