/**
 * The official client's naive loops (issue 11), run unmodified by every
 * library: `nc.publish()` on the library's own connection with default
 * options, then `await nc.flush()`; no `ready()`, nothing caught. A publish
 * that throws fails the round with its message. Besides throughput and peak
 * RSS, these measure the RSS still held after the work and forced GCs.
 */
import type { BenchConn, LibraryConnection } from "../clients/types.js";
import type { RssSampler } from "../lib/rss.js";
import { check, count, deferred, payload, rate, SAMPLE_EVERY, withTimeout } from "./common.js";
import { mibPerSec, msgsPerSec } from "./metrics.js";
import type { Metrics, Scenario, ScenarioCtx } from "./types.js";

const MiB = 1024 * 1024;
/** The yielding publisher lets the event loop run after this many publishes. */
const YIELD_EVERY = 1_000;


function library(c: BenchConn): LibraryConnection {
  if (!c.nc) throw new Error("this client has no library connection");
  return c.nc;
}

/** A publish error, with how far the loop got. */
function publishFailed(i: number, n: number, err: unknown): Error {
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new Error(`publish ${i + 1} of ${n} threw ${what}`, { cause: err });
}

function throughput(n: number, size: number, ms: number): Metrics {
  return { msgsPerSec: rate(n, ms), mibPerSec: (n * size) / MiB / (ms / 1000), ms };
}

/**
 * `n` publishes in one synchronous loop, then flush(). The try/catch only
 * adds the count to the error, which still fails the round; RSS is sampled
 * every SAMPLE_EVERY publishes because no timer fires inside the loop.
 */
async function publishLoop(nc: LibraryConnection, subject: string, data: Uint8Array, n: number, rss: RssSampler): Promise<void> {
  let i = 0;
  try {
    for (; i < n; i++) {
      nc.publish(subject, data);
      if ((i & (SAMPLE_EVERY - 1)) === 0) rss.sample();
    }
  } catch (err) {
    throw publishFailed(i, n, err);
  }
  await nc.flush();
}

/** The same, awaiting setImmediate after every YIELD_EVERY publishes. */
async function yieldingPublishLoop(nc: LibraryConnection, subject: string, data: Uint8Array, n: number, rss: RssSampler): Promise<void> {
  let i = 0;
  try {
    for (; i < n; i++) {
      nc.publish(subject, data);
      if ((i & (SAMPLE_EVERY - 1)) === 0) rss.sample();
      if ((i + 1) % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
    }
  } catch (err) {
    throw publishFailed(i, n, err);
  }
  await nc.flush();
}

function naivePublish(id: string, size: number, sizeLabel: string, full: number, quick: number, target: Scenario["target"]): Scenario {
  return {
    id,
    title: (n) => `naive: publish ${count(n)} × ${sizeLabel} in one loop, then flush`,
    metric: size < 1024 ? msgsPerSec : mibPerSec,
    extras: [size < 1024 ? mibPerSec : msgsPerSec],
    count: { full, quick },
    noRaw: true,
    keptAfterGc: true,
    target,
    async prepare(ctx) {
      const nc = library(await ctx.connect());
      await nc.flush();
      const data = payload(size);
      return async () => {
        const t0 = performance.now();
        await publishLoop(nc, "bench.naive", data, ctx.n, ctx.rss);
        return throughput(ctx.n, size, performance.now() - t0);
      };
    },
  };
}

export const naivePublish128 = naivePublish("naive-pub-128", 128, "128 B", 1_000_000, 150_000, {
  source: "issue 11",
  minRatio: 2.5,
  maxPeakRssRatio: 1.0,
});

export const naivePublish16k = naivePublish("naive-pub-16k", 16 * 1024, "16 KiB", 100_000, 8_000, {
  source: "issue 11",
  minRatio: 1.5,
  maxPeakRssRatio: 1.1,
});

const YIELD_SIZE = 128;

/**
 * One connection publishes, yielding every 1,000; a second connection of the
 * same client in the same process counts arrivals in a callback. The rate
 * runs from the first publish to the last arrival.
 */
export const naivePubSubYield: Scenario = {
  id: "naive-pubsub-yield",
  title: (n) => `naive: publish ${count(n)} × 128 B yielding every ${count(YIELD_EVERY)} → subscriber connection`,
  metric: msgsPerSec,
  extras: [mibPerSec],
  count: { full: 1_000_000, quick: 150_000 },
  noRaw: true,
  keptAfterGc: true,
  target: { source: "issue 11", minRatio: 2.5, maxKeptOverOfficial: 8 * MiB },
  async prepare(ctx: ScenarioCtx) {
    const subject = "bench.naive.yield";
    const pub = library(await ctx.connect());
    const sub = library(await ctx.connect());
    const done = deferred();
    let received = 0;
    let bytes = 0;
    let last = 0;
    sub.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return done.reject(err);
        bytes += msg.data.length;
        if (++received === ctx.n) {
          last = performance.now();
          done.resolve();
        }
      },
    });
    await sub.flush();
    await pub.flush();
    return async () => {
      const t0 = performance.now();
      await yieldingPublishLoop(pub, subject, payload(YIELD_SIZE), ctx.n, ctx.rss);
      await withTimeout(done.promise, ctx.timeoutMs, () => `received ${received} of ${ctx.n}`);
      check(bytes === ctx.n * YIELD_SIZE, `received ${bytes} payload bytes, want ${ctx.n * YIELD_SIZE}`);
      return throughput(ctx.n, YIELD_SIZE, last - t0);
    };
  },
};
