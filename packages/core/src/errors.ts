/**
 * Error classes, with the names and messages of @nats-io/nats-core 3.4.
 *
 * Every error carries a stable `code` and, where there is one, a `cause`.
 * `instanceof` is brand based (see `Symbol.hasInstance` in undici's errors):
 * an error made by one copy of this module (the ESM build, say) still matches
 * the classes of another copy (the CommonJS build), and one error can carry
 * two brands, which is how a request timeout satisfies both
 * `err instanceof TimeoutError` (the 3.4 code) and
 * `err instanceof RequestError && err.cause instanceof TimeoutError` (the seed).
 */

const BRANDS = Symbol.for("quicknats.error.brands");

type Branded = { [BRANDS]?: string[] };

function addBrand(err: Error, brand: string): void {
  const b = err as Error & Branded;
  const list = b[BRANDS];
  if (list) {
    if (!list.includes(brand)) list.push(brand);
  } else {
    Object.defineProperty(b, BRANDS, { value: [brand], enumerable: false });
  }
}

function hasBrand(value: unknown, brand: string): boolean {
  if (typeof value !== "object" || value === null) return false;
  const list = (value as Branded)[BRANDS];
  return Array.isArray(list) && list.includes(brand);
}

/**
 * Stable, documented error codes: one per class, and distinct codes for the
 * distinct failures that share a class.
 */
export const ErrorCode = {
  InvalidSubject: "NATS_INVALID_SUBJECT",
  InvalidArgument: "NATS_INVALID_ARGUMENT",
  InvalidOperation: "NATS_INVALID_OPERATION",
  UserAuthenticationExpired: "NATS_USER_AUTH_EXPIRED",
  Authorization: "NATS_AUTHORIZATION",
  ClosedConnection: "NATS_CLOSED_CONNECTION",
  DrainingConnection: "NATS_DRAINING_CONNECTION",
  Connection: "NATS_CONNECTION",
  /** a ConnectionError: more than the `maxOutboundBytes` the user set wait to be written */
  OutboundFull: "NATS_OUTBOUND_FULL",
  /** a ConnectionError: the server has stopped taking bytes while more are published */
  OutboundStalled: "NATS_OUTBOUND_STALLED",
  /** a ConnectionError: disconnected, and the message does not fit in the reconnect buffer */
  ReconnectBufferFull: "NATS_RECONNECT_BUFFER_FULL",
  Protocol: "NATS_PROTOCOL",
  Request: "NATS_REQUEST",
  Timeout: "NATS_TIMEOUT",
  NoResponders: "NATS_NO_RESPONDERS",
  PermissionViolation: "NATS_PERMISSION_VIOLATION",
} as const;
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/**
 * The base of every error here: `name` and the `instanceof` brand come from
 * the class's `brand` (not its JavaScript name, which a minifier may change).
 */
class NatsError extends Error {
  static brand = "NatsError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const brand = (new.target as typeof NatsError).brand;
    this.name = brand;
    addBrand(this, brand);
  }
  static override [Symbol.hasInstance](v: unknown): boolean {
    return hasBrand(v, this.brand);
  }
}

/** A subject, reply subject or queue name that cannot be sent. */
export class InvalidSubjectError extends NatsError {
  static override brand = "InvalidSubjectError";
  readonly code: ErrorCode = ErrorCode.InvalidSubject;
  constructor(subject: string, options?: ErrorOptions) {
    super(`illegal subject: '${subject}'`, options);
  }
}

/** An option or argument with a bad value. */
export class InvalidArgumentError extends NatsError {
  static override brand = "InvalidArgumentError";
  readonly code: ErrorCode = ErrorCode.InvalidArgument;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
  /** `format("timeout", "must be > 0")` gives `'timeout' must be > 0`. */
  static format(
    property: string | string[],
    message: string,
    options?: ErrorOptions,
  ): InvalidArgumentError {
    const props = Array.isArray(property)
      ? property.map((p) => `'${p}'`).join(",")
      : `'${property}'`;
    return new InvalidArgumentError(`${props} ${message}`, options);
  }
}

/** An operation that the object's state does not allow (e.g. iterating a callback subscription). */
export class InvalidOperationError extends NatsError {
  static override brand = "InvalidOperationError";
  readonly code: ErrorCode = ErrorCode.InvalidOperation;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The server reported that the user's JWT expired. */
export class UserAuthenticationExpiredError extends NatsError {
  static override brand = "UserAuthenticationExpiredError";
  readonly code: ErrorCode = ErrorCode.UserAuthenticationExpired;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
  static parse(s: string): UserAuthenticationExpiredError | null {
    return s.toLowerCase().includes("user authentication expired")
      ? new UserAuthenticationExpiredError(s)
      : null;
  }
}

const AUTH_ERRORS = [
  "authorization violation",
  "account authentication expired",
  "authentication timeout",
];

/** The server refused the credentials (authorization violation, auth timeout, expired account). */
export class AuthorizationError extends NatsError {
  static override brand = "AuthorizationError";
  readonly code: ErrorCode = ErrorCode.Authorization;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
  static parse(s: string): AuthorizationError | null {
    const lower = s.toLowerCase();
    return AUTH_ERRORS.some((m) => lower.includes(m))
      ? new AuthorizationError(s)
      : null;
  }
}

/** The connection is closed. */
export class ClosedConnectionError extends NatsError {
  static override brand = "ClosedConnectionError";
  readonly code: ErrorCode = ErrorCode.ClosedConnection;
  constructor(options?: ErrorOptions) {
    super("closed connection", options);
  }
}

/** The connection is draining and no longer takes this operation. */
export class DrainingConnectionError extends NatsError {
  static override brand = "DrainingConnectionError";
  readonly code: ErrorCode = ErrorCode.DrainingConnection;
  constructor(options?: ErrorOptions) {
    super("connection draining", options);
  }
}

/** Dialing or establishing a connection failed, or the connection cannot take a message (see `code`). */
export class ConnectionError extends NatsError {
  static override brand = "ConnectionError";
  readonly code: ErrorCode;
  constructor(message: string, options?: ErrorOptions & { code?: ErrorCode }) {
    super(message, options);
    this.code = options?.code ?? ErrorCode.Connection;
  }
}

/** A server `-ERR`, or bytes from the server that break the protocol. */
export class ProtocolError extends NatsError {
  static override brand = "ProtocolError";
  readonly code: ErrorCode = ErrorCode.Protocol;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A request failed; `cause` says why (NoRespondersError, PermissionViolationError, TimeoutError...). */
export class RequestError extends NatsError {
  static override brand = "RequestError";
  readonly code: ErrorCode = ErrorCode.Request;
  constructor(message = "", options?: ErrorOptions) {
    super(message, options);
  }
  isNoResponders(): boolean {
    return this.cause instanceof NoRespondersError;
  }
}

/** An operation did not complete in time. */
export class TimeoutError extends NatsError {
  static override brand = "TimeoutError";
  readonly code: ErrorCode = ErrorCode.Timeout;
  constructor(options?: ErrorOptions) {
    super("timeout", options);
  }
}

/** Nobody is subscribed to the request's subject (a 503 status reply). */
export class NoRespondersError extends NatsError {
  static override brand = "NoRespondersError";
  readonly code: ErrorCode = ErrorCode.NoResponders;
  readonly subject: string;
  constructor(subject: string, options?: ErrorOptions) {
    super(`no responders: '${subject}'`, options);
    this.subject = subject;
    // the official class reports this name, not the class name
    this.name = "NoResponders";
  }
}

/** The server refused a publish or a subscription to a subject. */
export class PermissionViolationError extends NatsError {
  static override brand = "PermissionViolationError";
  readonly code: ErrorCode = ErrorCode.PermissionViolation;
  operation: "publish" | "subscription";
  subject: string;
  queue?: string;
  constructor(
    message: string,
    operation: "publish" | "subscription",
    subject: string,
    queue?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.operation = operation;
    this.subject = subject;
    this.queue = queue;
  }
  /** Parses `Permissions Violation for Subscription to "x" using queue "q"`. */
  static parse(s: string): PermissionViolationError | null {
    if (!s || !s.toLowerCase().includes("permissions violation")) return null;
    const m = /(Publish|Subscription) to "(\S+)"/i.exec(s);
    const operation = m && m[1].toLowerCase() === "subscription"
      ? "subscription"
      : "publish";
    const subject = m ? m[2] : "";
    let queue: string | undefined;
    if (operation === "subscription") {
      const q = /using queue "(\S+)"/i.exec(s);
      if (q) queue = q[1];
    }
    return new PermissionViolationError(s, operation, subject, queue);
  }
}

/**
 * The error a request rejects with when its timer fires: a TimeoutError that
 * is also a RequestError whose cause is a TimeoutError, so code written against
 * either the 3.4 behaviour or the seed's example recognises it.
 */
export function requestTimeoutError(): TimeoutError {
  const err = new TimeoutError({ cause: new TimeoutError() });
  addBrand(err, "RequestError");
  // RequestError's method, so `err.isNoResponders()` works on either reading
  Object.defineProperty(err, "isNoResponders", { value: () => false });
  return err;
}

/** All error classes, as in the official `errors` object. */
export const errors = {
  AuthorizationError,
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
  InvalidOperationError,
  InvalidSubjectError,
  NoRespondersError,
  PermissionViolationError,
  ProtocolError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
};

/**
 * Maps a server `-ERR` text (quotes already stripped) to an error class,
 * in the order the official client classifies them.
 */
export function errorFromServer(text: string): Error {
  return PermissionViolationError.parse(text) ??
    UserAuthenticationExpiredError.parse(text) ??
    AuthorizationError.parse(text) ??
    new ProtocolError(text);
}
