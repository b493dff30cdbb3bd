// @nats-io/obj 3.4, unchanged, on a quicknats connection and on the official
// transport: a ~1 MiB object in and out (chunks, digest), list, info, delete,
// watch.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { type ObjectInfo, type ObjectStore, Objm } from "@nats-io/obj";
import { eventually, within } from "../helpers/wait.js";
import { CLIENTS, startJetStream, suiteConnection } from "./clients.js";

const SIZE = 1024 * 1024 + 12_345; // not a multiple of the 128 KiB chunk

/** `bytes` as a stream of uneven pieces, as a file or socket would give them. */
function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  let pos = 0;
  return new ReadableStream({
    pull(controller) {
      if (pos >= bytes.length) {
        controller.close();
        return;
      }
      const n = 50_000 + (pos % 7) * 1000;
      controller.enqueue(bytes.subarray(pos, pos + n));
      pos += n;
    },
  });
}

async function readAll(rs: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = rs.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

for (const client of CLIENTS) {
  describe(`object store on ${client.name}`, () => {
    let os: ObjectStore;
    const big = new Uint8Array(randomBytes(SIZE));
    const suite = suiteConnection(client, startJetStream, {
      async setup(nc) {
        os = await new Objm(nc).create("files");
      },
    });

    it("put and get of ~1 MiB: same bytes, size, chunk count and digest check", async () => {
      const info = await within(os.put({ name: "big.bin", description: "random" }, streamOf(big)), 20_000, "put()");
      assert.equal(info.size, SIZE);
      assert.equal(info.chunks, Math.ceil(SIZE / (128 * 1024)));
      assert.equal(info.description, "random");
      const r = await os.get("big.bin");
      assert.ok(r);
      const got = await within(readAll(r.data), 20_000, "reading the object");
      assert.equal(got.length, SIZE);
      assert.equal(sha(got), sha(big));
      assert.equal(await r.error, undefined, "the library's digest check passed");
      const blob = await os.getBlob("big.bin");
      assert.equal(blob && sha(blob), sha(big));
    });

    it("small blobs, info, list and delete", async () => {
      await os.putBlob({ name: "a.txt" }, new TextEncoder().encode("hello"));
      await os.putBlob({ name: "empty" }, new Uint8Array(0));
      const a = await os.info("a.txt");
      assert.equal(a?.size, 5);
      assert.equal(a?.chunks, 1);
      assert.equal((await os.getBlob("empty"))?.length, 0);
      const names = (await os.list()).map((o) => o.name).sort();
      assert.deepEqual(names, ["a.txt", "big.bin", "empty"]);
      await os.delete("a.txt");
      assert.equal((await os.info("a.txt"))?.deleted, true);
      assert.equal(await os.get("a.txt"), null);
      assert.deepEqual((await os.list()).map((o) => o.name).sort(), ["big.bin", "empty"]);
      assert.equal(await os.info("never.there"), null);
    });

    it("watch: puts and deletes as they happen", async () => {
      const w = await new Objm(suite.nc).create("watched");
      const iter = await w.watch();
      const seen: Array<[string, boolean]> = [];
      const loop = (async () => {
        for await (const oi of iter as AsyncIterable<ObjectInfo | null>) {
          if (oi === null) continue;
          seen.push([oi.name, oi.deleted]);
          if (seen.length === 3) break;
        }
      })();
      await w.putBlob({ name: "one" }, new Uint8Array([1]));
      await eventually(() => seen.length >= 1, 10_000, "the first put");
      await w.putBlob({ name: "two" }, new Uint8Array([2]));
      await w.delete("one");
      await within(loop, 10_000, "the watch loop");
      assert.deepEqual(seen, [["one", false], ["two", false], ["one", true]]);
    });

    it("status of the store", async () => {
      const st = await os.status();
      assert.equal(st.bucket, "files");
      assert.ok(st.size > SIZE, `size ${st.size}`);
    });
  });
}
