/**
 * The `nkeys` namespace of the official API, behind a named re-export: a
 * bundle that does not use it leaves @nats-io/nkeys (and tweetnacl) out,
 * which `export * as` from a CommonJS module does not allow.
 */
import * as nkeys from "@nats-io/nkeys";

export { nkeys };
