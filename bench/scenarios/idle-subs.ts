/**
 * Heap held per idle subscription: heapUsed after a full GC, before and after
 * creating `n` callback subscriptions (one shared callback, distinct
 * subjects) on one connection and flushing them to the server.
 */
import { count } from "./common.js";
import type { Scenario } from "./types.js";

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the child with --expose-gc");
  for (let i = 0; i < 3; i++) gc();
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
