/**
 * Receiving 128 B messages that a raw publisher in another process sends as
 * fast as it can (the server buffers what the subscriber has not read yet, so
 * the subscriber never waits for data). Rate = messages between the first and
 * the last arrival over that time.
 */
import { check, count, deferred, payload, publishAll, rate, SAMPLE_EVERY, withTimeout } from "./common.js";
import type { Measure, Scenario, ScenarioCtx } from "./types.js";

const SUBJECT = "bench.sub";
const SIZE = 128;

/** The helper: a raw-socket publisher of `n` messages. */
const rawFeeder = {
  client: "raw" as const,
  async prepare(ctx: ScenarioCtx): Promise<Measure> {
    const c = await ctx.connect();
    return async () => {
      const t0 = performance.now();
      const waits = await publishAll(c, SUBJECT, payload(SIZE), ctx.n, ctx.rss);
      await c.flush();
      return { msgsPerSec: rate(ctx.n, performance.now() - t0), backpressureWaits: waits };
    };
  },
};

const metric = { key: "msgsPerSec", unit: "msgs/s", better: "higher" } as const;

export const subscribeCallback: Scenario = {
  id: "sub-cb",
  title: (n) => `subscribe, callback, ${count(n)} × 128 B (fed by a raw publisher)`,
  metric,
  count: { full: 1_000_000, quick: 100_000 },
  helper: rawFeeder,
  async prepare(ctx) {
    const c = await ctx.connect();
    const done = deferred();
    let received = 0;
    let bytes = 0;
    let first = 0;
    let last = 0;
    c.subscribe(
      SUBJECT,
      (m) => {
        if (received === 0) first = performance.now();
        bytes += c.sizeOf(m);
        if (++received === ctx.n) {
          last = performance.now();
          done.resolve();
        } else if ((received & (SAMPLE_EVERY - 1)) === 0) ctx.rss.sample();
      },
      done.reject,
    );
    await c.flush();
    return async () => {
      await withTimeout(done.promise, ctx.timeoutMs, () => `received ${received} of ${ctx.n}`);
      check(bytes === ctx.n * SIZE, `received ${bytes} payload bytes, want ${ctx.n * SIZE}`);
      return { msgsPerSec: rate(ctx.n - 1, last - first), ms: last - first };
    };
  },
};

export const subscribeIterator: Scenario = {
  id: "sub-iter",
  title: (n) => `subscribe, async iterator, ${count(n)} × 128 B`,
  metric,
  count: { full: 1_000_000, quick: 100_000 },
  helper: rawFeeder,
  async prepare(ctx) {
    const c = await ctx.connect();
    const sub = c.iterate(SUBJECT);
    await c.flush();
    return async () => {
      let received = 0;
      let bytes = 0;
      let first = 0;
      const loop = async (): Promise<void> => {
        for await (const m of sub) {
          if (received === 0) first = performance.now();
          bytes += c.sizeOf(m);
          if (++received === ctx.n) break;
          if ((received & (SAMPLE_EVERY - 1)) === 0) ctx.rss.sample();
        }
      };
      await withTimeout(loop(), ctx.timeoutMs, () => `received ${received} of ${ctx.n}`);
      const ms = performance.now() - first;
      check(bytes === ctx.n * SIZE, `received ${bytes} payload bytes, want ${ctx.n * SIZE}`);
      return { msgsPerSec: rate(ctx.n - 1, ms), ms };
    };
  },
};
