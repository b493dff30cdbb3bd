/**
 * Publisher and subscribers of the same client in one process, on separate
 * connections: the rate runs from the first publish to the last arrival.
 */
import { check, count, deferred, payload, publishAll, rate, READY_PUBLISHER_BOUND, SAMPLE_EVERY, withTimeout } from "./common.js";
import type { Scenario, ScenarioCtx } from "./types.js";

const SIZE = 128;

async function fanScenario(ctx: ScenarioCtx, subject: string, subscribers: number) {
  const pub = await ctx.connect();
  const done = deferred();
  const want = ctx.n * subscribers;
  const perSub = new Array<number>(subscribers).fill(0);
  let total = 0;
  let bytes = 0;
  let last = 0;
  for (let k = 0; k < subscribers; k++) {
    const sub = await ctx.connect();
    sub.subscribe(
      subject,
      (m) => {
        perSub[k]++;
        bytes += sub.sizeOf(m);
        if (++total === want) {
          last = performance.now();
          done.resolve();
        } else if ((total & (SAMPLE_EVERY - 1)) === 0) ctx.rss.sample();
      },
      done.reject,
    );
    await sub.flush();
  }
  await pub.flush();
  return async () => {
    const t0 = performance.now();
    const waits = await publishAll(pub, subject, payload(SIZE), ctx.n, ctx.rss);
    await pub.flush();
    await withTimeout(done.promise, ctx.timeoutMs, () => `delivered ${total} of ${want} (${perSub.join(", ")})`);
    check(bytes === want * SIZE, `received ${bytes} payload bytes, want ${want * SIZE}`);
    check(perSub.every((c) => c === ctx.n), `per subscriber: ${perSub.join(", ")}, want ${ctx.n} each`);
    return { perSec: rate(want, last - t0), ms: last - t0, backpressureWaits: waits };
  };
}

export const pubSub: Scenario = {
  id: "pubsub",
  title: (n) => `publish → subscribe, two connections, ${count(n)} × 128 B`,
  metric: { key: "perSec", unit: "msgs/s", better: "higher" },
  count: { full: 1_000_000, quick: 100_000 },
  target: READY_PUBLISHER_BOUND,
  prepare: (ctx) => fanScenario(ctx, "bench.ps", 1),
};

export const fanOut: Scenario = {
  id: "fanout-8",
  title: (n) => `fan-out, 1 publisher → 8 subscriber connections, ${count(n)} × 128 B`,
  metric: { key: "perSec", unit: "deliveries/s", better: "higher" },
  count: { full: 250_000, quick: 25_000 },
  target: READY_PUBLISHER_BOUND,
  prepare: (ctx) => fanScenario(ctx, "bench.fan", 8),
};
