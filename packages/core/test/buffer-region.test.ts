// Where the writer's buffers come from while bytes queue: regions too large
// for the malloc heap, carved into buffers of one size.
import { it } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { BufferRegion, KEEP_BELOW, KeepBudget, REGION_SIZE } from "../src/transport/buffer-region.js";

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

it("leave() keeps a lightly used region, lets go of one used past KEEP_BELOW or that replaced another", () => {
  const r = new BufferRegion(SIZE);
  const a = r.carve();
  assert.equal(r.leave(), false, "lightly used: kept");
  const b = r.carve();
  assert.equal(b.buffer, a.buffer, "carving goes on in it");
  assert.equal(b.byteOffset, SIZE);
  for (let used = 2 * SIZE; used < KEEP_BELOW; used += SIZE) r.carve();
  assert.equal(r.leave(), true, "used past KEEP_BELOW: let go");
  const c = r.carve();
  assert.notEqual(c.buffer, a.buffer, "the next buffer starts a new region");
  assert.equal(c.byteOffset, 0);
  for (let k = 1; k < REGION_SIZE / SIZE; k++) r.carve();
  const d = r.carve();
  assert.notEqual(d.buffer, c.buffer, "a region used up is replaced");
  assert.equal(r.leave(), true, "a region that replaced another is let go, though lightly used: buffers of the old one may still be held");
  assert.equal(r.leave(), true, "with no region, nothing is kept");
});

/** A region with `buffers` buffers carved, then left: whether it was kept. */
function usedThenLeft(r: BufferRegion, buffers: number): boolean {
  for (let k = 0; k < buffers; k++) r.carve();
  return !r.leave();
}

it("the regions of all connections keep at most their budget together; a region in use again gives its share back", () => {
  const budget = new KeepBudget(2 * 4 * SIZE); // room for two regions of 4 buffers
  const [a, b, c] = [new BufferRegion(SIZE, budget), new BufferRegion(SIZE, budget), new BufferRegion(SIZE, budget)];
  assert.equal(usedThenLeft(a, 4), true, "first: kept");
  assert.equal(usedThenLeft(b, 4), true, "second: kept");
  assert.equal(budget.kept, 8 * SIZE);
  assert.equal(usedThenLeft(c, 4), false, "third: past the budget, let go");
  assert.equal(budget.kept, 8 * SIZE, "a region let go holds nothing of it");
  const first = a.carve();
  assert.equal(budget.kept, 4 * SIZE, "a kept region carving again is not idle: its share is given back");
  assert.equal(usedThenLeft(c, 4), true, "so the third has room now");
  assert.equal(a.leave(), true, "the first, grown to 5 buffers, no longer fits: let go");
  assert.equal(budget.kept, 8 * SIZE);
  assert.notEqual(a.carve().buffer, first.buffer, "the first starts a new region");
  assert.equal(b.leave(), false, "leaving twice counts its share once");
  assert.equal(budget.kept, 8 * SIZE);
});

it("a region collected while kept (its connection dropped without close) gives its share back", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const budget = new KeepBudget(KEEP_BELOW);
  (() => {
    const r = new BufferRegion(SIZE, budget);
    assert.equal(usedThenLeft(r, 2), true);
  })();
  assert.equal(budget.kept, 2 * SIZE);
  // FinalizationRegistry callbacks run in a later task, after the collection
  for (let k = 0; k < 50 && budget.kept !== 0; k++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(budget.kept, 0, "the share came back");
});
