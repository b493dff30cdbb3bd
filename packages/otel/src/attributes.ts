/**
 * Attribute names and values after OpenTelemetry's semantic conventions
 * v1.44.0 (messaging spans and metrics, registry/attributes/messaging.md),
 * written out here rather than imported: the messaging conventions are
 * still "Development", found only in @opentelemetry/semantic-conventions'
 * incubating entry, which its authors advise copying from rather than
 * depending on.
 */
import type { NatsConnection } from "@quicknats/core";

export const ATTR_MESSAGING_SYSTEM = "messaging.system";
export const ATTR_MESSAGING_OPERATION_NAME = "messaging.operation.name";
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
export const ATTR_MESSAGING_DESTINATION_TEMPLATE = "messaging.destination.template";
export const ATTR_MESSAGING_DESTINATION_TEMPORARY = "messaging.destination.temporary";
export const ATTR_MESSAGING_DESTINATION_SUBSCRIPTION_NAME = "messaging.destination.subscription.name";
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
export const ATTR_MESSAGING_MESSAGE_BODY_SIZE = "messaging.message.body.size";
export const ATTR_MESSAGING_CLIENT_ID = "messaging.client.id";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_ERROR_TYPE = "error.type";

/** `messaging.system`: the NATS page of the conventions (in development) says "nats". */
export const MESSAGING_SYSTEM = "nats";

/** `messaging.operation.type` values. */
export const OperationType = {
  Send: "send",
  Receive: "receive",
  Process: "process",
} as const;

/** `messaging.operation.name` values: NATS's own names for the operations. */
export const OperationName = {
  Publish: "publish",
  Request: "request",
  Process: "process",
  Receive: "receive",
} as const;

/** `host:port` (or `[v6]:port`) as `nc.getServer()` gives it, split; undefined when there is none. */
export function serverAttributes(server: string): { address: string; port: number } | undefined {
  const i = server.lastIndexOf(":");
  if (i <= 0) return undefined;
  const port = Number(server.slice(i + 1));
  if (!Number.isInteger(port)) return undefined;
  let address = server.slice(0, i);
  if (address.startsWith("[") && address.endsWith("]")) address = address.slice(1, -1);
  return { address, port };
}

/** What the spans and metrics of one connection share: system, server, client id. */
export function connectionAttributes(nc: NatsConnection): Record<string, string | number> {
  const attrs: Record<string, string | number> = { [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM };
  const server = serverAttributes(nc.getServer());
  if (server !== undefined) {
    attrs[ATTR_SERVER_ADDRESS] = server.address;
    attrs[ATTR_SERVER_PORT] = server.port;
  }
  const id = nc.info?.client_id;
  if (id !== undefined) attrs[ATTR_MESSAGING_CLIENT_ID] = String(id);
  return attrs;
}

/**
 * `error.type`: the error's stable quicknats code (`NATS_TIMEOUT`,
 * `NATS_NO_RESPONDERS`, `NATS_PERMISSION_VIOLATION`, ...; the inner one for
 * a RequestError that only wraps it), else its name, else `_OTHER`. A small,
 * documented set, as the conventions ask.
 */
export function errorType(err: unknown): string {
  if (typeof err !== "object" || err === null) return "_OTHER";
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (e.code === "NATS_REQUEST" && typeof e.cause?.code === "string") return e.cause.code;
  if (typeof e.code === "string" && e.code !== "") return e.code;
  if (typeof e.name === "string" && e.name !== "" && e.name !== "Error") return e.name;
  return "_OTHER";
}

/** How a subject appears in span names and metrics. */
export interface Destination {
  /** the `{destination}` of span names, undefined to leave it out (temporary subjects) */
  readonly label: string | undefined;
  readonly attributes: Record<string, string | boolean>;
}

/**
 * The destination attributes of `subject`: its name, plus the template the
 * user's function gives (then the span name uses the template), or
 * `temporary` for a reply inbox (then the span name has no destination:
 * inbox subjects are one per request, far too many for span names).
 */
export function destination(
  subject: string,
  inboxPrefix: string,
  template: ((subject: string) => string | undefined) | undefined,
): Destination {
  const attributes: Record<string, string | boolean> = { [ATTR_MESSAGING_DESTINATION_NAME]: subject };
  const t = template?.(subject);
  if (typeof t === "string" && t !== "") {
    attributes[ATTR_MESSAGING_DESTINATION_TEMPLATE] = t;
    return { label: t, attributes };
  }
  if (subject.startsWith(inboxPrefix)) {
    attributes[ATTR_MESSAGING_DESTINATION_TEMPORARY] = true;
    return { label: undefined, attributes };
  }
  return { label: subject, attributes };
}

/** `{operation} {destination}`, or the operation alone. */
export function spanName(operation: string, dest: Destination): string {
  return dest.label === undefined ? operation : `${operation} ${dest.label}`;
}
