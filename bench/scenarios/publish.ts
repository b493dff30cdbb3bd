/** Publishing as fast as the client allows, then one flush: throughput and peak RSS growth. */
import { count, payload, publishAll, rate, READY_PUBLISHER_BOUND } from "./common.js";
import { mibPerSec, msgsPerSec } from "./metrics.js";
import type { Scenario } from "./types.js";

const SUBJECT = "bench.pub"; // nobody subscribes: the server drops the messages

function publishScenario(id: string, size: number, sizeLabel: string, full: number, quick: number): Scenario {
  return {
    id,
    title: (n) => `publish ${count(n)} × ${sizeLabel}, then flush`,
    metric: size < 1024 ? msgsPerSec : mibPerSec,
    extras: [size < 1024 ? mibPerSec : msgsPerSec],
    count: { full, quick },
    target: READY_PUBLISHER_BOUND,
    async prepare(ctx) {
      const c = await ctx.connect();
      const data = payload(size);
      return async () => {
        const t0 = performance.now();
        const waits = await publishAll(c, SUBJECT, data, ctx.n, ctx.rss);
        await c.flush();
        const ms = performance.now() - t0;
        return {
          msgsPerSec: rate(ctx.n, ms),
          mibPerSec: (ctx.n * size) / 1048576 / (ms / 1000),
          ms,
          backpressureWaits: waits,
        };
      };
    },
  };
}

export const publish128 = publishScenario("pub-128", 128, "128 B", 1_000_000, 150_000);
export const publish16k = publishScenario("pub-16k", 16 * 1024, "16 KiB", 100_000, 8_000);
