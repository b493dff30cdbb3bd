/**
 * Credentials in a server URL: `nats://alice:s3cret@host:4222` (a user and
 * password) or `nats://t0ken@host:4222` (a token), read as nats.go reads them.
 * They are used for that server's CONNECT in place of the `user`/`pass`/
 * `token` options, and servers the cluster gossips while connected to it
 * inherit them. The official JS client ignores them (and sends none), so a
 * URL taken from a nats.go configuration connects either way. The address
 * kept (`src` in `getServers()`, every error and trace) has them removed.
 */
import { InvalidArgumentError } from "../errors.js";
import type { TokenAuth, UserPass } from "../types.js";

/**
 * A URL's credentials, held privately: inspecting or serialising a server,
 * the pool or the parsed options never shows them.
 */
export class UrlCredentials {
  readonly #fields: UserPass | TokenAuth;

  constructor(fields: UserPass | TokenAuth) {
    this.#fields = fields;
  }

  /** The CONNECT fields: `user` and `pass`, or `auth_token`. */
  fields(): UserPass | TokenAuth {
    return { ...this.#fields };
  }
}

/** A server address split into its credentials and the rest (`host:port/path`). */
export interface Userinfo {
  /** the address without `userinfo@` */
  rest: string;
  credentials?: UrlCredentials;
}

/**
 * Splits `userinfo@` off `hostPart` (what follows `scheme://`): up to the
 * last `@` before the path. Percent-encoded characters are decoded
 * (`p%40ss` is `p@ss`). Errors never quote the credentials.
 * @throws InvalidArgumentError for an empty user or bad percent-encoding
 */
export function splitUserinfo(hostPart: string): Userinfo {
  const pathAt = hostPart.search(/[/?#]/);
  const authority = pathAt === -1 ? hostPart : hostPart.slice(0, pathAt);
  const at = authority.lastIndexOf("@");
  if (at === -1) return { rest: hostPart };
  const userinfo = authority.slice(0, at);
  const rest = hostPart.slice(at + 1);
  const colon = userinfo.indexOf(":");
  const name = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  if (name === "") throw InvalidArgumentError.format("servers", "has credentials with an empty user or token");
  const fields = colon === -1 ? { auth_token: name } : { user: name, pass: decode(userinfo.slice(colon + 1)) };
  return { rest, credentials: new UrlCredentials(fields) };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw InvalidArgumentError.format("servers", "has credentials that are not valid percent-encoding");
  }
}
