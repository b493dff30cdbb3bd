/**
 * For messages the instrumentation cannot time by itself: those read from
 * a subscription's async iterator (the conventions forbid a span for a
 * message waiting in a client-side queue; its processing happens in the
 * application's loop). `traceMessage()` wraps that processing in a process
 * span, child of the message's creation context, active while it runs.
 */
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  type TracerProvider,
} from "@opentelemetry/api";
import type { Msg, Subscription } from "@quicknats/core";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  destination,
  errorType,
  MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM,
  OperationName,
  OperationType,
  spanName,
} from "./attributes.js";
import { headersGetter } from "./carrier.js";
import { INSTRUMENTATION_NAME } from "./instrument.js";
import { VERSION } from "./version.js";

/**
 * The context a message carries (its creation context: the publisher's
 * span), extracted from its headers with the global propagator (or the one
 * given); the root context when it carries none.
 */
export function extractContext(msg: Msg, propagator?: TextMapPropagator): Context {
  return (propagator ?? propagation).extract(ROOT_CONTEXT, msg.headers, headersGetter);
}

export interface TraceMessageOptions {
  tracerProvider?: TracerProvider;
  propagator?: TextMapPropagator;
  /** the subscription it came from, for `messaging.destination.subscription.name` */
  subscription?: Subscription;
  /** as `instrument()`'s (default "_INBOX") */
  inboxPrefix?: string;
}

/**
 * Runs `fn` inside a CONSUMER "process <subject>" span whose parent is the
 * message's creation context (linked as well), and returns what `fn`
 * returns. The span ends when `fn` returns, or when the promise it returns
 * settles; a throw or rejection is recorded on it and passed on.
 *
 * ```ts
 * for await (const m of nc.subscribe("orders.*")) {
 *   await traceMessage(m, () => handle(m));
 * }
 * ```
 */
export function traceMessage<T>(msg: Msg, fn: () => T, options: TraceMessageOptions = {}): T {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME, VERSION);
  const creation = extractContext(msg, options.propagator);
  const sc = trace.getSpanContext(creation);
  const prefix = options.inboxPrefix ?? "_INBOX";
  const dest = destination(msg.subject, prefix.endsWith(".") ? prefix : `${prefix}.`, undefined);
  const span = tracer.startSpan(spanName(OperationName.Process, dest), {
    kind: SpanKind.CONSUMER,
    attributes: {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
      ...dest.attributes,
      [ATTR_MESSAGING_OPERATION_NAME]: OperationName.Process,
      [ATTR_MESSAGING_OPERATION_TYPE]: OperationType.Process,
      [ATTR_MESSAGING_MESSAGE_BODY_SIZE]: msg.data.length,
      ...(options.subscription ? { [ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME]: options.subscription.getSubject() } : {}),
    },
    links: sc !== undefined && trace.isSpanContextValid(sc) ? [{ context: sc }] : undefined,
  }, creation);
  const failed = (err: unknown) => {
    if (err instanceof Error) span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
  };
  let r: T;
  try {
    r = context.with(trace.setSpan(creation, span), fn);
  } catch (err) {
    failed(err);
    span.end();
    throw err;
  }
  if (r instanceof Promise) {
    return r.then(
      (v) => {
        span.end();
        return v;
      },
      (err) => {
        failed(err);
        span.end();
        throw err;
      },
    ) as T;
  }
  span.end();
  return r;
}
