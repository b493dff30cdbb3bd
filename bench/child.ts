/**
 * One benchmark process: connects with one client, sets the scenario up,
 * says "ready", measures on "go", reports, and exits. The orchestrator
 * (run.ts) starts a fresh one per client and round, so heap and RSS belong to
 * that client alone. Helpers (a feeding publisher, a responder) serve every
 * round of a scenario and leave on "quit".
 */
import { connectors } from "./clients/index.js";
import type { BenchConn } from "./clients/types.js";
import { selfCpuMicros } from "./lib/cpu.js";
import { memoryAfterGc, type MemoryAfterGc } from "./lib/gc.js";
import { type ChildResult, type Job, TimedOut, type ToChild, type ToParent } from "./lib/ipc.js";
import { RssSampler } from "./lib/rss.js";
import { scenarioById } from "./scenarios/index.js";
import type { Measure, ScenarioCtx } from "./scenarios/types.js";

const CLOSE_TIMEOUT_MS = 2_000;

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
const conns: BenchConn[] = [];
const inbox: ToChild["type"][] = [];
let wake: (() => void) | undefined;

process.on("message", (m: ToChild) => {
  inbox.push(m.type);
  wake?.();
});

function send(msg: ToParent): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** The first queued message of one of `types` (others stay queued). */
async function nextMessage(...types: ToChild["type"][]): Promise<ToChild["type"]> {
  for (;;) {
    const i = inbox.findIndex((t) => types.includes(t));
    if (i >= 0) return inbox.splice(i, 1)[0];
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

async function closeAll(): Promise<void> {
  const timer = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
  await Promise.race([Promise.allSettled(conns.map((c) => c.close())), timer]);
}

async function main(): Promise<void> {
  const scenario = scenarioById(job.scenario);
  const connect = connectors[job.client];
  const rss = new RssSampler();
  const ctx: ScenarioCtx = {
    client: job.client,
    n: job.n,
    rss,
    timeoutMs: job.timeoutMs,
    connect: async () => {
      const c = await connect(job.url);
      conns.push(c);
      return c;
    },
  };
  const setup = job.role === "main" ? scenario.prepare : scenario.helper?.prepare;
  if (!setup) throw new Error(`scenario ${scenario.id} has no helper`);
  const measure = await setup(ctx);
  // setup garbage collected first, so what is kept afterwards is the work's
  const before = job.role === "main" && scenario.keptAfterGc ? await memoryAfterGc() : undefined;
  await send({ type: "ready" });
  if (job.role === "main") {
    await nextMessage("go");
    const result = await measured(rss, measure);
    await send({ type: "measured" });
    if (before) result.keptAfterGc = growth(await memoryAfterGc(), before);
    await send({ type: "result", result });
  } else {
    while ((await nextMessage("go", "quit")) === "go") {
      await send({ type: "result", result: await measured(rss, measure, () => nextMessage("end")) });
    }
  }
  await closeAll();
}

function growth(after: MemoryAfterGc, before: MemoryAfterGc): MemoryAfterGc {
  return {
    rss: after.rss - before.rss,
    heapUsed: after.heapUsed - before.heapUsed,
    heapTotal: after.heapTotal - before.heapTotal,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
  };
}

/** Runs `measure` (then `until`, for helpers) with the clock, CPU and RSS sampling around it. */
async function measured(rss: RssSampler, measure: Measure, until?: () => Promise<unknown>): Promise<ChildResult> {
  rss.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const metrics = await measure();
  if (until) await until();
  const wallMs = performance.now() - t0;
  const cpuMicros = selfCpuMicros(cpu0);
  const rssGrowth = rss.stop();
  return { metrics, cpuMicros, wallMs, rssGrowth, rssBaseline: rss.baseline };
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    await send({ type: "error", message, timeout: err instanceof TimedOut });
    process.exit(1);
  },
);
