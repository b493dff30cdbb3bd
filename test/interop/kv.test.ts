// @nats-io/kv 3.4, unchanged, on a quicknats connection and on the official
// transport: put/get, delete, purge, history, keys, watch, compare-and-set.
// Keys, watch and history create consumers whose filter subject travels in the
// request subject (`$JS.API.CONSUMER.CREATE.KV_b.<name>.$KV.b.>`).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { type KV, type KvWatchEntry, Kvm } from "@nats-io/kv";
import { eventually, rejection, within } from "../helpers/wait.js";
import { all, CLIENTS, startJetStream, suiteConnection } from "./clients.js";

for (const client of CLIENTS) {
  describe(`kv on ${client.name}`, () => {
    let kvm: Kvm;
    let kv: KV;
    suiteConnection(client, startJetStream, {
      async setup(nc) {
        kvm = new Kvm(nc);
        kv = await kvm.create("config", { history: 5 });
      },
    });

    it("put and get: value, revision, operation", async () => {
      const r1 = await kv.put("app.name", "quick");
      const r2 = await kv.put("app.name", "quicker");
      assert.equal(r2, r1 + 1);
      const e = await kv.get("app.name");
      assert.ok(e);
      assert.equal(e.string(), "quicker");
      assert.equal(e.revision, r2);
      assert.equal(e.operation, "PUT");
      assert.equal(e.key, "app.name");
      assert.equal(e.bucket, "config");
      const old = await kv.get("app.name", { revision: r1 });
      assert.equal(old?.string(), "quick");
      assert.equal(await kv.get("missing.key"), null);
      await kv.put("app.json", JSON.stringify({ a: 1 }));
      assert.deepEqual((await kv.get("app.json"))?.json(), { a: 1 });
    });

    it("delete and purge: get reports the operation; history keeps what purge leaves", async () => {
      await kv.put("gone.soon", "v1");
      await kv.put("gone.soon", "v2");
      await kv.delete("gone.soon");
      const del = await kv.get("gone.soon");
      assert.equal(del?.operation, "DEL");
      assert.equal(del?.length, 0);
      await kv.purge("gone.soon");
      const purged = await kv.get("gone.soon");
      assert.equal(purged?.operation, "PURGE");
      const hist = (await all(kv.history({ key: "gone.soon" }), "history()")).map((e) => e.operation);
      assert.deepEqual(hist, ["PURGE"]);
    });

    it("history: every revision of a key, in order", async () => {
      for (const v of ["a", "b", "c"]) await kv.put("hist.key", v);
      const got = (await all(kv.history({ key: "hist.key" }), "history()")).map((e) => [e.operation, e.string()]);
      assert.deepEqual(got, [["PUT", "a"], ["PUT", "b"], ["PUT", "c"]]);
    });

    it("keys: every live key, filtered", async () => {
      const b = await kvm.create("keys");
      for (const k of ["k.1", "k.2", "other.1"]) await b.put(k, "x");
      await b.delete("k.2");
      assert.deepEqual((await all(b.keys(), "keys()")).sort(), ["k.1", "other.1"]);
      assert.deepEqual(await all(b.keys("k.*"), "keys(k.*)"), ["k.1"]);
      const empty = await kvm.create("nokeys");
      assert.deepEqual(await all(empty.keys(), "keys() of an empty bucket"), []);
    });

    it("watch: the current values, then updates and deletes as they happen", async () => {
      const b = await kvm.create("watched");
      await b.put("w.a", "1");
      await b.put("w.b", "2");
      const iter = await b.watch({ key: "w.>" });
      const seen: Array<[string, string, string, boolean]> = [];
      const loop = (async () => {
        for await (const e of iter as AsyncIterable<KvWatchEntry>) {
          seen.push([e.key, e.operation, e.string(), e.isUpdate]);
          if (seen.length === 4) break;
        }
      })();
      await eventually(() => seen.length === 2, 10_000, () => `initial values: ${JSON.stringify(seen)}`);
      await b.put("w.a", "3");
      await b.delete("w.b");
      await within(loop, 10_000, "the watch loop");
      assert.deepEqual(seen, [
        ["w.a", "PUT", "1", false],
        ["w.b", "PUT", "2", true],
        ["w.a", "PUT", "3", true],
        ["w.b", "DEL", "", true],
      ]);
    });

    it("update with the right revision succeeds, with a stale one fails", async () => {
      const r1 = await kv.put("cas.key", "1");
      const r2 = await kv.update("cas.key", "2", r1);
      assert.equal(r2, r1 + 1);
      const err = await rejection(kv.update("cas.key", "3", r1));
      assert.ok(err instanceof JetStreamApiError, `${err}`);
      assert.equal(err.code, JetStreamApiCodes.StreamWrongLastSequence, `${err}`);
      assert.equal((await kv.get("cas.key"))?.string(), "2");
    });

    it("create of an existing key fails; of a deleted one succeeds", async () => {
      await kv.create("once", "first");
      const err = await rejection(kv.create("once", "second"));
      assert.ok(err instanceof JetStreamApiError, `${err}`);
      assert.equal(err.code, JetStreamApiCodes.StreamWrongLastSequence, `${err}`);
      assert.equal((await kv.get("once"))?.string(), "first");
      await kv.delete("once");
      await kv.create("once", "again");
      assert.equal((await kv.get("once"))?.string(), "again");
    });

    it("status, list and open of buckets", async () => {
      const st = await kv.status();
      assert.equal(st.bucket, "config");
      assert.equal(st.history, 5);
      assert.ok(st.values > 0);
      const names = (await all(kvm.list(), "list()")).map((s) => s.bucket);
      assert.deepEqual(names.sort(), ["config", "keys", "nokeys", "watched"]);
      const again = await kvm.open("config");
      assert.equal((await again.get("app.name"))?.string(), "quicker");
    });
  });
}
