/**
 * Request/reply against a responder of the same client in another process
 * (the raw row: raw sockets on both sides). The first WARMUP requests are
 * not timed.
 */
import type { BenchConn } from "../clients/types.js";
import { check, count, payload, rate, timeInFlight, timeSequential, withTimeout } from "./common.js";
import { p50us, p99us, reqPerSec } from "./metrics.js";
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
interface Requester {
  c: BenchConn;
  subj: string;
  data: Uint8Array;
}

/** WARMUP untimed requests (the raw requester has no per-request timeout, so bound them all). */
async function warmUp({ c, subj, data }: Requester, timeoutMs: number): Promise<void> {
  let i = 0;
  const run = async (): Promise<void> => {
    for (; i < WARMUP; i++) await c.request(subj, data, REQUEST_TIMEOUT_MS);
  };
  await withTimeout(run(), timeoutMs, () => `warm-up: ${i} of ${WARMUP} requests`);
}

/** A prepare() whose rounds each warm up, then run `measure` on the round's requester. */
function warmedRequester(measure: (r: Requester, ctx: ScenarioCtx) => ReturnType<Measure>): Scenario["prepare"] {
  return async (ctx) => {
    const r: Requester = { c: await ctx.connect(), subj: subject(ctx), data: payload(SIZE) };
    return async () => {
      await warmUp(r, ctx.timeoutMs);
      return measure(r, ctx);
    };
  };
}

/** Checks that a reply echoed the whole request. */
function checkEcho(c: BenchConn, reply: unknown): void {
  check(c.sizeOf(reply) === SIZE, `reply of ${c.sizeOf(reply)} bytes, want ${SIZE}`);
}

export const requestSequential: Scenario = {
  id: "rr-seq",
  title: (n) => `request/reply, sequential, ${count(n)} × 128 B`,
  metric: p50us,
  extras: [p99us, reqPerSec],
  count: { full: 10_000, quick: 1_000 },
  helper: echoResponder,
  prepare: warmedRequester(async ({ c, subj, data }, ctx) => {
    const { ms, p50us, p99us } = await timeSequential(
      ctx.n,
      ctx.timeoutMs,
      "requests",
      () => c.request(subj, data, REQUEST_TIMEOUT_MS),
      (m) => checkEcho(c, m),
    );
    return { p50us, p99us, reqPerSec: rate(ctx.n, ms), ms };
  }),
};

export const requestInFlight: Scenario = {
  id: "rr-64",
  title: (n) => `request/reply, ${IN_FLIGHT} in flight, ${count(n)} × 128 B`,
  metric: reqPerSec,
  count: { full: 100_000, quick: 8_000 },
  helper: echoResponder,
  prepare: warmedRequester(async ({ c, subj, data }, ctx) => {
    const ms = await timeInFlight(ctx.n, IN_FLIGHT, ctx.timeoutMs, "requests", () => c.request(subj, data, REQUEST_TIMEOUT_MS), (m) => checkEcho(c, m));
    return { reqPerSec: rate(ctx.n, ms), ms };
  }),
};
