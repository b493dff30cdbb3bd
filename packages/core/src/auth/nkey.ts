/**
 * NKey authentication: the server's nonce is signed with the user's Ed25519
 * seed (via @nats-io/nkeys; no cryptography of our own). The seed may be a
 * function, called on every connect, so rotated seeds are picked up.
 */
import { encode, fromSeed } from "@nats-io/nkeys";
import { InvalidArgumentError } from "../errors.js";
import type { Authenticator, NKeyAuth } from "./authenticator.js";

const te = new TextEncoder();

function bytesOf(v: Uint8Array | string | (() => Uint8Array | string) | undefined): Uint8Array | undefined {
  const r = typeof v === "function" ? v() : v;
  if (r === undefined) return undefined;
  return typeof r === "string" ? te.encode(r) : r;
}

/** Signs `nonce` with `seed`; returns the public key and the signature (standard base64). */
export function signNonce(seed: Uint8Array, nonce: string | undefined): NKeyAuth {
  let kp;
  try {
    // a copy: clear() below wipes the key pair's seed, and the caller's bytes must survive for the next connect
    kp = fromSeed(seed.slice());
  } catch (err) {
    // the nkeys error names the problem, never the seed
    throw new InvalidArgumentError(`invalid nkey seed: ${(err as Error).message}`);
  }
  try {
    const nkey = kp.getPublicKey();
    const sig = nonce ? encode(kp.sign(te.encode(nonce))) : "";
    return { nkey, sig };
  } finally {
    kp.clear();
  }
}

/** Authenticates with an nkey seed (`SU...`), or a function returning one. */
export function nkeyAuthenticator(seed?: Uint8Array | (() => Uint8Array)): Authenticator {
  return (nonce?: string): NKeyAuth => {
    const s = bytesOf(seed);
    if (s === undefined) throw InvalidArgumentError.format("seed", "is required for nkey authentication");
    return signNonce(s, nonce);
  };
}
