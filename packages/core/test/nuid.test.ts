// NUIDs: the sequence part is the base-62 number it stands for (checked
// against BigInt arithmetic at every sequence fast-check makes, and at the
// edges of the two 5-digit halves next() splits it into), ids are 22
// characters of the alphabet, unique, and a sequence past 62^10 starts a new
// prefix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Nuid } from "../src/nuid.js";

const DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HALF = 62 ** 5;

/** `n` as 10 base-62 digits, the slow and obviously right way. */
function reference(n: number): string {
  let v = BigInt(n);
  let s = "";
  for (let i = 0; i < 10; i++) {
    s = DIGITS[Number(v % 62n)] + s;
    v /= 62n;
  }
  return s;
}

/** The id a Nuid gives when its sequence is at `seq` and does not advance. */
function idAt(seq: number): string {
  const n = new Nuid() as unknown as { prefix: string; seq: number; inc: number; next(): string };
  n.prefix = "";
  n.seq = seq;
  n.inc = 0;
  return n.next();
}

describe("nuid", () => {
  it("the sequence digits are the sequence in base 62, at the edges of each half", () => {
    const edges = [0, 1, 61, 62, 63, HALF - 1, HALF, HALF + 1, 2 * HALF - 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 48 - 1, 2 ** 48 + 333];
    for (let k = 1; k < 6; k++) edges.push(HALF * 62 ** k - 1, HALF * 62 ** k, HALF * 62 ** k + 1);
    for (const seq of edges.filter((s) => s < Number.MAX_SAFE_INTEGER)) {
      assert.equal(idAt(seq), reference(seq), `seq ${seq}`);
    }
  });

  it("the sequence digits are the sequence in base 62, at every sequence below 2^53", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        assert.equal(idAt(seq), reference(seq));
      }),
      { numRuns: 20_000 },
    );
  });

  it("ids are 22 characters of the alphabet, unique, with one prefix per instance", () => {
    const n = new Nuid();
    const seen = new Set<string>();
    const prefix = n.next().slice(0, 12);
    for (let i = 0; i < 100_000; i++) {
      const id = n.next();
      assert.match(id, /^[0-9A-Za-z]{22}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 100_000);
    assert.ok([...seen].every((id) => id.startsWith(prefix)));
    assert.notEqual(new Nuid().next().slice(0, 12), prefix, "another instance, another prefix");
  });

  it("a sequence that reaches 62^10 starts a new prefix and sequence", () => {
    const n = new Nuid() as unknown as { prefix: string; seq: number; inc: number; next(): string };
    const before = n.prefix;
    n.seq = 62 ** 10;
    n.inc = 0;
    const id = n.next();
    assert.notEqual(id.slice(0, 12), before);
    assert.ok(n.seq < 2 ** 48, `a new sequence below 2^48, got ${n.seq}`);
    assert.equal(id.slice(12), reference(n.seq));
  });
});
