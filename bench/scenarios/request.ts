/**
 * Request/reply against a responder of the same client in another process
 * (the raw row: raw sockets on both sides). The first WARMUP requests are
 * not timed.
 */
import type { BenchConn } from "../clients/types.js";
import { check, count, payload, rate, timeSequential, withTimeout } from "./common.js";
import type { Measure, Scenario, ScenarioCtx } from "./types.js";

/** Per client: responders serve every round of a scenario, so each client's must be its own. */
const subject = (ctx: ScenarioCtx): string => `bench.rr.${ctx.client}`;
const SIZE = 128;
const WARMUP = 100;
const REQUEST_TIMEOUT_MS = 5_000;
const IN_FLIGHT = 64;

const echoResponder = {
  client: "same" as const,
  async prepare(ctx: ScenarioCtx): Promise<Measure> {
    const c = await ctx.connect();
    c.serveEcho(subject(ctx));
    await c.flush();
    return async () => ({});
  },
};

/** The requesting connection of a round, its subject and payload. */
async function requester(ctx: ScenarioCtx): Promise<{ c: BenchConn; subj: string; data: Uint8Array }> {
  return { c: await ctx.connect(), subj: subject(ctx), data: payload(SIZE) };
}

/** WARMUP untimed requests (the raw requester has no per-request timeout, so bound them all). */
async function warmUp(c: BenchConn, subj: string, data: Uint8Array, timeoutMs: number): Promise<void> {
  let i = 0;
  const run = async (): Promise<void> => {
    for (; i < WARMUP; i++) await c.request(subj, data, REQUEST_TIMEOUT_MS);
  };
  await withTimeout(run(), timeoutMs, () => `warm-up: ${i} of ${WARMUP} requests`);
}

export const requestSequential: Scenario = {
  id: "rr-seq",
  title: (n) => `request/reply, sequential, ${count(n)} × 128 B`,
  metric: { key: "p50us", unit: "µs", better: "lower", label: "p50" },
  extras: [
    { key: "p99us", unit: "µs", better: "lower", label: "p99" },
    { key: "reqPerSec", unit: "req/s", better: "higher" },
  ],
  count: { full: 10_000, quick: 1_000 },
  helper: echoResponder,
  async prepare(ctx) {
    const { c, subj, data } = await requester(ctx);
    return async () => {
      await warmUp(c, subj, data, ctx.timeoutMs);
      const { ms, p50us, p99us } = await timeSequential(
        ctx.n,
        ctx.timeoutMs,
        "requests",
        () => c.request(subj, data, REQUEST_TIMEOUT_MS),
        (m) => check(c.sizeOf(m) === SIZE, `reply of ${c.sizeOf(m)} bytes, want ${SIZE}`),
      );
      return { p50us, p99us, reqPerSec: rate(ctx.n, ms), ms };
    };
  },
};

export const requestInFlight: Scenario = {
  id: "rr-64",
  title: (n) => `request/reply, ${IN_FLIGHT} in flight, ${count(n)} × 128 B`,
  metric: { key: "reqPerSec", unit: "req/s", better: "higher" },
  count: { full: 100_000, quick: 8_000 },
  helper: echoResponder,
  async prepare(ctx) {
    const { c, subj, data } = await requester(ctx);
    return async () => {
      await warmUp(c, subj, data, ctx.timeoutMs);
      let started = 0;
      let done = 0;
      const worker = async (): Promise<void> => {
        while (started < ctx.n) {
          started++;
          const m = await c.request(subj, data, REQUEST_TIMEOUT_MS);
          check(c.sizeOf(m) === SIZE, `reply of ${c.sizeOf(m)} bytes, want ${SIZE}`);
          done++;
        }
      };
      const t0 = performance.now();
      const workers = Array.from({ length: IN_FLIGHT }, worker);
      await withTimeout(Promise.all(workers), ctx.timeoutMs, () => `${done} of ${ctx.n} requests`);
      const ms = performance.now() - t0;
      return { reqPerSec: rate(ctx.n, ms), ms };
    };
  },
};
