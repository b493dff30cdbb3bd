// Where the writer's buffers come from while bytes queue: regions too large
// for the malloc heap, carved into buffers of one size.
import { it } from "node:test";
import assert from "node:assert/strict";
import { BufferRegion, REGION_SIZE } from "../src/transport/buffer-region.js";

const SIZE = 256 * 1024;

it("carves zeroed buffers of one size, side by side on one region, and starts another when it is used up", () => {
  const r = new BufferRegion(SIZE);
  const per = REGION_SIZE / SIZE;
  const bufs = Array.from({ length: per + 1 }, () => r.carve());
  for (const b of bufs) {
    assert.equal(b.length, SIZE);
    assert.notEqual(b.byteLength, b.buffer.byteLength, "not an ArrayBuffer of its own");
  }
  for (let k = 0; k < per; k++) {
    assert.equal(bufs[k]!.buffer, bufs[0]!.buffer, `buffer ${k} on the first region`);
    assert.equal(bufs[k]!.byteOffset, k * SIZE, "no overlap, no gap");
  }
  assert.notEqual(bufs[per]!.buffer, bufs[0]!.buffer, "a new region once the first is used up");
  assert.equal(bufs[per]!.byteOffset, 0);
  bufs[0]!.fill(7);
  assert.ok(bufs[1]!.every((x) => x === 0), "writing one buffer leaves its neighbour alone");
});

it("after leave(), the next buffer starts a new region", () => {
  const r = new BufferRegion(SIZE);
  const a = r.carve();
  r.leave();
  const b = r.carve();
  assert.notEqual(a.buffer, b.buffer);
  assert.equal(b.byteOffset, 0);
});
