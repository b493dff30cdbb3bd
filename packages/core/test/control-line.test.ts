/**
 * The control-line length checks against what the encoder really writes
 * (fast-check, fixed seed): the counted length of the arguments equals the
 * bytes between `OP ` and CRLF of the frame OutboundBuffer produces, and the
 * one-comparison fast path never lets a line through that is too long.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DEFAULT_MAX_CONTROL_LINE,
  pubArgsLength,
  subArgsLength,
  unitsThatAlwaysFit,
  utf8Length,
} from "../src/protocol/control-line.js";
import { OutboundBuffer } from "../src/protocol/encoder.js";

const te = new TextEncoder();
const SEED = 0x6c696e65; // "line"
const LF = 10;

/** Bytes of the first control line in `frame` after its op and space, before CRLF. */
function argsOf(frame: Uint8Array, op: string): number {
  const lf = frame.indexOf(LF);
  return lf - 1 - (op.length + 1);
}

/** Strings of any UTF-16 units, lone surrogates included. */
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
/** Subject-like tokens: printable, multi-byte and astral characters, no space or control. */
const token = fc.string({ unit: fc.constantFrom("a", "Z", "9", "-", "é", "日", "😀"), minLength: 1, maxLength: 30 });

describe("control line lengths", () => {
  it("utf8Length is TextEncoder's length, lone surrogates included", () => {
    fc.assert(fc.property(anyString, (s) => utf8Length(s) === te.encode(s).length), { seed: SEED, numRuns: 3000 });
    assert.equal(utf8Length("\ud800"), 3);
    assert.equal(utf8Length("\ud83d\ude00"), 4);
    assert.equal(utf8Length("\ude00\ud83d"), 6);
  });

  it("pubArgsLength and subArgsLength count exactly what the encoder writes", () => {
    fc.assert(
      fc.property(
        token,
        fc.option(token, { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (subject, reply, hdrLen, dataLen, sid) => {
          const out = new OutboundBuffer(256);
          const headers = hdrLen === undefined ? undefined : new Uint8Array(hdrLen);
          const size = out.pub(subject, reply, headers, new Uint8Array(dataLen));
          const pub = out.take();
          assert.equal(pubArgsLength(subject, reply, hdrLen, size), argsOf(pub, headers ? "HPUB" : "PUB"));
          out.sub(subject, reply, sid);
          assert.equal(subArgsLength(subject, reply, sid), argsOf(out.take(), "SUB"));
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("below unitsThatAlwaysFit, no line can be too long, whatever the sizes", () => {
    for (const max of [DEFAULT_MAX_CONTROL_LINE, 1024, 65536]) {
      const units = unitsThatAlwaysFit(max);
      const worst = "日".repeat(units - 1);
      const big = 2 ** 53 - 1;
      assert.ok(pubArgsLength(worst, "日", big, big) <= max, `max ${max}`);
      assert.ok(subArgsLength(worst, "日", big) <= max, `max ${max}`);
      // and it is not needlessly small: 3 bytes a unit plus the numbers is the worst case
      assert.ok(pubArgsLength("日".repeat(units + 11), undefined, big, big) > max, `max ${max}`);
    }
  });
});
