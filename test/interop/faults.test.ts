// Faults under @nats-io/jetstream 3.4, on a quicknats connection and on the
// official transport: a consume() ends when the connection closes or drains;
// JetStream (streams, durable consumers, a running consume()) works again
// after the server restarts on the same port and store dir; a server without
// JetStream gives the same errors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { NatsServer } from "../helpers/nats-server.js";
import { eventually, rejection, within } from "../helpers/wait.js";
import { CLIENTS, startJetStream } from "./clients.js";

/** Reconnect quickly and forever: the restart test waits for it. */
const RECONNECT = { reconnectTimeWait: 100, maxReconnectAttempts: -1 };

for (const client of CLIENTS) {
  describe(`jetstream faults on ${client.name}`, () => {
    let srv: NatsServer;
    before(async () => {
      srv = await startJetStream();
      const nc = await client.connect({ port: srv.port });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "F", subjects: ["f.>"] });
      for (const end of ["close", "drain"]) await jsm.consumers.add("F", { durable_name: end, ack_policy: AckPolicy.None });
      const js = jetstream(nc);
      for (let i = 0; i < 5; i++) await js.publish("f.x", `${i}`);
      await nc.close();
    });
    after(() => srv?.stop());

    for (const end of ["close", "drain"] as const) {
      it(`consume() ends when the connection is ${end === "close" ? "closed" : "drained"}`, async () => {
        const nc = await client.connect({ port: srv.port });
        try {
          const c = await jetstream(nc).consumers.get("F", end);
          const iter = await c.consume({ max_messages: 10, expires: 5000 });
          let got = 0;
          let ended: "normally" | Error | undefined;
          const loop = (async () => {
            try {
              for await (const _m of iter) got++;
              ended = "normally";
            } catch (err) {
              ended = err as Error;
            }
          })();
          await eventually(() => got > 0, 10_000, "a first message");
          await (end === "close" ? nc.close() : nc.drain());
          await within(loop, 10_000, "the consume loop ends");
          assert.equal(ended, "normally");
          assert.equal(nc.isClosed(), true);
        } finally {
          await nc.close();
        }
      });
    }

    it("after a server restart (same port, same store) streams, consumers and a running consume() work again", async () => {
      const nc = await client.connect({ port: srv.port, ...RECONNECT });
      try {
        const js = jetstream(nc);
        const jsm = await jetstreamManager(nc);
        await jsm.consumers.add("F", { durable_name: "live", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New });
        await jsm.consumers.add("F", { durable_name: "fresh", ack_policy: AckPolicy.Explicit });
        const live = await js.consumers.get("F", "live");
        const seen: string[] = [];
        const iter = await live.consume({ max_messages: 10, expires: 2000, idle_heartbeat: 1000 });
        const loop = (async () => {
          for await (const m of iter) {
            seen.push(m.string());
            m.ack();
            if (m.string() === "after") break;
          }
        })();
        await js.publish("f.live", "before");
        await eventually(() => seen.includes("before"), 10_000, "the message before the restart");

        const statuses: string[] = [];
        (async () => {
          for await (const s of nc.status()) statuses.push(s.type);
        })();
        await srv.restart();
        await eventually(() => statuses.includes("reconnect"), 15_000, () => `a reconnect: ${statuses}`);
        // JetStream needs a moment to recover its streams: publish until it answers
        // (the message id makes a retry whose first try was stored answer with the same seq)
        let ack: Awaited<ReturnType<typeof js.publish>> | undefined;
        await eventually(async () => {
          try {
            ack = await js.publish("f.live", "after", { timeout: 1000, msgID: "after" });
            return true;
          } catch {
            return false;
          }
        }, 20_000, "a publish after the restart", 200);
        assert.equal(ack?.stream, "F");
        assert.equal(ack?.seq, 7, "the stored messages survived");
        assert.equal((await jsm.streams.getMessage("F", { seq: 1 }))?.string(), "0");
        await within(loop, 20_000, "the running consume() delivers the message published after the restart");
        assert.deepEqual(seen, ["before", "after"]);
        const m = await within((await js.consumers.get("F", "fresh")).next({ expires: 2000 }), 10_000, "next() on a durable consumer made before the restart");
        assert.equal(m?.string(), "0");
      } finally {
        await nc.close();
      }
    });
  });

  describe(`a server without JetStream, on ${client.name}`, () => {
    let srv: NatsServer;
    let nc: NatsConnection;
    before(async () => {
      srv = await NatsServer.start();
      nc = await client.connect({ port: srv.port });
    });
    after(async () => {
      await nc?.close();
      await srv?.stop();
    });

    it("jetstreamManager(), publish and Kvm.create fail with JetStreamNotEnabled", async () => {
      const e1 = await rejection(jetstreamManager(nc));
      assert.equal(e1.name, "JetStreamNotEnabled");
      const e2 = await rejection(jetstream(nc).publish("x", "y", { timeout: 2000 }));
      assert.equal(e2.name, "JetStreamNotEnabled");
      const e3 = await rejection(new Kvm(nc).create("b"));
      assert.equal(e3.name, "JetStreamNotEnabled");
      // the cause is the connection's own no-responders RequestError
      assert.equal(e1.cause?.name, "RequestError");
      assert.equal(e1.cause?.isNoResponders(), true);
    });
  });
}
