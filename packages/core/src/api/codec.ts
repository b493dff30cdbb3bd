/**
 * The v2 codecs. v3 keeps only the `Codec` type, but the nats-core README's
 * request example still calls `StringCodec()`, so both are here for code
 * written that way.
 */

export interface Codec<T> {
  encode(d: T): Uint8Array;
  decode(a: Uint8Array): T;
}

const te = new TextEncoder();
const td = new TextDecoder();

/** UTF-8 strings to and from bytes. */
export function StringCodec(): Codec<string> {
  return {
    encode: (s: string) => te.encode(s),
    decode: (a: Uint8Array) => td.decode(a),
  };
}

/** JSON values to and from bytes. */
export function JSONCodec<T = unknown>(reviver?: (key: string, value: unknown) => unknown): Codec<T> {
  return {
    encode: (d: T) => te.encode(JSON.stringify(d)),
    decode: (a: Uint8Array) => JSON.parse(td.decode(a), reviver) as T,
  };
}
