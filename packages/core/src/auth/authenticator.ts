/**
 * Authenticators produce the credential fields of the CONNECT message. They
 * are called on every connect with the server's nonce, so a function that
 * returns fresh values (rotated credentials) is honoured each time.
 */
import { InvalidArgumentError } from "../errors.js";

export type { Auth, Authenticator, JwtAuth, NKeyAuth, NoAuth, TokenAuth, UserPass } from "../types.js";
import type { Auth, Authenticator, TokenAuth, UserPass } from "../types.js";

/**
 * The CONNECT fields an authenticator may set, the only ones copied into
 * CONNECT; `true` for those whose value the debug trace never shows (all but
 * the user name: the nkey is public, but it names the user's key).
 */
export const AUTH_FIELDS: Readonly<Record<string, boolean>> = {
  user: false,
  pass: true,
  auth_token: true,
  nkey: true,
  sig: true,
  jwt: true,
};

function valueOf(v: string | (() => string)): string {
  return typeof v === "function" ? v() : v;
}

/** user/password credentials; either may be a function called on each connect. */
export function usernamePasswordAuthenticator(
  user: string | (() => string),
  pass?: string | (() => string),
): Authenticator {
  return (): UserPass => {
    const auth: UserPass = { user: valueOf(user) };
    if (pass !== undefined) auth.pass = valueOf(pass);
    return auth;
  };
}

/** token credentials; `token` may be a function called on each connect. */
export function tokenAuthenticator(token: string | (() => string)): Authenticator {
  return (): TokenAuth => ({ auth_token: valueOf(token) });
}

/** One authenticator that merges the results of several (later ones win). */
export function multiAuthenticator(authenticators: Authenticator[]): Authenticator {
  return (nonce?: string): Auth => {
    const merged: Record<string, unknown> = {};
    for (const a of authenticators) Object.assign(merged, a(nonce) ?? {});
    return merged as unknown as Auth;
  };
}

/** The options an authenticator is built from. */
export interface AuthOptions {
  authenticator?: Authenticator | Authenticator[];
  user?: string;
  pass?: string;
  token?: string;
}

/**
 * The authenticator of the `authenticator`, `user`/`pass` and `token`
 * options; without any, one that sends no credentials (as 3.4's).
 */
export function buildAuthenticator(opts: AuthOptions): Authenticator {
  return authenticatorOf(opts) ?? noAuth;
}

const noAuth: Authenticator = () => undefined;

/**
 * The connection's authenticator from the `authenticator`, `user`/`pass`
 * and `token` options, or undefined when none is set (CONNECT then carries
 * no credential fields at all).
 */
export function authenticatorOf(opts: AuthOptions): Authenticator | undefined {
  const list: Authenticator[] = [];
  const given = opts.authenticator;
  // false, "", 0 and null are not given: `authenticator: useCreds && credsAuthenticator(...)` (3.4 ignores them)
  if (given) {
    for (const a of Array.isArray(given) ? given : [given]) {
      if (!a) continue;
      if (typeof a !== "function") {
        throw InvalidArgumentError.format("authenticator", "must be a function or an array of functions");
      }
      list.push(a);
    }
  }
  if (opts.user !== undefined) list.push(usernamePasswordAuthenticator(opts.user, opts.pass));
  if (opts.token !== undefined) list.push(tokenAuthenticator(opts.token));
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : multiAuthenticator(list);
}
