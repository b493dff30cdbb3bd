/**
 * The decisions of the handshake, as pure functions: whether to upgrade to
 * TLS after INFO, and what CONNECT says.
 */
import type { ServerInfo } from "../types.js";
import { AUTH_FIELDS } from "../auth/authenticator.js";
import type { UrlCredentials } from "../auth/url-credentials.js";
import { ConnectionError, ErrorCode } from "../errors.js";
import type { ParsedOptions } from "./options.js";

const TLS = { code: ErrorCode.Tls };

/**
 * What to do about TLS, given the server's INFO and the `tls` option (the
 * official client's rules): an object requires TLS, null never upgrades,
 * undefined upgrades when the server requires or offers it.
 */
export function tlsDecision(
  info: ServerInfo,
  tls: ParsedOptions["tls"],
  encrypted: boolean,
  server: string,
): "plain" | "upgrade" | ConnectionError {
  if (encrypted) return "plain";
  if (tls && !info.tls_required && !info.tls_available) {
    return new ConnectionError(`server ${server} does not support 'tls'`, TLS);
  }
  if (tls === null && info.tls_required) {
    return new ConnectionError(`server ${server} requires TLS, and the 'tls' option is null`, TLS);
  }
  return info.tls_required || (tls !== null && info.tls_available === true) ? "upgrade" : "plain";
}

/**
 * The CONNECT object. Throws ConnectionError if the server cannot do what the
 * options ask; an authenticator that throws makes this throw its error as it
 * is (as 3.4 does: `connect()` rejects with it).
 */
export function connectFields(
  opts: ParsedOptions,
  info: ServerInfo,
  client: { lang: string; version: string },
  urlCredentials?: UrlCredentials,
): Record<string, unknown> {
  if (opts.noEcho && (info.proto ?? 0) < 1) {
    throw new ConnectionError("server does not support 'noEcho'", { code: ErrorCode.NoEchoNotSupported });
  }
  const connect: Record<string, unknown> = {
    protocol: 1,
    version: client.version,
    lang: client.lang,
    verbose: opts.verbose,
    pedantic: opts.pedantic,
  };
  if (opts.tls) connect.tls_required = true;
  if (opts.noEcho) connect.echo = false;
  if (opts.name !== undefined) connect.name = opts.name;
  if (info.headers) {
    connect.headers = true;
    connect.no_responders = true;
  }
  if (opts.authenticator) {
    let auth: Record<string, unknown>;
    try {
      auth = (opts.authenticator(info.nonce) ?? {}) as Record<string, unknown>;
    } catch (err) {
      // the user's own error (its message is the user's text), or ours, which never hold a secret
      if (err instanceof Error) throw err;
      // a thrown non-Error is kept as the cause only: nothing says what it holds
      throw new ConnectionError(`the authenticator failed: it threw a ${typeof err}, not an Error`, { cause: err, code: ErrorCode.AuthenticatorFailed });
    }
    // only the credential fields: an authenticator cannot change the rest of CONNECT
    for (const f in AUTH_FIELDS) {
      if (auth[f] !== undefined) connect[f] = auth[f];
    }
  }
  if (urlCredentials) {
    // the server URL's user and password, or token, in place of the options' (as nats.go)
    delete connect.user;
    delete connect.pass;
    delete connect.auth_token;
    Object.assign(connect, urlCredentials.fields());
  }
  return connect;
}
