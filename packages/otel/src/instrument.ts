/**
 * `instrument(nc)`: OpenTelemetry spans and metrics for one connection,
 * built on the core's diagnostics channels (no monkey-patching; nothing of
 * OpenTelemetry in the core). While instrumented:
 *
 * - a publish (publish(), msg.respond()) gets a PRODUCER span "publish
 *   <subject>" whose context is injected into the message's headers;
 * - a request gets a CLIENT span "request <subject>", injected likewise,
 *   ended by its reply (or requestMany's last) or its error (no responders,
 *   timeout... recorded as an exception, status ERROR, `error.type`);
 * - a callback subscription's callback runs inside a CONSUMER span
 *   "process <subject>" whose parent is the context extracted from the
 *   message (the publisher's or requester's span), or a new trace when the
 *   message has none; it links to that context too, as the conventions
 *   advise, and it is the active context while the callback runs (so its
 *   publishes, requests and the application's own spans are its children);
 * - metrics count messages and bytes in and out, time requests and
 *   callbacks, and count reconnects and slow-consumer drops.
 *
 * Headers the caller set stay as they were (the propagation fields go into a
 * copy), and a message that already carries a trace context (a forwarded
 * `traceparent`) keeps it: the span links to it instead.
 *
 * Other connections are not affected, except that their events are built
 * for as long as any connection is instrumented (the channels are
 * process-wide), to be ignored here.
 */
import {
  type Attributes,
  type BatchObservableCallback,
  type Context,
  context,
  type Link,
  type MeterProvider,
  metrics as metricsApi,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  trace,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import {
  ClosedConnectionError,
  type CloseEvent,
  type DeliveryEvent,
  type DiagnosticsChannel,
  diagnosticsChannel,
  DiagnosticsChannels,
  type DiagnosticsStore,
  type DropEvent,
  InvalidOperationError,
  type MsgHdrs,
  type NatsConnection,
  type OutgoingEvent,
  type PublishEvent,
  type RequestEvent,
} from "@quicknats/core";
import {
  ATTR_ERROR_TYPE,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME,
  ATTR_MESSAGING_DESTINATION_TEMPLATE,
  ATTR_MESSAGING_MESSAGE_BODY_SIZE,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  connectionAttributes,
  type Destination,
  destination,
  errorType,
  MESSAGING_SYSTEM,
  OperationName,
  OperationType,
  spanName,
} from "./attributes.js";
import { argumentTypeError } from "@quicknats/core/internal";
import { eventSetter, headersGetter } from "./carrier.js";
import { NatsMetrics, Traffic } from "./metrics.js";
import { VERSION } from "./version.js";

/** The instrumentation scope of the tracer and the meter. */
export const INSTRUMENTATION_NAME = "@quicknats/otel";

export interface InstrumentOptions {
  /** where spans go; default: the global tracer provider (a no-op until an SDK registers one) */
  tracerProvider?: TracerProvider;
  /** where metrics go; default: the global meter provider */
  meterProvider?: MeterProvider;
  /** how trace context goes into and out of headers; default: the global propagator (`propagation`) */
  propagator?: TextMapPropagator;
  /** record metrics (default true) */
  metrics?: boolean;
  /** a span per publish (default true); when false, publishes still carry the active context */
  publishSpans?: boolean;
  /** subjects under this prefix are reply inboxes: temporary destinations, left out of span names (default "_INBOX") */
  inboxPrefix?: string;
  /**
   * A low-cardinality template for a subject (`orders.{id}` for `orders.123`),
   * or undefined: used in span names and metrics instead of the subject.
   */
  destinationTemplate?: (subject: string) => string | undefined;
  /**
   * Subjects are few (no ids in them): put `messaging.destination.name` on
   * metrics too (default false: only templates, as the conventions ask for
   * names of unknown cardinality).
   */
  subjectsInMetrics?: boolean;
}

/** What `instrument()` returns. */
export interface Instrumentation {
  readonly connection: NatsConnection;
  /**
   * Stops: no more spans or metrics for the connection, nothing of ours
   * left subscribed. Spans still open end now. Also happens when the
   * connection closes. Idempotent.
   */
  stop(): void;
}

/** Connections instrumented now (by this copy of the package). */
const instrumented = new WeakSet<NatsConnection>();

/**
 * Instruments one connection. Throws if it is already instrumented (stop
 * the first one to change options) or closed.
 */
export function instrument(nc: NatsConnection, options: InstrumentOptions = {}): Instrumentation {
  if (nc === null || typeof nc !== "object" || typeof nc.getServer !== "function") {
    throw argumentTypeError("instrument() takes a NatsConnection");
  }
  if (nc.isClosed()) throw new ClosedConnectionError();
  if (instrumented.has(nc)) {
    throw new InvalidOperationError("the connection is already instrumented: stop() the first instrumentation");
  }
  const inst = new ConnectionTelemetry(nc, options);
  instrumented.add(nc);
  return inst;
}

/** A span in progress, when it began (for the duration metrics), and its destination. */
interface Open {
  span: Span;
  start: number;
  dest: Destination;
}

/** The connection's attributes, for as long as its server and client id stay the same. */
interface ConnectionAttributes {
  server: string;
  clientId: unknown;
  attributes: Record<string, string | number>;
}

/** Metric attribute sets kept for reuse, at most (then the cache starts over). */
const MAX_CACHED_SETS = 1000;

type Subscribed = [DiagnosticsChannel<any>, (m: any) => void];

class ConnectionTelemetry implements Instrumentation {
  readonly connection: NatsConnection;
  private readonly tracer: Tracer;
  private readonly metrics: NatsMetrics | undefined;
  private readonly propagator: Pick<TextMapPropagator, "inject" | "extract">;
  private readonly publishSpans: boolean;
  private readonly inboxPrefix: string;
  private readonly template: ((subject: string) => string | undefined) | undefined;
  private readonly subjectsInMetrics: boolean;
  /** operations in progress, by their event object (the contract passes the same one to their end) */
  private readonly open = new Map<object, Open>();
  private readonly subscribed: Subscribed[] = [];
  private readonly callbackStart = diagnosticsChannel(DiagnosticsChannels.CallbackStart);
  /** makes the process span the active context while a callback runs (see `runStores`) */
  private readonly store: DiagnosticsStore<Context> = { run: (ctx, fn) => context.with(ctx, fn) };
  private stopped = false;
  private conn: ConnectionAttributes | undefined;
  /** metric attribute sets by key (see metricKey), so the SDK is handed one object per distinct set, not one per message */
  private readonly metricSets = new Map<string, Attributes>();
  /** messages and bytes, sent and consumed: observed when the SDK collects */
  private readonly sent = new Traffic();
  private readonly consumed = new Traffic();
  private readonly observeTraffic: BatchObservableCallback = (result) => {
    const m = this.metrics!;
    this.sent.observe(result, m.sentMessages, m.sentBytes);
    this.consumed.observe(result, m.consumedMessages, m.consumedBytes);
  };

  constructor(nc: NatsConnection, o: InstrumentOptions) {
    this.connection = nc;
    this.tracer = (o.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME, VERSION);
    this.propagator = o.propagator ?? propagation;
    this.publishSpans = o.publishSpans ?? true;
    const prefix = o.inboxPrefix ?? "_INBOX";
    this.inboxPrefix = prefix.endsWith(".") ? prefix : `${prefix}.`;
    this.template = o.destinationTemplate;
    this.subjectsInMetrics = o.subjectsInMetrics ?? false;
    if (o.metrics !== false) {
      const m = new NatsMetrics((o.meterProvider ?? metricsApi.getMeterProvider()).getMeter(INSTRUMENTATION_NAME, VERSION));
      m.meter.addBatchObservableCallback(this.observeTraffic, this.trafficInstruments(m));
      this.metrics = m;
    }

    this.on(DiagnosticsChannels.PublishStart, this.onPublishStart);
    this.on(DiagnosticsChannels.PublishEnd, this.onPublishEnd);
    this.on(DiagnosticsChannels.RequestStart, this.onRequestStart);
    this.on(DiagnosticsChannels.RequestResponse, this.onRequestResponse);
    this.on(DiagnosticsChannels.RequestEnd, this.onRequestDone);
    this.on(DiagnosticsChannels.RequestError, this.onRequestDone);
    this.callbackStart.bindStore(this.store, this.onCallbackStart);
    this.on(DiagnosticsChannels.CallbackError, this.onCallbackError);
    this.on(DiagnosticsChannels.CallbackEnd, this.onCallbackEnd);
    this.on(DiagnosticsChannels.CallbackAsyncEnd, this.onCallbackAsyncEnd);
    if (this.metrics !== undefined) {
      // deliveries, drops and reconnects only feed metrics: not subscribed without them
      this.on(DiagnosticsChannels.Message, this.onMessage);
      this.on(DiagnosticsChannels.Drop, this.onDrop);
      this.on(DiagnosticsChannels.Reconnect, this.onReconnect);
    }
    this.on(DiagnosticsChannels.Close, this.onClose);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const [ch, fn] of this.subscribed) ch.unsubscribe(fn);
    this.subscribed.length = 0;
    this.callbackStart.unbindStore(this.store);
    if (this.metrics !== undefined) this.metrics.meter.removeBatchObservableCallback(this.observeTraffic, this.trafficInstruments(this.metrics));
    for (const { span } of this.open.values()) span.end();
    this.open.clear();
    instrumented.delete(this.connection);
  }

  private trafficInstruments(m: NatsMetrics) {
    return [m.sentMessages, m.sentBytes, m.consumedMessages, m.consumedBytes];
  }

  private on<M>(name: string, fn: (m: M) => void): void {
    const ch = diagnosticsChannel(name) as DiagnosticsChannel<M>;
    ch.subscribe(fn);
    this.subscribed.push([ch, fn]);
  }

  // ---- attributes ----------------------------------------------------------

  private destination(subject: string): Destination {
    return destination(subject, this.inboxPrefix, this.template);
  }

  /** The connection's attributes (made again when its server or client id changed). */
  private connectionAttributes(): ConnectionAttributes {
    const server = this.connection.getServer();
    const clientId = this.connection.info?.client_id;
    let c = this.conn;
    if (c === undefined || c.server !== server || c.clientId !== clientId) {
      c = this.conn = { server, clientId, attributes: connectionAttributes(this.connection) };
    }
    return c;
  }

  private spanAttributes(ev: { subject: string; size: number }, dest: Destination, name: string, type: string): Attributes {
    const attrs: Attributes = Object.assign({}, this.connectionAttributes().attributes, dest.attributes);
    attrs[ATTR_MESSAGING_OPERATION_NAME] = name;
    attrs[ATTR_MESSAGING_OPERATION_TYPE] = type;
    attrs[ATTR_MESSAGING_MESSAGE_BODY_SIZE] = ev.size;
    return attrs;
  }

  /** What a metric point says of its destination: the template, or the subject when subjects are few; "" for neither. */
  private metricDestination(subject: string | undefined, dest: Destination | undefined): string {
    if (subject === undefined) return "";
    const d = dest ?? this.destination(subject);
    const template = d.attributes[ATTR_MESSAGING_DESTINATION_TEMPLATE];
    if (template !== undefined) return `t:${template}`;
    return this.subjectsInMetrics && d.label !== undefined ? `s:${subject}` : "";
  }

  /**
   * Low-cardinality attributes for a metric point, and their key: the same
   * key always gives the same (frozen) object, kept for reuse.
   */
  private metricKey(operation: string, subject: string | undefined, dest: Destination | undefined, error: unknown, queue: string | undefined): string {
    const where = this.metricDestination(subject, dest);
    return `${operation}\0${where}\0${error === undefined ? "" : errorType(error)}\0${queue ?? ""}\0${this.connectionAttributes().server}`;
  }

  private metricAttributes(
    operation: string,
    subject: string | undefined,
    error?: unknown,
    queue?: string,
    dest?: Destination,
  ): Attributes {
    const key = this.metricKey(operation, subject, dest, error, queue);
    let attrs = this.metricSets.get(key);
    if (attrs === undefined) {
      if (this.metricSets.size >= MAX_CACHED_SETS) this.metricSets.clear();
      attrs = this.makeMetricAttributes(key);
      this.metricSets.set(key, attrs);
    }
    return attrs;
  }

  /** The attributes a metric key stands for. */
  private readonly makeMetricAttributes = (key: string): Attributes => {
    const [operation, where, error, queue] = key.split("\0");
    const attrs: Attributes = {
      [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM,
      [ATTR_MESSAGING_OPERATION_NAME]: operation,
    };
    if (where.startsWith("t:")) attrs[ATTR_MESSAGING_DESTINATION_TEMPLATE] = where.slice(2);
    else if (where.startsWith("s:")) attrs[ATTR_MESSAGING_DESTINATION_NAME] = where.slice(2);
    const conn = this.connectionAttributes().attributes;
    if (conn[ATTR_SERVER_ADDRESS] !== undefined) attrs[ATTR_SERVER_ADDRESS] = conn[ATTR_SERVER_ADDRESS];
    if (conn[ATTR_SERVER_PORT] !== undefined) attrs[ATTR_SERVER_PORT] = conn[ATTR_SERVER_PORT];
    if (error !== "") attrs[ATTR_ERROR_TYPE] = error;
    if (queue !== "") attrs[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = queue;
    return Object.freeze(attrs);
  };

  // ---- propagation ---------------------------------------------------------

  /** The trace context the message already carries (a creation context the caller provided), if any. */
  private carried(h: MsgHdrs | undefined): SpanContext | undefined {
    if (h === undefined) return undefined;
    const sc = trace.getSpanContext(this.propagator.extract(ROOT_CONTEXT, h, headersGetter));
    return sc !== undefined && trace.isSpanContextValid(sc) ? sc : undefined;
  }

  private inject(ctx: Context, ev: OutgoingEvent): void {
    this.propagator.inject(ctx, ev, eventSetter);
  }

  /** Starts a span for an outgoing message and puts its context in the message (unless it carries one). */
  private startOutgoing(ev: OutgoingEvent, operation: string, kind: SpanKind): Open {
    const parent = context.active();
    const carried = this.carried(ev.headers);
    const dest = this.destination(ev.subject);
    const links: Link[] | undefined = carried !== undefined ? [{ context: carried }] : undefined;
    const span = this.tracer.startSpan(spanName(operation, dest), {
      // a publish whose context is not the message's creation context is a CLIENT span (conventions)
      kind: carried !== undefined && kind === SpanKind.PRODUCER ? SpanKind.CLIENT : kind,
      attributes: this.spanAttributes(ev, dest, operation, OperationType.Send),
      links,
    }, parent);
    if (carried === undefined) this.inject(trace.setSpan(parent, span), ev);
    return { span, start: 0, dest };
  }

  // ---- publish -------------------------------------------------------------

  private readonly onPublishStart = (ev: PublishEvent): void => {
    // a request's own publish: the request's span is the message's context
    if (ev.connection !== this.connection || ev.request !== undefined) return;
    if (!this.publishSpans) {
      if (this.carried(ev.headers) === undefined) this.inject(context.active(), ev);
      return;
    }
    this.open.set(ev, this.startOutgoing(ev, OperationName.Publish, SpanKind.PRODUCER));
  };

  private readonly onPublishEnd = (ev: PublishEvent): void => {
    if (ev.connection !== this.connection) return;
    const open = this.open.get(ev);
    if (open !== undefined) {
      this.open.delete(ev);
      if (ev.error !== undefined) fail(open.span, ev.error);
      open.span.end();
    }
    if (this.metrics !== undefined) {
      const operation = ev.request !== undefined ? OperationName.Request : OperationName.Publish;
      const key = this.metricKey(operation, ev.subject, open?.dest, ev.error, undefined);
      // a message that was not sent counts, its bytes do not
      this.sent.add(key, this.makeMetricAttributes, key, ev.error === undefined ? ev.size : undefined);
    }
  };

  // ---- request -------------------------------------------------------------

  private readonly onRequestStart = (ev: RequestEvent): void => {
    if (ev.connection !== this.connection) return;
    this.open.set(ev, this.startOutgoing(ev, OperationName.Request, SpanKind.CLIENT));
  };

  private readonly onRequestResponse = (ev: RequestEvent): void => {
    if (ev.connection !== this.connection || ev.kind !== "many") return;
    this.open.get(ev)?.span.addEvent("response", { "nats.request.responses": ev.responses });
  };

  /** request end and request error */
  private readonly onRequestDone = (ev: RequestEvent): void => {
    if (ev.connection !== this.connection) return;
    const open = this.open.get(ev);
    if (open !== undefined) {
      this.open.delete(ev);
      if (ev.kind === "many") open.span.setAttribute("nats.request.responses", ev.responses);
      if (ev.error !== undefined) fail(open.span, ev.error);
      open.span.end();
    }
    this.metrics?.operationDuration.record(ev.elapsed / 1000, this.metricAttributes(OperationName.Request, ev.subject, ev.error, undefined, open?.dest));
  };

  // ---- callback subscriptions ------------------------------------------------

  /**
   * The transform of the store bound on callback start: starts the process
   * span and returns the context the callback runs in. For another
   * connection's callbacks (and request inboxes), the current context.
   */
  private readonly onCallbackStart = (ev: DeliveryEvent): Context => {
    if (ev.connection !== this.connection || ev.requestReply) return context.active();
    // the message's creation context, not the ambient one (the socket's, from whenever it was opened)
    const creation = this.propagator.extract(ROOT_CONTEXT, ev.msg.headers, headersGetter);
    const sc = trace.getSpanContext(creation);
    const links: Link[] | undefined = sc !== undefined && trace.isSpanContextValid(sc) ? [{ context: sc }] : undefined;
    const dest = this.destination(ev.subject);
    const attributes = this.spanAttributes(ev, dest, OperationName.Process, OperationType.Process);
    attributes[ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME] = ev.subscription.getSubject();
    if (ev.queue !== undefined) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = ev.queue;
    const span = this.tracer.startSpan(
      spanName(OperationName.Process, dest),
      { kind: SpanKind.CONSUMER, attributes, links },
      creation,
    );
    this.open.set(ev, { span, start: performance.now(), dest });
    return trace.setSpan(creation, span);
  };

  private readonly onCallbackError = (ev: DeliveryEvent): void => {
    if (ev.connection !== this.connection) return;
    const open = this.open.get(ev);
    if (open !== undefined) fail(open.span, ev.error);
  };

  private readonly onCallbackEnd = (ev: DeliveryEvent): void => {
    if (ev.connection === this.connection && !ev.async) this.endProcess(ev);
  };

  private readonly onCallbackAsyncEnd = (ev: DeliveryEvent): void => {
    if (ev.connection === this.connection) this.endProcess(ev);
  };

  private endProcess(ev: DeliveryEvent): void {
    const open = this.open.get(ev);
    if (open === undefined) return;
    this.open.delete(ev);
    open.span.end();
    const m = this.metrics;
    if (m !== undefined) {
      const attrs = this.metricAttributes(OperationName.Process, ev.subject, ev.error ?? undefined, ev.queue, open.dest);
      m.processDuration.record((performance.now() - open.start) / 1000, attrs);
    }
  }

  // ---- metrics only ------------------------------------------------------------

  private readonly onMessage = (ev: DeliveryEvent): void => {
    if (ev.connection !== this.connection) return;
    const key = this.metricKey(OperationName.Receive, ev.subject, undefined, undefined, ev.queue);
    this.consumed.add(key, this.makeMetricAttributes, key, ev.size);
  };

  private readonly onDrop = (ev: DropEvent): void => {
    if (ev.connection !== this.connection) return;
    this.metrics!.droppedMessages.add(1, this.metricAttributes(OperationName.Receive, ev.subject));
  };

  private readonly onReconnect = (ev: { connection: NatsConnection }): void => {
    if (ev.connection !== this.connection) return;
    this.metrics!.reconnects.add(1, this.metricAttributes("reconnect", undefined));
  };

  private readonly onClose = (ev: CloseEvent): void => {
    if (ev.connection === this.connection) this.stop();
  };
}

/** Records a failure on a span: the exception, status ERROR with its message, `error.type`. */
function fail(span: Span, err: unknown): void {
  if (err instanceof Error) {
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
  }
  span.setAttribute(ATTR_ERROR_TYPE, errorType(err));
}
