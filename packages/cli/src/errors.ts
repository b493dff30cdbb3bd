/**
 * Exit codes and the one place where library errors become human messages.
 * Every message says what failed, where, and the likely fix, in the style of
 * the Go `nats` tool (`nats: error: no servers available for connection`).
 */
import {
  AuthorizationError,
  ConnectionError,
  ErrorCode,
  InvalidArgumentError,
  InvalidSubjectError,
  NoRespondersError,
  PermissionViolationError,
  RequestError,
  TimeoutError,
  UserAuthenticationExpiredError,
} from "@quicknats/node";
import { formatDuration } from "./format.js";

/** Documented exit codes (README "Exit codes"); scripts may rely on them. */
export const ExitCode = {
  OK: 0,
  /** anything not listed below */
  Error: 1,
  /** bad command line: unknown command or flag, missing argument, bad value */
  Usage: 2,
  /** cannot connect to (or lost the connection to) the server */
  Connection: 3,
  /** a request found nobody subscribed to its subject */
  NoResponders: 4,
  /** a request (or a bench) got no answer in time */
  Timeout: 5,
  /** the server lacks a feature the command needs (headers) */
  NotSupported: 6,
  /** the server refused the credentials, or a publish/subscribe permission */
  Permission: 7,
} as const;
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/** An error with its exit code and message ready for the user. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
  }
}

/** A bad command line; printed with the command's usage line. */
export class UsageError extends CliError {
  constructor(message: string, readonly command?: string) {
    super(message, ExitCode.Usage);
    this.name = "UsageError";
  }
}

/** What the command was doing when the error happened, for the message. */
export interface ErrorContext {
  /** the servers given, as shown to the user (credentials removed) */
  servers?: string;
  /** the subject of the request, publish or subscription */
  subject?: string;
  /** the timeout in effect, ms */
  timeout?: number;
  /** "connect" while dialing, "request" while waiting for replies */
  phase?: "connect" | "request" | "run";
}

/** The server lacks a feature the command needs. */
const NOT_SUPPORTED: ReadonlySet<unknown> = new Set([ErrorCode.HeadersNotSupported, ErrorCode.NoEchoNotSupported]);

function isNoResponders(err: unknown): boolean {
  return err instanceof NoRespondersError ||
    (err instanceof RequestError && err.cause instanceof NoRespondersError);
}

function isTimeout(err: unknown): boolean {
  return err instanceof TimeoutError || (err instanceof RequestError && err.cause instanceof TimeoutError);
}

/** A connection error in words, and the likely fix. */
function connectProblem(err: Error): { reason: string; hint: string } {
  const cause = err.cause as (NodeJS.ErrnoException & Error) | undefined;
  const server = "is nats-server running? set --server or NATS_URL";
  switch (cause?.code) {
    case "ECONNREFUSED":
      return { reason: "connection refused", hint: server };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { reason: "host not found", hint: "check the host name in --server or NATS_URL" };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { reason: "host unreachable", hint: server };
    case "ECONNRESET":
      return { reason: "connection reset by the server", hint: server };
    case "ETIMEDOUT":
      return { reason: "timed out", hint: server };
  }
  const code = (err as { code?: unknown }).code;
  if (code === ErrorCode.AuthenticatorFailed) {
    return { reason: cause ? `${err.message}: ${cause.message}` : err.message, hint: "check the --creds or --nkey file" };
  }
  if (code === ErrorCode.Tls) {
    return { reason: err.message, hint: "check --tlsca, --tlscert and --tlskey, and tls:// in --server" };
  }
  // a system error's own words: the library's message around them repeats the address we print anyway
  const reason = typeof cause?.syscall === "string" ? cause.message : err.message;
  return { reason, hint: server };
}

/** Maps any error to the message and exit code shown to the user. */
export function describeError(err: unknown, ctx: ErrorContext = {}): CliError {
  if (err instanceof CliError) return err;
  const where = ctx.servers ?? "the server";
  const subject = ctx.subject !== undefined ? ` on "${ctx.subject}"` : "";
  const e = err instanceof Error ? err : new Error(String(err));

  if (NOT_SUPPORTED.has((e as { code?: unknown }).code)) {
    const prefix = ctx.phase === "connect" ? `cannot connect to ${where}: ` : "";
    return new CliError(`${prefix}${e.message}`, ExitCode.NotSupported, { cause: e });
  }
  if (isNoResponders(e)) {
    return new CliError(
      `no responders${subject}: nobody is subscribed to that subject — start a service (e.g. quicknats reply ${ctx.subject ?? "SUBJECT"} BODY) or check the subject`,
      ExitCode.NoResponders,
      { cause: e },
    );
  }
  if (e instanceof UserAuthenticationExpiredError || e instanceof AuthorizationError) {
    return new CliError(
      `${ctx.phase === "connect" ? `cannot connect to ${where}: ` : ""}${e.message.toLowerCase()} — check --user/--password or --token (or NATS_USER, NATS_PASSWORD, NATS_TOKEN)`,
      ExitCode.Permission,
      { cause: e },
    );
  }
  if (e instanceof PermissionViolationError) {
    return new CliError(
      `permission denied: the server does not allow this user to ${e.operation === "publish" ? "publish to" : "subscribe to"} "${e.subject}" — check the user's permissions`,
      ExitCode.Permission,
      { cause: e },
    );
  }
  if (e instanceof RequestError && e.cause instanceof PermissionViolationError) {
    return describeError(e.cause, ctx);
  }
  if (isTimeout(e)) {
    const after = ctx.timeout !== undefined ? ` after ${formatDuration(ctx.timeout)}` : "";
    if (ctx.phase === "connect") {
      return new CliError(
        `cannot connect to ${where}: timed out${after} — is the server reachable? set --server or NATS_URL, or raise --timeout`,
        ExitCode.Connection,
        { cause: e },
      );
    }
    return new CliError(
      `request${subject} timed out${after}: a responder is subscribed but did not answer in time — raise --timeout or check the service`,
      ExitCode.Timeout,
      { cause: e },
    );
  }
  if (e instanceof ConnectionError) {
    const { reason, hint } = connectProblem(e);
    if (ctx.phase === "connect") {
      const code = e.code === ErrorCode.AuthenticatorFailed ? ExitCode.Permission : ExitCode.Connection;
      return new CliError(`cannot connect to ${where}: ${reason} — ${hint}`, code, { cause: e });
    }
    return new CliError(`connection to ${where} lost: ${reason}`, ExitCode.Connection, { cause: e });
  }
  if (e instanceof InvalidSubjectError || e instanceof InvalidArgumentError) {
    return new CliError(e.message, ExitCode.Usage, { cause: e });
  }
  return new CliError(e.message || String(e), ExitCode.Error, { cause: e });
}
