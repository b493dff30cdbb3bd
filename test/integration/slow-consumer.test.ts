// Slow consumers: an iterator subscription that is not read is capped by its
// pending limits (messages and bytes); what does not fit is dropped and counted,
// one `slowConsumer` status is emitted per episode, and other subscriptions on
// the same connection are unaffected. `slow: N` only notifies. Memory stays
// bounded under a flood.
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidArgumentError,
  type Msg,
  type NatsConnection,
  type NodeConnectionOptions,
  type SlowConsumerStatus,
  type Subscription,
} from "@quicknats/node";
import { NatsServer } from "../helpers/nats-server.js";
import { connectFor } from "../helpers/connections.js";
import { gcFn } from "../helpers/leaks.js";
import { StatusLog } from "../helpers/status.js";
import { eventually } from "../helpers/wait.js";

/** Reads `n` messages from an iterator subscription without ending it. */
async function take(it: AsyncIterator<Msg>, n: number): Promise<Msg[]> {
  const out: Msg[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Every status event of a connection, and the slowConsumer ones picked out. */
class SlowLog extends StatusLog {
  /** The slowConsumer events, only those of `sub` if given. */
  slow(sub?: Subscription): SlowConsumerStatus[] {
    return this.of("slowConsumer").filter((e) => sub === undefined || e.sub === sub);
  }
}

describe("slow consumers", () => {
  let srv: NatsServer;
  before(async () => {
    srv = await NatsServer.start({ max_pending: 256 * 1024 * 1024 });
  });
  after(() => srv.stop());

  const open = (t: TestContext, opts: NodeConnectionOptions = {}): Promise<NatsConnection> =>
    connectFor(t, { servers: srv.url, ...opts });

  it("pendingMsgsLimit: an unread iterator keeps 100, drops and counts the rest, one status per episode", async (t) => {
    const nc = await open(t);
    const pub = await open(t);
    const log = new SlowLog(nc);
    const slow = nc.subscribe("sc.msgs", { pendingMsgsLimit: 100 });
    let fast = 0;
    nc.subscribe("sc.msgs", { callback: () => { fast++; } });
    await nc.flush();

    for (let i = 0; i < 1000; i++) pub.publish("sc.msgs", String(i));
    await pub.flush();
    await nc.flush();
    assert.equal(fast, 1000, "the other subscription received everything");
    assert.equal(slow.getPending(), 100);
    assert.equal(slow.getDropped(), 900);
    // the status was pushed during delivery; the log reads it asynchronously
    await eventually(() => log.slow(slow).length >= 1, 3000, "the slowConsumer status");
    const first = log.slow(slow);
    assert.equal(first.length, 1, "one slowConsumer status for the episode");
    assert.equal(first[0].pending, 100);
    assert.equal(log.slow().length, 1, "no status for the other subscription");

    // the 100 kept are the first 100, in order
    const it = slow[Symbol.asyncIterator]();
    const kept = await take(it, 100);
    assert.deepEqual(kept.map((m) => Number(m.string())), Array.from({ length: 100 }, (_, i) => i));
    assert.equal(slow.getPending(), 0);

    // caught up: a new flood is a new episode
    for (let i = 0; i < 1000; i++) pub.publish("sc.msgs", String(1000 + i));
    await pub.flush();
    await nc.flush();
    await eventually(() => log.slow(slow).length >= 2, 3000, "the second episode's status");
    assert.equal(fast, 2000);
    assert.equal(slow.getPending(), 100);
    assert.equal(slow.getDropped(), 1800);
    assert.equal(log.slow(slow).length, 2, "a second status for the second episode");
    const next = await take(it, 100);
    assert.deepEqual(next.map((m) => Number(m.string())), Array.from({ length: 100 }, (_, i) => 1000 + i));
    assert.equal(slow.isClosed(), false, "dropping does not end the subscription");
  });

  it("pendingBytesLimit caps the payload bytes waiting", async (t) => {
    const nc = await open(t);
    const pub = await open(t);
    const log = new SlowLog(nc);
    const slow = nc.subscribe("sc.bytes", { pendingBytesLimit: 10 * 1024 });
    await nc.flush();
    const payload = new Uint8Array(1024);
    for (let i = 0; i < 50; i++) {
      payload[0] = i;
      pub.publish("sc.bytes", payload);
    }
    await pub.flush();
    await nc.flush();
    await eventually(() => log.slow(slow).length >= 1, 3000, "the slowConsumer status");
    assert.equal(slow.getPending(), 10);
    assert.equal(slow.getPendingBytes(), 10 * 1024);
    assert.equal(slow.getDropped(), 40);
    assert.equal(log.slow(slow).length, 1);
    const kept = await take(slow[Symbol.asyncIterator](), 10);
    assert.deepEqual(kept.map((m) => m.data[0]), Array.from({ length: 10 }, (_, i) => i));
    assert.equal(slow.getPendingBytes(), 0);
  });

  it("setPendingLimits() changes the limits of a live subscription", async (t) => {
    const nc = await open(t);
    const log = new SlowLog(nc);
    const sub = nc.subscribe("sc.set");
    sub.setPendingLimits(5, -1);
    for (let i = 0; i < 20; i++) nc.publish("sc.set", String(i));
    await nc.flush();
    await eventually(() => log.slow(sub).length >= 1, 3000, "the slowConsumer status");
    assert.equal(sub.getPending(), 5);
    assert.equal(sub.getDropped(), 15);
    assert.equal(log.slow(sub).length, 1);
    assert.throws(() => sub.setPendingLimits(0, 10), InvalidArgumentError);
    assert.throws(() => nc.subscribe("sc.set", { pendingMsgsLimit: 0 }), InvalidArgumentError);
  });

  it("slow: 10 notifies once without dropping", async (t) => {
    const nc = await open(t);
    const log = new SlowLog(nc);
    const sub = nc.subscribe("sc.slow", { slow: 10 });
    for (let i = 0; i < 50; i++) nc.publish("sc.slow", String(i));
    await nc.flush();
    await eventually(() => log.slow(sub).length >= 1, 3000, "the slowConsumer status");
    assert.equal(sub.getPending(), 50);
    assert.equal(sub.getDropped(), 0);
    const st = log.slow(sub);
    assert.equal(st.length, 1, "notified once");
    assert.equal(st[0].pending, 11);
    const all = await take(sub[Symbol.asyncIterator](), 50);
    assert.deepEqual(all.map((m) => Number(m.string())), Array.from({ length: 50 }, (_, i) => i));
  });

  it("memory stays bounded while 200k messages flood an unread subscription", async (t) => {
    const gc = gcFn();
    const nc = await open(t);
    // the publisher is in this process too: keep its share of the memory small
    const pub = await open(t, { maxOutboundBytes: 4 * 1024 * 1024 });
    const slow = nc.subscribe("sc.flood", { pendingMsgsLimit: 1000, pendingBytesLimit: 1024 * 1024 });
    let fast = 0;
    nc.subscribe("sc.flood", { callback: () => { fast++; } });
    await nc.flush();

    const N = 200_000;
    const payload = new Uint8Array(512); // 100 MB in all
    gc();
    const base = process.memoryUsage();
    let peakHeap = 0;
    let peakExt = 0;
    let peakRss = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed - base.heapUsed);
      peakExt = Math.max(peakExt, m.arrayBuffers - base.arrayBuffers);
      peakRss = Math.max(peakRss, m.rss - base.rss);
    };
    const sampler = setInterval(sample, 20);
    try {
      for (let i = 0; i < N; i += 1000) {
        for (let j = 0; j < 1000; j++) pub.publish("sc.flood", payload);
        await pub.ready();
        if (i % 20_000 === 0) await pub.flush();
      }
      await pub.flush();
      await eventually(() => fast === N, 30_000, `all ${N} to the reading subscription (have ${fast})`);
      sample();
      gc();
      sample();
    } finally {
      clearInterval(sampler);
    }
    const MiB = 1024 * 1024;
    const report = `heap +${(peakHeap / MiB).toFixed(1)} MiB, arrayBuffers +${(peakExt / MiB).toFixed(1)} MiB, rss +${(peakRss / MiB).toFixed(1)} MiB`;
    assert.ok(slow.getPending() <= 1000, `pending ${slow.getPending()}`);
    assert.equal(slow.getPending() + slow.getDropped(), N);
    assert.ok(slow.getPendingBytes() <= 1024 * 1024);
    // 100 MB went through (about 200 MB held without the limits); the unread
    // subscription keeps ~1 MiB of payload, plus the read chunks its messages are views on
    assert.ok(peakHeap < 40 * MiB, report);
    // arrayBuffers also counts the publisher's writer buffers by whole 32 MiB
    // regions (buffer-region.ts: only the pages written into are memory, as
    // the RSS bound shows), up to two at once when one follows another
    assert.ok(peakExt < 64 * MiB + 2 * 32 * MiB, report);
    assert.ok(peakRss < 150 * MiB, report);
  });
});
