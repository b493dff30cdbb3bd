// @nats-io/jetstream 3.4, unchanged, on a quicknats connection and on the
// official transport: streams, publish acks, de-duplication, expectations,
// stored-message reads, and pull consumers (next, fetch, consume, acks,
// redelivery, ordered consumers). Same assertions for both (see clients.ts).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { headers } from "@nats-io/nats-core";
import { eventually, rejection, within } from "../helpers/wait.js";
import { all, CLIENTS, startJetStream, suiteConnection, take } from "./clients.js";

const td = new TextDecoder();

/** The payloads of a fetch(), which ends by itself, each message acked; bounded in time. */
async function fetchAcked(iter: AsyncIterable<JsMsg>, what: string): Promise<string[]> {
  return (await all(iter, what, (m) => m.ack())).map((m) => m.string());
}

for (const client of CLIENTS) {
  describe(`jetstream on ${client.name}`, () => {
    let jsm: JetStreamManager;
    let js: JetStreamClient;
    const suite = suiteConnection(client, startJetStream, {
      async setup(nc) {
        jsm = await jetstreamManager(nc);
        js = jetstream(nc);
      },
    });

    it("stream CRUD: add, info, update, list, names, delete", async () => {
      const si = await jsm.streams.add({ name: "CRUD", subjects: ["crud.>"] });
      assert.equal(si.config.name, "CRUD");
      assert.deepEqual(si.config.subjects, ["crud.>"]);
      assert.equal((await jsm.streams.info("CRUD")).state.messages, 0);
      const updated = await jsm.streams.update("CRUD", { subjects: ["crud.>", "more.>"], max_msgs: 10 });
      assert.deepEqual(updated.config.subjects, ["crud.>", "more.>"]);
      assert.equal(updated.config.max_msgs, 10);
      const names: string[] = [];
      for await (const n of jsm.streams.names()) names.push(n);
      assert.ok(names.includes("CRUD"), `names: ${names}`);
      const listed: string[] = [];
      for await (const s of jsm.streams.list()) listed.push(s.config.name);
      assert.ok(listed.includes("CRUD"), `list: ${listed}`);
      assert.equal(await jsm.streams.delete("CRUD"), true);
      const err = await rejection(jsm.streams.info("CRUD"));
      assert.equal(err.name, "StreamNotFoundError");
      assert.ok(err instanceof JetStreamApiError);
    });

    it("publish: the ack names the stream and the sequence", async () => {
      await jsm.streams.add({ name: "ACKS", subjects: ["acks.*"] });
      const a = await js.publish("acks.a", "one");
      const b = await js.publish("acks.b", new Uint8Array([1, 2, 3]));
      assert.deepEqual([a.stream, a.seq, a.duplicate], ["ACKS", 1, false]);
      assert.deepEqual([b.stream, b.seq, b.duplicate], ["ACKS", 2, false]);
      assert.equal((await jsm.streams.info("ACKS")).state.messages, 2);
    });

    it("msgID de-duplication: the repeat is acked as a duplicate and stored once", async () => {
      await jsm.streams.add({ name: "DEDUP", subjects: ["dedup"] });
      const first = await js.publish("dedup", "x", { msgID: "id-1" });
      const again = await js.publish("dedup", "x", { msgID: "id-1" });
      const other = await js.publish("dedup", "y", { msgID: "id-2" });
      assert.deepEqual([first.seq, first.duplicate], [1, false]);
      assert.deepEqual([again.seq, again.duplicate], [1, true]);
      assert.deepEqual([other.seq, other.duplicate], [2, false]);
      assert.equal((await jsm.streams.info("DEDUP")).state.messages, 2);
    });

    it("expected last sequence: a wrong one fails with a JetStreamApiError and stores nothing", async () => {
      await jsm.streams.add({ name: "EXPECT", subjects: ["expect.*"] });
      await js.publish("expect.a", "1");
      const ok = await js.publish("expect.a", "2", { expect: { lastSequence: 1 } });
      assert.equal(ok.seq, 2);
      const err = await rejection(js.publish("expect.a", "3", { expect: { lastSequence: 1 } }));
      assert.ok(err instanceof JetStreamApiError, `${err}`);
      assert.equal(err.code, JetStreamApiCodes.StreamWrongLastSequence, `${err}`);
      const err2 = await rejection(js.publish("expect.b", "x", { expect: { lastSubjectSequence: 5 } }));
      assert.ok(err2 instanceof JetStreamApiError, `${err2}`);
      const err3 = await rejection(js.publish("expect.a", "x", { expect: { streamName: "OTHER" } }));
      assert.ok(err3 instanceof JetStreamApiError, `${err3}`);
      assert.equal((await jsm.streams.info("EXPECT")).state.messages, 2);
    });

    it("publish with no stream: JetStreamNotEnabled (nobody answers the subject)", async () => {
      const err = await rejection(js.publish("no.stream.listens", "x", { timeout: 2000 }));
      assert.equal(err.name, "JetStreamNotEnabled");
    });

    it("getMessage by sequence and by last subject: subject, data and headers", async () => {
      await jsm.streams.add({ name: "GET", subjects: ["get.*"] });
      const h = headers();
      h.set("X-Trace", "abc");
      await js.publish("get.a", "first", { headers: h });
      suite.nc.publish("get.b", new Uint8Array([0, 1, 2, 255]));
      await js.publish("get.a", "second");
      await eventually(async () => (await jsm.streams.info("GET")).state.messages === 3, 5000, "3 stored messages");

      const m1 = await jsm.streams.getMessage("GET", { seq: 1 });
      assert.ok(m1);
      assert.equal(m1.subject, "get.a");
      assert.equal(m1.seq, 1);
      assert.equal(m1.string(), "first");
      assert.equal(m1.header.get("X-Trace"), "abc");
      const m2 = await jsm.streams.getMessage("GET", { seq: 2 });
      assert.deepEqual(m2 && [...m2.data], [0, 1, 2, 255]);
      const last = await jsm.streams.getMessage("GET", { last_by_subj: "get.a" });
      assert.ok(last);
      assert.equal(last.seq, 3);
      assert.equal(last.string(), "second");
      assert.equal(await jsm.streams.getMessage("GET", { seq: 99 }), null);
    });

    it("direct get (allow_direct): data and headers from the reply message", async () => {
      await jsm.streams.add({ name: "DIRECT", subjects: ["direct.*"], allow_direct: true });
      const h = headers();
      h.set("X-Id", "7");
      await js.publish("direct.a", "payload-a", { headers: h });
      await js.publish("direct.b", "payload-b");
      const m = await jsm.direct.getMessage("DIRECT", { seq: 1 });
      assert.ok(m);
      assert.equal(m.subject, "direct.a");
      assert.equal(m.string(), "payload-a");
      assert.equal(m.header.get("X-Id"), "7");
      const last = await jsm.direct.getMessage("DIRECT", { last_by_subj: "direct.b" });
      assert.equal(last?.string(), "payload-b");
      assert.equal(last?.seq, 2);
    });

    describe("pull consumers", () => {
      before(async () => {
        await jsm.streams.add({ name: "WORK", subjects: ["work.>"] });
        for (let i = 1; i <= 20; i++) await js.publish(`work.${i % 2 === 0 ? "even" : "odd"}`, `job-${i}`);
      });

      it("next(): messages in order with their delivery info; ack moves the consumer", async () => {
        await jsm.consumers.add("WORK", { durable_name: "next", ack_policy: AckPolicy.Explicit });
        const c = await js.consumers.get("WORK", "next");
        for (let i = 1; i <= 3; i++) {
          const m = await within(c.next({ expires: 2000 }), 10_000, "next()");
          assert.ok(m);
          assert.equal(m.string(), `job-${i}`);
          assert.equal(m.seq, i);
          assert.equal(m.info.stream, "WORK");
          assert.equal(m.info.consumer, "next");
          assert.equal(m.info.deliveryCount, 1);
          assert.equal(m.redelivered, false);
          // ackAck() waits for the server's confirmation (through msg.publisher, see protocol-shim.ts)
          if (i === 3) assert.equal(await within(m.ackAck(), 10_000, "ackAck()"), true);
          else m.ack();
        }
        await eventually(async () => (await c.info()).ack_floor.stream_seq === 3, 5000, "ack floor at 3");
      });

      it("nak redelivers with a higher count; term stops redelivery; ackAck() is confirmed", async () => {
        await jsm.consumers.add("WORK", {
          durable_name: "nak",
          ack_policy: AckPolicy.Explicit,
          filter_subject: "work.odd",
        });
        const c = await js.consumers.get("WORK", "nak");
        const m1 = await within(c.next({ expires: 2000 }), 10_000, "first delivery");
        assert.equal(m1?.string(), "job-1");
        assert.equal(m1!.info.deliveryCount, 1);
        m1!.nak();
        // the server applies acks and pulls concurrently: a later message may come first
        let again: JsMsg | null = null;
        for (let i = 0; i < 5 && again === null; i++) {
          const m = await within(c.next({ expires: 2000 }), 10_000, "the redelivery");
          if (m?.string() === "job-1") again = m;
          else if (m) assert.equal(await within(m.ackAck(), 10_000, "ackAck()"), true, "ackAck: the server confirmed");
        }
        assert.ok(again, "job-1 came again");
        assert.equal(again.info.deliveryCount, 2);
        assert.equal(again.redelivered, true);
        again.term();
        const rest = await fetchAcked(await c.fetch({ max_messages: 20, expires: 1500 }), "the rest");
        assert.ok(!rest.includes("job-1"), `the terminated message is not delivered again: ${rest}`);
        await eventually(async () => (await c.info()).num_ack_pending === 0, 5000, "nothing pending");
        assert.equal((await c.info()).num_pending, 0);
      });

      it("fetch(): a batch, then the iterator ends", async () => {
        await jsm.consumers.add("WORK", { durable_name: "fetch", ack_policy: AckPolicy.Explicit });
        const c = await js.consumers.get("WORK", "fetch");
        const iter = await c.fetch({ max_messages: 5, expires: 2000 });
        const got = await fetchAcked(iter, "the fetch");
        assert.deepEqual(got, ["job-1", "job-2", "job-3", "job-4", "job-5"]);
      });

      it("fetch() on an empty stream ends without an error once it expires", async () => {
        await jsm.streams.add({ name: "EMPTY", subjects: ["empty.>"] });
        await jsm.consumers.add("EMPTY", { durable_name: "e", ack_policy: AckPolicy.Explicit });
        const c = await js.consumers.get("EMPTY", "e");
        const iter = await c.fetch({ max_messages: 3, expires: 1000 });
        const got = await within(take(iter, 3), 10_000, "the empty fetch");
        assert.deepEqual(got, []);
        assert.equal(await within(c.next({ expires: 1000 }), 10_000, "next() on nothing"), null);
      });

      it("consume(): every message in order; stop() ends the loop", async () => {
        await jsm.consumers.add("WORK", { durable_name: "consume", ack_policy: AckPolicy.Explicit });
        const c = await js.consumers.get("WORK", "consume");
        const iter = await c.consume({ max_messages: 7, expires: 2000 });
        const got: number[] = [];
        await within((async () => {
          for await (const m of iter) {
            got.push(m.seq);
            m.ack();
            if (got.length === 20) iter.stop();
          }
        })(), 15_000, "consume() of 20 messages");
        assert.deepEqual(got, Array.from({ length: 20 }, (_, i) => i + 1));
        await eventually(async () => (await c.info()).num_ack_pending === 0, 5000, "everything acked");
      });

      it("consume() with a callback: redelivery after ack_wait counts deliveries", async () => {
        await jsm.consumers.add("WORK", {
          durable_name: "redeliver",
          ack_policy: AckPolicy.Explicit,
          ack_wait: 1_000_000_000, // 1 s in ns
          filter_subject: "work.even",
        });
        const c = await js.consumers.get("WORK", "redeliver");
        const counts = new Map<number, number[]>();
        const messages = await c.consume({
          max_messages: 20,
          expires: 2000,
          callback: (m: JsMsg) => {
            const list = counts.get(m.seq) ?? [];
            list.push(m.info.deliveryCount);
            counts.set(m.seq, list);
            // the first delivery of seq 2 is not acked: the server sends it again after ack_wait
            if (!(m.seq === 2 && m.info.deliveryCount === 1)) m.ack();
          },
        });
        try {
          await eventually(() => (counts.get(2)?.length ?? 0) >= 2, 10_000, () => `seq 2 redelivered: ${JSON.stringify([...counts])}`);
        } finally {
          messages.stop();
        }
        assert.deepEqual(counts.get(2)?.slice(0, 2), [1, 2]);
        assert.deepEqual(counts.get(4), [1], "acked messages come once");
        assert.equal(counts.size, 10);
      });

      it("ordered consumer: every message of a filter in order, and it recovers when its consumer is deleted", async () => {
        const c = await js.consumers.get("WORK", { filter_subjects: "work.odd", deliver_policy: DeliverPolicy.All });
        const iter = await c.consume({ max_messages: 4, expires: 1000 });
        const seqs: number[] = [];
        const done = (async () => {
          for await (const m of iter) {
            seqs.push(m.seq);
            if (m.seq >= 25) break;
          }
        })();
        await eventually(() => seqs.length === 10, 10_000, () => `the 10 stored odd jobs: ${seqs}`);
        // the server loses the consumer: the library makes a new one where it left off (nc._resub to a new inbox)
        const name = (await c.info(true)).name;
        await jsm.consumers.delete("WORK", name);
        for (let i = 21; i <= 25; i++) await js.publish(`work.${i % 2 === 0 ? "even" : "odd"}`, `job-${i}`);
        await within(done, 20_000, "the ordered consumer gets past the deletion");
        assert.deepEqual(seqs, [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25]);
        assert.notEqual((await c.info(true)).name, name, "a new consumer");
      });
    });
  });
}
