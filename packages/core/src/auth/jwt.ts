/**
 * JWT authentication: the user JWT, plus the nonce signed with the user's
 * seed. Without a seed the JWT is a bearer token. Both may be functions,
 * called on every connect.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Authenticator, JwtAuth } from "./authenticator.js";
import { signNonce } from "./nkey.js";

/** Authenticates with a user JWT and (unless it is a bearer token) the user's seed. */
export function jwtAuthenticator(
  jwt: string | (() => string),
  seed?: Uint8Array | (() => Uint8Array),
): Authenticator {
  return (nonce?: string): JwtAuth => {
    const token = typeof jwt === "function" ? jwt() : jwt;
    if (typeof token !== "string" || token === "") {
      throw InvalidArgumentError.format("jwt", "is required for JWT authentication");
    }
    const s = typeof seed === "function" ? seed() : seed;
    if (s === undefined) return { jwt: token };
    return { jwt: token, ...signNonce(s, nonce) };
  };
}
