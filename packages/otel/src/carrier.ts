/**
 * NATS headers as an OpenTelemetry propagation carrier: read with a getter
 * (received messages), written through the diagnostics events' `setHeader`
 * (outgoing messages, which copies the caller's headers first), or into a
 * header set of the user's. Any propagator the application configured (W3C
 * trace context and baggage, B3, Jaeger...) works through them.
 */
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { Match, type MsgHdrs, type OutgoingEvent } from "@quicknats/core";

/**
 * Reads propagation fields from message headers. Names are compared
 * ignoring case, as HTTP header names are: a `Traceparent` written by
 * another client is found as `traceparent`.
 */
export const headersGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys(h) {
    return h === undefined ? [] : h.keys();
  },
  get(h, key) {
    if (h === undefined) return undefined;
    const values = h.values(key, Match.IgnoreCase);
    if (values.length === 0) return undefined;
    return values.length === 1 ? values[0] : values;
  },
};

/** Writes propagation fields into a header set of the caller's (`headers()`), replacing earlier values. */
export const headersSetter: TextMapSetter<MsgHdrs> = {
  set(h, key, value) {
    h.set(key, value);
  },
};

/**
 * Writes propagation fields into an outgoing message from a diagnostics
 * event. A value the headers refuse (control characters from a custom
 * propagator) is left out rather than failing the user's publish.
 */
export const eventSetter: TextMapSetter<OutgoingEvent> = {
  set(ev, key, value) {
    try {
      ev.setHeader(key, value);
    } catch {
      // nothing reaches the wire that the headers would refuse
    }
  },
};
