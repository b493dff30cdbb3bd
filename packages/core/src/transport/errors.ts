/**
 * The errors of the socket transports (Node, Deno), in one wording: each
 * transport tells what its runtime gives (an errno code, a message, which TLS
 * check failed) and these build the ConnectionError, so a failure reads the
 * same on every runtime.
 */
import { ConnectionError, ErrorCode } from "../errors.js";
import type { DialTarget } from "./transport.js";

/** `host:port` of a dial, for messages. */
export function where(t: DialTarget): string {
  return `${t.hostname}:${t.port}`;
}

/**
 * A failed dial. `errno` is the POSIX name of the failure where the runtime
 * gives one (`ECONNREFUSED`, `ENOTFOUND`, ...); `message` the runtime's words.
 */
export function dialError(target: DialTarget, errno: string | undefined, message: string, cause: unknown): ConnectionError {
  switch (errno) {
    case "ECONNREFUSED":
      return new ConnectionError("connection refused", { cause });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConnectionError(`cannot resolve host '${target.hostname}'`, { cause });
    default:
      return new ConnectionError(`cannot connect to ${where(target)}: ${message}`, { cause });
  }
}

/** An open connection that failed (reset, broken pipe...). */
export function lostError(message: string, cause: unknown): ConnectionError {
  return new ConnectionError(`connection error: ${message}`, { cause });
}

/** Which check of a TLS handshake failed, where the runtime says so. */
export type TlsFailure = "name" | "untrusted" | "client-certificate" | undefined;

/** A failed TLS handshake, with the reason in words; `code` is the runtime's error code, if any, shown in parentheses. */
export function tlsError(
  target: DialTarget,
  failure: TlsFailure,
  message: string,
  cause: unknown,
  code?: string,
): ConnectionError {
  const why = failure === "name"
    ? `the server certificate is not valid for '${target.tlsName}': ${message}`
    : failure === "untrusted"
    ? `the server certificate is not trusted: ${message}`
    : failure === "client-certificate"
    ? "the server refused our client certificate (set tls.certFile/keyFile, or check that the server trusts its CA)"
    : message;
  return new ConnectionError(`TLS handshake with ${where(target)} failed: ${why}${code ? ` (${code})` : ""}`, tlsCode(cause));
}

/** A TLS file (`caFile`, `certFile`, `keyFile`) that cannot be read. */
export function tlsFileError(what: "CA" | "certificate" | "key", file: string, message: string, cause: unknown): ConnectionError {
  return new ConnectionError(`cannot read the TLS ${what} file '${file}': ${message}`, tlsCode(cause));
}

/** Another TLS problem of a transport, in its own words. */
export function tlsProblem(message: string): ConnectionError {
  return new ConnectionError(message, tlsCode(undefined));
}

/** The socket went away before the TLS upgrade could start. */
export function closedBeforeTls(target: DialTarget): ConnectionError {
  return new ConnectionError(`connection to ${where(target)} closed before TLS`);
}

function tlsCode(cause: unknown): { code: ErrorCode; cause?: unknown } {
  return cause === undefined ? { code: ErrorCode.Tls } : { code: ErrorCode.Tls, cause };
}
