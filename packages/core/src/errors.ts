/**
 * Error classes, with the names and messages of @nats-io/nats-core 3.4.
 *
 * Every error carries a stable `code` and, where there is one, a `cause`.
 * `instanceof` is brand based (see `Symbol.hasInstance` in undici's errors):
 * an error made by one copy of this module (the ESM build, say) still matches
 * the classes of another copy (the CommonJS build), and one error can carry
 * two brands, which is how a request timeout satisfies both
 * `err instanceof TimeoutError` (the 3.4 code) and
 * `err instanceof RequestError && err.cause instanceof TimeoutError` (the nats-core README).
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
 * Stable error codes, in every error's `code`: decide on them, never on a
 * message's text (messages may be reworded). Each class has one code of its
 * own; distinct failures that share a class have distinct codes, listed under
 * it. README "Errors" has the same table.
 */
export const ErrorCode = {
  /** InvalidSubjectError: a subject, reply subject or queue name that cannot be sent */
  InvalidSubject: "NATS_INVALID_SUBJECT",
  /**
   * InvalidArgumentError: an option or argument with a bad value. A wrong-type
   * argument where the official client throws a `TypeError` (payload, inbox
   * prefix, reconnect handlers) is a `TypeError` with this code that is also
   * an `InvalidArgumentError`, as Node's `ERR_INVALID_ARG_TYPE` is a TypeError.
   */
  InvalidArgument: "NATS_INVALID_ARGUMENT",
  /** InvalidArgumentError: a message with headers, and the server does not support headers */
  HeadersNotSupported: "NATS_HEADERS_NOT_SUPPORTED",
  /** InvalidArgumentError: headers and payload exceed the server's `max_payload` */
  MaxPayloadExceeded: "NATS_MAX_PAYLOAD_EXCEEDED",
  /** InvalidArgumentError: a PUB/HPUB/SUB line longer than the server's `max_control_line` (`maxControlLine`) */
  ControlLineTooLong: "NATS_CONTROL_LINE_TOO_LONG",
  /** InvalidOperationError: an operation the object's state does not allow */
  InvalidOperation: "NATS_INVALID_OPERATION",
  /** UserAuthenticationExpiredError: the server says the user's JWT expired */
  UserAuthenticationExpired: "NATS_USER_AUTH_EXPIRED",
  /** AuthorizationError: the server refused the credentials */
  Authorization: "NATS_AUTHORIZATION",
  /** ClosedConnectionError */
  ClosedConnection: "NATS_CLOSED_CONNECTION",
  /** DrainingConnectionError */
  DrainingConnection: "NATS_DRAINING_CONNECTION",
  /** ConnectionError: dialing failed or the connection was lost (refused, reset, no servers, websocket closed...) */
  Connection: "NATS_CONNECTION",
  /** ConnectionError: TLS failed (handshake, certificate, TLS files), or the server and the `tls` option disagree */
  Tls: "NATS_TLS",
  /** ConnectionError: `noEcho` asked of a server that cannot do it */
  NoEchoNotSupported: "NATS_NO_ECHO_NOT_SUPPORTED",
  /** ConnectionError: the authenticator threw something that is not an Error (an Error it throws is passed on as it is) */
  AuthenticatorFailed: "NATS_AUTHENTICATOR_FAILED",
  /** ConnectionError: the server did not answer `maxPingOut` client PINGs */
  StaleConnection: "NATS_STALE_CONNECTION",
  /** ConnectionError: more than the `maxOutboundBytes` the user set wait to be written */
  OutboundFull: "NATS_OUTBOUND_FULL",
  /** ConnectionError: the server has stopped taking bytes while more are published (or at close) */
  OutboundStalled: "NATS_OUTBOUND_STALLED",
  /** ConnectionError: disconnected, and the message does not fit in the reconnect buffer */
  ReconnectBufferFull: "NATS_RECONNECT_BUFFER_FULL",
  /** ProtocolError: a server `-ERR` that is not one of the classes here (the message is the server's text) */
  Protocol: "NATS_PROTOCOL",
  /** ProtocolError: bytes from the server that are not the NATS protocol (the parser refused them, an INFO that is not JSON, an HTTP answer) */
  BadServerData: "NATS_BAD_SERVER_DATA",
  /** RequestError: a request failed; `cause` says why */
  Request: "NATS_REQUEST",
  /** TimeoutError */
  Timeout: "NATS_TIMEOUT",
  /** NoRespondersError: nobody is subscribed to the request's subject */
  NoResponders: "NATS_NO_RESPONDERS",
  /** PermissionViolationError: the server refused a publish or a subscription */
  PermissionViolation: "NATS_PERMISSION_VIOLATION",
} as const;
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** `ErrorOptions` with the code of a failure that shares its class with others. */
export interface NatsErrorOptions extends ErrorOptions {
  code?: ErrorCode;
}

/**
 * The base of every error here: `name` and the `instanceof` brand come from
 * the class's `brand` (not its JavaScript name, which a minifier may change),
 * `code` from the options or the class's `code`.
 */
class NatsError extends Error {
  static brand = "NatsError";
  static code: ErrorCode;
  readonly code: ErrorCode;
  constructor(message: string, options?: NatsErrorOptions) {
    super(message, options);
    const cls = new.target as typeof NatsError;
    this.name = cls.brand;
    this.code = options?.code ?? cls.code;
    addBrand(this, cls.brand);
    // enumerable, as 3.4's: JSON.stringify(err) in a log keeps the reason
    if (options?.cause !== undefined) {
      Object.defineProperty(this, "cause", { value: options.cause, enumerable: true, writable: true, configurable: true });
    }
  }
  static override [Symbol.hasInstance](v: unknown): boolean {
    return hasBrand(v, this.brand);
  }
}

/** A subject, reply subject or queue name that cannot be sent. */
export class InvalidSubjectError extends NatsError {
  static override brand = "InvalidSubjectError";
  static override code: ErrorCode = ErrorCode.InvalidSubject;
  constructor(subject: string, options?: ErrorOptions) {
    super(`illegal subject: '${subject}'`, options);
  }
}

/** An option or argument with a bad value. */
export class InvalidArgumentError extends NatsError {
  static override brand = "InvalidArgumentError";
  static override code: ErrorCode = ErrorCode.InvalidArgument;
  /** `format("timeout", "must be > 0")` gives `'timeout' must be > 0`. */
  static format(
    property: string | string[],
    message: string,
    options?: NatsErrorOptions,
  ): InvalidArgumentError {
    const props = Array.isArray(property)
      ? property.map((p) => `'${p}'`).join(",")
      : `'${property}'`;
    return new InvalidArgumentError(`${props} ${message}`, options);
  }
}

/**
 * A wrong-type argument where 3.4 throws a `TypeError` (same message): still
 * a TypeError, and also an InvalidArgumentError with its code, as Node's
 * `ERR_INVALID_ARG_TYPE` is a TypeError with a code.
 */
export function argumentTypeError(message: string): TypeError & { code: ErrorCode } {
  const err = new TypeError(message) as TypeError & { code: ErrorCode };
  err.code = ErrorCode.InvalidArgument;
  addBrand(err, InvalidArgumentError.brand);
  return err;
}

/**
 * A server entry that is no URL or host:port: 3.4's URL parser throws a
 * TypeError ("Invalid URL"); ours says what is wrong and is an
 * InvalidArgumentError too, so both checks hold.
 */
export function serverUrlError(message: string): TypeError & { code: ErrorCode } {
  return argumentTypeError(`'servers' ${message}`);
}

/** An operation that the object's state does not allow (e.g. iterating a callback subscription). */
export class InvalidOperationError extends NatsError {
  static override brand = "InvalidOperationError";
  static override code: ErrorCode = ErrorCode.InvalidOperation;
}

/** The server reported that the user's JWT expired. */
export class UserAuthenticationExpiredError extends NatsError {
  static override brand = "UserAuthenticationExpiredError";
  static override code: ErrorCode = ErrorCode.UserAuthenticationExpired;
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
  static override code: ErrorCode = ErrorCode.Authorization;
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
  static override code: ErrorCode = ErrorCode.ClosedConnection;
  constructor(options?: ErrorOptions) {
    super("closed connection", options);
  }
}

/** The connection is draining and no longer takes this operation. */
export class DrainingConnectionError extends NatsError {
  static override brand = "DrainingConnectionError";
  static override code: ErrorCode = ErrorCode.DrainingConnection;
  constructor(options?: ErrorOptions) {
    super("connection draining", options);
  }
}

/** Dialing or establishing a connection failed, or the connection cannot take a message (see `code`). */
export class ConnectionError extends NatsError {
  static override brand = "ConnectionError";
  static override code: ErrorCode = ErrorCode.Connection;
}

/** A server `-ERR`, or bytes from the server that break the protocol. */
export class ProtocolError extends NatsError {
  static override brand = "ProtocolError";
  static override code: ErrorCode = ErrorCode.Protocol;
}

/** A request failed; `cause` says why (NoRespondersError, PermissionViolationError, TimeoutError...). */
export class RequestError extends NatsError {
  static override brand = "RequestError";
  static override code: ErrorCode = ErrorCode.Request;
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
  static override code: ErrorCode = ErrorCode.Timeout;
  constructor(options?: ErrorOptions) {
    super("timeout", options);
  }
}

/** Nobody is subscribed to the request's subject (a 503 status reply). */
export class NoRespondersError extends NatsError {
  static override brand = "NoRespondersError";
  static override code: ErrorCode = ErrorCode.NoResponders;
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
  static override code: ErrorCode = ErrorCode.PermissionViolation;
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
 * either the 3.4 behaviour or the nats-core README's example recognises it.
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
