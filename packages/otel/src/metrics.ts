/**
 * The instruments, after the messaging metrics of the semantic conventions
 * (v1.44.0, messaging-metrics.md) where they define one, and under `nats.`
 * where they do not (bytes, reconnects, drops).
 */
import type { Counter, Histogram, Meter } from "@opentelemetry/api";

/** The conventions' advice for messaging durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export class NatsMetrics {
  /** `messaging.client.sent.messages`: messages queued for the server (publish, respond, requests) */
  readonly sentMessages: Counter;
  /** `messaging.client.consumed.messages`: messages delivered to subscriptions (request replies included) */
  readonly consumedMessages: Counter;
  /** `messaging.client.operation.duration`: a request, from start to its end or error */
  readonly operationDuration: Histogram;
  /** `messaging.process.duration`: a subscription callback, until its promise settles if it returns one */
  readonly processDuration: Histogram;
  /** `nats.client.sent.bytes`: body bytes of the messages sent */
  readonly sentBytes: Counter;
  /** `nats.client.consumed.bytes`: body bytes of the messages delivered */
  readonly consumedBytes: Counter;
  /** `nats.client.reconnects`: the connection was established again */
  readonly reconnects: Counter;
  /** `nats.client.dropped.messages`: dropped by a subscription over its pending limits (slow consumer) */
  readonly droppedMessages: Counter;

  constructor(meter: Meter) {
    this.sentMessages = meter.createCounter("messaging.client.sent.messages", {
      unit: "{message}",
      description: "Number of messages producer attempted to send to the broker.",
    });
    this.consumedMessages = meter.createCounter("messaging.client.consumed.messages", {
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
    this.sentBytes = meter.createCounter("nats.client.sent.bytes", {
      unit: "By",
      description: "Body bytes of the messages sent.",
    });
    this.consumedBytes = meter.createCounter("nats.client.consumed.bytes", {
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
