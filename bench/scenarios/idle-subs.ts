/**
 * Heap held per idle subscription: heapUsed after a full GC, before and after
 * creating `n` callback subscriptions (one shared callback, distinct
 * subjects) on one connection and flushing them to the server.
 */
import { forceGc } from "../lib/gc.js";
import { count } from "./common.js";
import type { Scenario } from "./types.js";

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) forceGc();
  return process.memoryUsage().heapUsed;
}

export const idleSubscriptions: Scenario = {
  id: "idle-subs",
  title: (n) => `${count(n)} idle subscriptions on one connection (heap each)`,
  metric: { key: "heapPerSub", unit: "B", better: "lower" },
  count: { full: 10_000, quick: 10_000 },
  noRaw: true,
  async prepare(ctx) {
    const c = await ctx.connect();
    await c.flush();
    return async () => {
      const before = heapAfterGc();
      for (let i = 0; i < ctx.n; i++) c.subscribeIdle(`bench.idle.${i}`);
      await c.flush();
      const after = heapAfterGc();
      return { heapPerSub: (after - before) / ctx.n, heapBytes: after - before };
    };
  },
};
