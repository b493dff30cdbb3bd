/**
 * `.creds` files: a user JWT block and a user seed block, as written by nsc.
 * Parsing is strict (both blocks, each delimited, each a single token of the
 * expected shape) and its errors never contain the file's secrets.
 */
import { InvalidArgumentError } from "../errors.js";
import type { Authenticator, JwtAuth } from "./authenticator.js";
import { jwtAuthenticator } from "./jwt.js";

const td = new TextDecoder();
const te = new TextEncoder();

export interface Credentials {
  jwt: string;
  seed: Uint8Array;
}

/** The text between a `-----BEGIN <what>-----` line and the next `------END <what>------` line, trimmed. */
function block(text: string, what: string): string | undefined {
  const begin = new RegExp(`-{3,}\\s*BEGIN ${what}\\s*-{3,}[^\\S\\n]*\\r?\\n`, "i");
  const b = begin.exec(text);
  if (!b) return undefined;
  const rest = text.slice(b.index + b[0].length);
  const end = new RegExp(`\\r?\\n[^\\S\\n]*-{3,}\\s*END ${what}\\s*-{3,}`, "i").exec(rest);
  if (!end) return undefined;
  return rest.slice(0, end.index).trim();
}

function credsError(why: string): InvalidArgumentError {
  return new InvalidArgumentError(`unable to parse credentials: ${why}`);
}

/** Parses a .creds file. */
export function parseCreds(creds: Uint8Array | string): Credentials {
  const text = typeof creds === "string" ? creds : td.decode(creds);
  const jwt = block(text, "NATS USER JWT");
  if (jwt === undefined) throw credsError("no delimited 'NATS USER JWT' block");
  // a JWT is three base64url parts separated by dots
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jwt)) {
    throw credsError("the 'NATS USER JWT' block does not hold a JWT");
  }
  const seed = block(text, "USER NKEY SEED");
  if (seed === undefined) throw credsError("no delimited 'USER NKEY SEED' block");
  if (!/^SU[A-Z2-7]+$/.test(seed)) {
    throw credsError("the 'USER NKEY SEED' block does not hold a user seed (SU...)");
  }
  return { jwt, seed: te.encode(seed) };
}

/** Authenticates with the contents of a .creds file, or a function returning them (read again on every connect). */
export function credsAuthenticator(creds: Uint8Array | (() => Uint8Array)): Authenticator {
  return (nonce?: string): JwtAuth => {
    const c = parseCreds(typeof creds === "function" ? creds() : creds);
    return jwtAuthenticator(c.jwt, c.seed)(nonce) as JwtAuth;
  };
}
