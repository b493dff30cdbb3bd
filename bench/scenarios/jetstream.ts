/**
 * JetStream and KV through the official libraries (@nats-io/jetstream and
 * @nats-io/kv 3.4.0, unchanged) on each client's connection: what a JetStream
 * user sees when switching the import line of `connect`. Only the clients the
 * libraries run on take part (quicknats, official, official-fast).
 *
 * Every round makes its own memory-stored stream (or bucket) and deletes it
 * afterwards, so rounds and clients never see each other's data; the server
 * runs with JetStream on only when one of these scenarios is selected.
 */
import { randomBytes } from "node:crypto";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import type { BenchConn, ClientName } from "../clients/types.js";
import { check, count, deferred, payload, publishAll, rate, timeInFlight, timeSequential, withTimeout } from "./common.js";
import { msgsPerSec, p50us, p99us } from "./metrics.js";
import type { Scenario, ScenarioCtx } from "./types.js";

const SIZE = 128;
const IN_FLIGHT = 64;
const WARMUP = 100;
/** The clients the official libraries run on. */
const JS_CLIENTS: readonly ClientName[] = ["quicknats", "official", "official-fast"];

/** What every scenario here is: on the libraries' clients only (no raw row), with JetStream on. */
const ON_JETSTREAM = { noRaw: true, clients: JS_CLIENTS, jetstream: true } as const;

/** The connection under the adapter, as the libraries take it. */
function natsConnection(c: BenchConn): NatsConnection {
  const nc = c.natsConnection?.();
  if (!nc) throw new Error("this client has no nats-core compatible connection");
  return nc as NatsConnection;
}

/** A name no other round or client uses. */
function unique(ctx: ScenarioCtx): string {
  return `${ctx.client.replace(/-/g, "_")}_${randomBytes(4).toString("hex")}`;
}

/** A memory stream of its own for one round: name, subject, and a cleanup. */
async function roundStream(jsm: JetStreamManager, ctx: ScenarioCtx): Promise<{ name: string; subject: string; drop(): Promise<void> }> {
  const id = unique(ctx);
  const name = `BENCH_${id}`;
  await jsm.streams.add({ name, subjects: [`bench.js.${id}.>`], storage: StorageType.Memory });
  return { name, subject: `bench.js.${id}.x`, drop: async () => void (await jsm.streams.delete(name)) };
}

/** A round's publisher: the JetStream context, its stream, the payload, and WARMUP untimed publishes done. */
async function publisher(ctx: ScenarioCtx) {
  const nc = natsConnection(await ctx.connect());
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = await roundStream(jsm, ctx);
  const data = payload(SIZE);
  for (let i = 0; i < WARMUP; i++) await js.publish(stream.subject, data);
  return { js, jsm, stream, data };
}

export const jsPublishSequential: Scenario = {
  id: "js-pub",
  title: (n) => `js.publish(), sequential, ${count(n)} × 128 B (memory stream)`,
  metric: msgsPerSec,
  extras: [p50us, p99us],
  count: { full: 20_000, quick: 2_000 },
  ...ON_JETSTREAM,
  async prepare(ctx) {
    const { js, stream, data } = await publisher(ctx);
    return async () => {
      const { ms, p50us, p99us } = await timeSequential(
        ctx.n,
        ctx.timeoutMs,
        "publishes",
        () => js.publish(stream.subject, data),
        (ack, i) => check(ack.seq === WARMUP + i + 1, `ack seq ${ack.seq}, want ${WARMUP + i + 1}`),
      );
      await stream.drop();
      return { msgsPerSec: rate(ctx.n, ms), p50us, p99us, ms };
    };
  },
};

export const jsPublishInFlight: Scenario = {
  id: "js-pub-64",
  title: (n) => `js.publish(), ${IN_FLIGHT} in flight, ${count(n)} × 128 B (memory stream)`,
  metric: msgsPerSec,
  count: { full: 100_000, quick: 10_000 },
  ...ON_JETSTREAM,
  async prepare(ctx) {
    const { js, jsm, stream, data } = await publisher(ctx);
    return async () => {
      const ms = await timeInFlight(
        ctx.n,
        IN_FLIGHT,
        ctx.timeoutMs,
        "publishes",
        () => js.publish(stream.subject, data),
        (ack) => check(ack.stream === stream.name, `ack from stream ${ack.stream}`),
      );
      const stored = (await jsm.streams.info(stream.name)).state.messages;
      check(stored === WARMUP + ctx.n, `${stored} stored, want ${WARMUP + ctx.n}`);
      await stream.drop();
      return { msgsPerSec: rate(ctx.n, ms), ms };
    };
  },
};

/** consume() of `n` stored messages; `ack`: explicit acks (the default policy), each message acked, else AckPolicy.None. */
function consumeScenario(id: string, ack: boolean): Scenario {
  return {
    id,
    title: (n) => `consume() of ${count(n)} stored × 128 B, ${ack ? "each acked (explicit acks)" : "no acks (AckPolicy.None)"}, memory stream`,
    metric: msgsPerSec,
    count: { full: 100_000, quick: 20_000 },
    ...ON_JETSTREAM,
    async prepare(ctx) {
      const c = await ctx.connect();
      const nc = natsConnection(c);
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      const stream = await roundStream(jsm, ctx);
      // fill the stream before the clock starts: plain publishes, then wait until all are stored
      await publishAll(c, stream.subject, payload(SIZE), ctx.n, ctx.rss);
      await c.flush();
      const stored = async (): Promise<number> => (await jsm.streams.info(stream.name)).state.messages;
      await withTimeout((async () => {
        while ((await stored()) < ctx.n) await new Promise((r) => setTimeout(r, 20));
      })(), ctx.timeoutMs, () => `filling the stream`);
      await jsm.consumers.add(stream.name, { durable_name: "bench", ack_policy: ack ? AckPolicy.Explicit : AckPolicy.None });
      const consumer = await js.consumers.get(stream.name, "bench");
      return async () => {
        let got = 0;
        let bytes = 0;
        const done = deferred();
        const t0 = performance.now();
        // the library's defaults (100 messages per pull, refilled at 75%), as a user would start it
        const messages = await consumer.consume({
          callback: (m) => {
            bytes += m.data.length;
            if (ack) m.ack();
            if (++got === ctx.n) done.resolve();
          },
        });
        await withTimeout(done.promise, ctx.timeoutMs, () => `${got} of ${ctx.n} messages`);
        const ms = performance.now() - t0;
        messages.stop();
        check(bytes === ctx.n * SIZE, `${bytes} payload bytes, want ${ctx.n * SIZE}`);
        await stream.drop();
        return { msgsPerSec: rate(ctx.n, ms), ms };
      };
    },
  };
}

export const jsConsume = consumeScenario("js-consume", true);
export const jsConsumeNoAck = consumeScenario("js-consume-noack", false);

export const kvGet: Scenario = {
  id: "kv-get",
  title: (n) => `kv.get() of one key, sequential, ${count(n)} (memory bucket)`,
  metric: p50us,
  extras: [p99us, { key: "getsPerSec", unit: "req/s", better: "higher" }],
  count: { full: 10_000, quick: 1_000 },
  ...ON_JETSTREAM,
  async prepare(ctx) {
    const nc = natsConnection(await ctx.connect());
    const name = `bench_${unique(ctx)}`;
    const kv = await new Kvm(nc).create(name, { storage: StorageType.Memory });
    const value = payload(SIZE);
    await kv.put("the.key", value);
    for (let i = 0; i < WARMUP; i++) await kv.get("the.key");
    return async () => {
      const { ms, p50us, p99us } = await timeSequential(
        ctx.n,
        ctx.timeoutMs,
        "gets",
        () => kv.get("the.key"),
        (e) => check(e?.value.length === SIZE, `value of ${e?.value.length} bytes, want ${SIZE}`),
      );
      await kv.destroy();
      return { p50us, p99us, getsPerSec: rate(ctx.n, ms), ms };
    };
  },
};
