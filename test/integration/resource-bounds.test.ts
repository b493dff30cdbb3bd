// Resource bounds against a real nats-server: memory stays bounded when the
// server floods a subscription nobody reads (pending limits), when 10,000
// requests time out at once, and across connect/close cycles (no growth in
// heap after gc, handles, timers or listeners). The numbers are printed as
// test diagnostics. `npm test` runs 1,000 cycles; scripts/fuzz.ts runs 10,000.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection, type Status, TimeoutError } from "@quicknats/node";
import type { NatsConnectionImpl } from "@quicknats/core/internal";
import { gcFn, trackLiveHandles } from "../helpers/leaks.js";
import { NatsServer } from "../helpers/nats-server.js";

const gc = gcFn();

/** Heap used after full collections (a few, so finalizers and weak refs settle). */
async function heapAfterGc(): Promise<number> {
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

const live = trackLiveHandles();

/** Handles that keep the process alive, live timers and TCP handles (unref'ed included), and process listeners. */
function handles(): Record<string, number> {
  const r: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) r[name] = (r[name] ?? 0) + 1;
  for (const type of live.values()) r[`live ${type}`] = (r[`live ${type}`] ?? 0) + 1;
  r["process listeners"] = process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
  // the runner's own pipes and immediates come and go
  delete r.PipeWrap;
  delete r.Immediate;
  delete r.FSReqCallback;
  return r;
}

/** What `now` has more of than `before`. */
function excess(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const over: Record<string, number> = {};
  for (const [k, n] of Object.entries(now)) if (n > (before[k] ?? 0)) over[k] = n - (before[k] ?? 0);
  return over;
}

/** Waits (bounded) until nothing in `handles()` is above `before` (the test's own may have gone meanwhile). */
async function assertHandlesBack(before: Record<string, number>, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  let over = excess(before, handles());
  while (Object.keys(over).length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    over = excess(before, handles());
  }
  assert.deepStrictEqual(over, {}, `${what}: handles, timers or listeners left behind`);
}

const MiB = 1024 * 1024;
const mib = (n: number): string => `${n >= 0 ? "+" : ""}${(n / MiB).toFixed(2)} MiB`;

/** How many of `requests` rejected with a TimeoutError. */
async function timeouts(requests: Promise<unknown>[]): Promise<number> {
  const results = await Promise.allSettled(requests);
  return results.filter((r) => r.status === "rejected" && r.reason instanceof TimeoutError).length;
}

const counts = (nc: NatsConnection) => (nc as unknown as NatsConnectionImpl)._counts();

describe("resource bounds", () => {
  let srv: NatsServer;

  before(async () => {
    srv = await NatsServer.start({ max_payload: 1024 * 1024 });
  });
  after(async () => {
    await srv?.stop();
  });

  it("a flooded subscription nobody reads stays within its pending limits", async (t) => {
    const N = 40_000;
    const SIZE = 512;
    const LIMIT_MSGS = 1000;
    const LIMIT_BYTES = 256 * 1024; // 512 messages of 512 bytes: the byte limit binds first
    const nc = await connect({ servers: srv.url, reconnect: false });
    const pub = await connect({ servers: srv.url, reconnect: false });
    const statuses: Status[] = [];
    const statusDone = (async () => {
      for await (const s of nc.status()) statuses.push(s);
    })();
    try {
      // the same flood into two unread subscriptions: one bound by bytes, one by messages
      const sub = nc.subscribe("flood", { pendingMsgsLimit: LIMIT_MSGS, pendingBytesLimit: LIMIT_BYTES });
      const byCount = nc.subscribe("flood", { pendingMsgsLimit: LIMIT_MSGS, pendingBytesLimit: -1 });
      await nc.flush();
      const heap0 = await heapAfterGc();
      const ab0 = process.memoryUsage().arrayBuffers;
      const payload = new Uint8Array(SIZE);
      const t0 = performance.now();
      for (let k = 0; k < N; k++) {
        new DataView(payload.buffer).setUint32(0, k);
        pub.publish("flood", payload);
        if (k % 2000 === 1999) await pub.flush();
      }
      await pub.flush();
      // everything the server sent to nc is in once this PONG is
      await nc.flush();
      const floodMs = performance.now() - t0;
      const heapGrowth = (await heapAfterGc()) - heap0;
      const abGrowth = process.memoryUsage().arrayBuffers - ab0;
      t.diagnostic(
        `flood: ${N} x ${SIZE} B = ${(N * SIZE / MiB).toFixed(2)} MiB in ${floodMs.toFixed(0)} ms, into two unread subscriptions; ` +
          `bytes-limited: pending ${sub.getPending()} msgs / ${sub.getPendingBytes()} B, dropped ${sub.getDropped()}; ` +
          `count-limited: pending ${byCount.getPending()} msgs, dropped ${byCount.getDropped()}; heap ${mib(heapGrowth)}, array buffers ${mib(abGrowth)}`,
      );
      for (const s of [sub, byCount]) {
        assert.equal(s.getReceived(), N, "every message reached the client");
        assert.equal(s.getPending() + s.getDropped(), N, "each message is either pending or dropped");
      }
      assert.ok(sub.getPendingBytes() <= LIMIT_BYTES, `pending bytes ${sub.getPendingBytes()}`);
      assert.equal(sub.getPending(), Math.floor(LIMIT_BYTES / SIZE), "the byte limit is filled exactly");
      assert.equal(byCount.getPending(), LIMIT_MSGS, "the message limit is filled exactly");
      assert.ok(heapGrowth < 8 * MiB, `heap grew by ${mib(heapGrowth)} for a ${(N * SIZE / MiB).toFixed(2)} MiB flood`);
      assert.ok(abGrowth < 8 * MiB, `array buffers grew by ${mib(abGrowth)} for a ${(N * SIZE / MiB).toFixed(2)} MiB flood`);
      const slow = statuses.filter((s) => s.type === "slowConsumer") as Array<{ sub: unknown }>;
      assert.equal(slow.length, 2, "one slowConsumer status per subscription for the episode");
      assert.deepStrictEqual(new Set(slow.map((s) => s.sub)), new Set([sub, byCount]));

      // what was kept is the oldest, in order; once read, new messages are taken again
      const kept = sub.getPending();
      let next = 0;
      for await (const m of sub) {
        assert.equal(new DataView(m.data.buffer, m.data.byteOffset).getUint32(0), next++);
        if (next === kept) break;
      }
      assert.equal(next, kept);
    } finally {
      await pub.close();
      await nc.close();
      await statusDone;
    }
  });

  it("10,000 requests timing out at once leave no request, timer or memory behind", async (t) => {
    const N = 10_000;
    const TIMEOUT = 300;
    const nc = await connect({ servers: srv.url, reconnect: false });
    const hole = await connect({ servers: srv.url, reconnect: false });
    try {
      // a subscriber that never answers: no "no responders", the requests time out
      let swallowed = 0;
      hole.subscribe("black.hole", { callback: () => swallowed++ });
      await hole.flush();
      // one request first, so the shared inbox exists in the baseline
      await assert.rejects(nc.request("black.hole", "x", { timeout: 50 }), TimeoutError);
      const base = counts(nc);
      const h0 = handles();
      const heap0 = await heapAfterGc();
      const t0 = performance.now();
      // the settled results (10,000 errors) are dropped before the heap is measured
      const rejected = await timeouts(Array.from({ length: N }, (_, k) => nc.request("black.hole", `request ${k}`, { timeout: TIMEOUT })));
      const ms = performance.now() - t0;
      await nc.flush();
      await hole.flush();
      const heapGrowth = (await heapAfterGc()) - heap0;
      t.diagnostic(`requests: ${N} timed out in ${ms.toFixed(0)} ms (timeout ${TIMEOUT} ms); in flight after: ${counts(nc).requests}; heap ${mib(heapGrowth)}`);
      assert.equal(rejected, N, "every request rejected with TimeoutError");
      assert.ok(ms < TIMEOUT + 5000, `took ${ms.toFixed(0)} ms`);
      assert.ok(swallowed >= N, `the black hole saw ${swallowed}`);
      assert.deepStrictEqual(counts(nc), base, "no request or subscription left");
      assert.ok(heapGrowth < 4 * MiB, `heap grew by ${mib(heapGrowth)}`);
      await assertHandlesBack(h0, "after the timeouts");
    } finally {
      await hole.close();
      await nc.close();
    }
  });

  it("2,000 noMux requests timing out at once leave no subscription, timer or memory behind", async (t) => {
    const N = 2000;
    const nc = await connect({ servers: srv.url, reconnect: false });
    const hole = await connect({ servers: srv.url, reconnect: false });
    try {
      hole.subscribe("black.hole.nomux", { callback: () => {} });
      await hole.flush();
      const base = counts(nc);
      const h0 = handles();
      const heap0 = await heapAfterGc();
      const rejected = await timeouts(Array.from({ length: N }, () => nc.request("black.hole.nomux", "x", { timeout: 300, noMux: true })));
      await nc.flush();
      const heapGrowth = (await heapAfterGc()) - heap0;
      t.diagnostic(`noMux requests: ${N} timed out; subscriptions after: ${counts(nc).subscriptions}; heap ${mib(heapGrowth)}`);
      assert.equal(rejected, N);
      assert.deepStrictEqual(counts(nc), base);
      assert.ok(heapGrowth < 4 * MiB, `heap grew by ${mib(heapGrowth)}`);
      await assertHandlesBack(h0, "after the noMux timeouts");
      // and the server has no subscription left for them (after the handle check:
      // the monitoring request's keep-alive socket is the test's, not the client's)
      const cz = await srv.connz({ cid: nc.info!.client_id, subs: true });
      assert.equal(cz.connections[0].subscriptions, 0, "the server still holds the inbox subscriptions");
    } finally {
      await hole.close();
      await nc.close();
    }
  });

  it("connect/close cycles leave no heap growth, handle, timer or listener behind", async (t) => {
    const CYCLES = Number(process.env.QUICKNATS_CYCLES ?? 1000);
    const WARMUP = Math.min(100, CYCLES);
    const cycle = async (k: number): Promise<void> => {
      const nc = await connect({ servers: srv.url, reconnect: false, name: `cycle-${k}` });
      const sub = nc.subscribe(`cycle.${k % 10}`, { callback: () => {} });
      nc.publish(`cycle.${k % 10}`, "x");
      await nc.flush();
      sub.unsubscribe();
      await nc.close();
      assert.equal(await nc.closed(), undefined);
    };
    for (let k = 0; k < WARMUP; k++) await cycle(k);
    const h0 = handles();
    const heap0 = await heapAfterGc();
    const t0 = performance.now();
    const samples: number[] = [];
    for (let k = 0; k < CYCLES; k++) {
      await cycle(k);
      if ((k + 1) % Math.max(1, Math.floor(CYCLES / 4)) === 0) samples.push((await heapAfterGc()) - heap0);
    }
    const ms = performance.now() - t0;
    const heapGrowth = (await heapAfterGc()) - heap0;
    t.diagnostic(
      `cycles: ${CYCLES} connect/close in ${ms.toFixed(0)} ms (${(ms / CYCLES).toFixed(2)} ms each); ` +
        `heap vs after ${WARMUP} warm-up cycles: ${samples.map(mib).join(", ")}; final ${mib(heapGrowth)}`,
    );
    // 1 KiB per cycle would be 1 MiB per 1,000
    assert.ok(heapGrowth < Math.max(2 * MiB, CYCLES * 256), `heap grew by ${mib(heapGrowth)} over ${CYCLES} cycles`);
    await assertHandlesBack(h0, `after ${CYCLES} cycles`);
    // and the server saw every connection go
    let conns = -1;
    for (let k = 0; k < 50 && conns !== 0; k++) {
      conns = (await srv.varz()).connections as number;
      if (conns !== 0) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(conns, 0, `the server still counts ${conns} client connections`);
  });
});
