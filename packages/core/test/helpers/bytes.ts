/** Byte strings for the parser's tests. */
const te = new TextEncoder();

/** The parts end to end in one new array; strings as UTF-8. */
export function concatBytes(parts: ReadonlyArray<string | Uint8Array>): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? te.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let off = 0;
  for (const a of arrays) {
    out.set(a, off);
    off += a.length;
  }
  return out;
}
