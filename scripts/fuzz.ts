#!/usr/bin/env node
/**
 * The long fuzz run, bounded in time:
 *
 *     npm run build && node --import tsx scripts/fuzz.ts --seconds 60 [--seed N] [--cycles 10000]
 *
 * For `--seconds`, two things run side by side:
 * - in a worker thread, the pure properties of the unit tests (the parser on
 *   valid and hostile streams, the header codec, subject/queue validation and
 *   the encoder: packages/core/test/{parser,validation}.property.test.ts), in
 *   batches with fresh seeds. A watchdog on the main thread counts a case that
 *   makes no progress for 10 s as a hang, kills the worker and starts another;
 * - on the main thread, random hostile streams sent by a rogue server to the
 *   real client (runHostileStream of test/integration/hostile-server.test.ts).
 * Then `--cycles` connect/close cycles against a real nats-server, checking
 * heap (after gc), handles, timers and listeners.
 *
 * Prints the seed, cases run per property, every crash (a failed property,
 * with its seed, path and shrunk counterexample: replay it by running the
 * test file with QUICKNATS_FUZZ_SEED and fast-check's `path`), every hang,
 * and the totals. Exits 1 if anything crashed, hung or leaked.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { createHook } from "node:async_hooks";
import v8 from "node:v8";
import vm from "node:vm";
import fc from "fast-check";

const HANG_MS = 10_000;
const PARSER_TESTS = new URL("../packages/core/test/parser.property.test.ts", import.meta.url).href;
const VALIDATION_TESTS = new URL("../packages/core/test/validation.property.test.ts", import.meta.url).href;
const HOSTILE_TESTS = new URL("../test/integration/hostile-server.test.ts", import.meta.url).href;
const NATS_SERVER_HELPER = new URL("../test/helpers/nats-server.ts", import.meta.url).href;

interface WorkerInput {
  seed: number;
  deadline: number;
  counter: SharedArrayBuffer;
}

type FromWorker =
  | { type: "batch"; name: string; seed: number; runs: number; ticks: number }
  | { type: "result"; name: string; seed: number; numRuns: number; failed: boolean; path?: string; counterexample?: string; error?: string }
  | { type: "done" };

/** A 32-bit seed for batch `k` of a run seeded with `seed`. */
function batchSeed(seed: number, k: number): number {
  let x = (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0;
}

// ---- the worker: pure properties in batches ------------------------------------

async function workerMain(input: WorkerInput): Promise<void> {
  const counter = new Int32Array(input.counter);
  const tick = (): void => {
    Atomics.add(counter, 0, 1);
  };
  const parser = await import(PARSER_TESTS);
  const validation = await import(VALIDATION_TESTS);
  const props: Array<{ name: string; runs: number; property: fc.IProperty<unknown> }> = [
    ...parser.properties(tick),
    ...validation.properties(tick),
  ];
  const post = (m: FromWorker): void => parentPort!.postMessage(m);
  for (let k = 0; Date.now() < input.deadline; k++) {
    const p = props[k % props.length];
    const seed = batchSeed(input.seed, k);
    const runs = Math.max(100, p.runs);
    post({ type: "batch", name: p.name, seed, runs, ticks: Atomics.load(counter, 0) });
    const d = fc.check(p.property, {
      seed,
      numRuns: runs,
      interruptAfterTimeLimit: Math.max(1, input.deadline - Date.now()),
      markInterruptAsFailure: false,
    });
    // interrupted by the deadline before its first case is not a failure
    const failed = d.failed && d.counterexample !== null;
    post({
      type: "result",
      name: p.name,
      seed,
      numRuns: d.numRuns,
      failed,
      path: d.counterexamplePath ?? undefined,
      counterexample: failed ? fc.stringify(d.counterexample).slice(0, 1500) : undefined,
      error: failed ? String((d.errorInstance as Error)?.message ?? d.errorInstance).slice(0, 600) : undefined,
    });
  }
  post({ type: "done" });
}

// ---- the main thread ---------------------------------------------------------------

interface Totals {
  cases: Map<string, number>;
  crashes: string[];
  hangs: string[];
  /** failures per property: a property that keeps failing (the same bug, new seeds) is printed once */
  failuresOf: Map<string, number>;
}

/** Records a crash or hang; prints it the first time its property fails. */
function record(totals: Totals, kind: "crash" | "hang", name: string, what: string): void {
  (kind === "hang" ? totals.hangs : totals.crashes).push(what);
  const n = (totals.failuresOf.get(name) ?? 0) + 1;
  totals.failuresOf.set(name, n);
  if (n === 1) console.log(`  ${kind.toUpperCase()} ${what}`);
}

function parseArgs(argv: string[]): { seconds: number; seed: number; cycles: number } {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i >= 0) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) {
      console.error(`fuzz: --${name} must be a number >= 0, got ${v}`);
      process.exit(2);
    }
    return n;
  };
  return {
    seconds: num("seconds", 60),
    seed: num("seed", Date.now() % 2 ** 31) >>> 0,
    cycles: num("cycles", 10_000),
  };
}

/** Runs the worker until `deadline`, restarting it after a hang or a crash of the thread itself. */
async function runProperties(seed: number, deadline: number, totals: Totals): Promise<void> {
  const api = import.meta.resolve("tsx/esm/api");
  let generation = 0;
  while (Date.now() < deadline) {
    const counter = new SharedArrayBuffer(4);
    const ticks = new Int32Array(counter);
    const input: WorkerInput = { seed: batchSeed(seed, 1_000_000 + generation++), deadline, counter };
    // the worker loads TypeScript through tsx, and imports the test modules without registering their tests
    const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const worker = new Worker(code, { eval: true, workerData: input, env: { ...process.env, QUICKNATS_NO_TESTS: "1" } });
    let batch: Extract<FromWorker, { type: "batch" }> | undefined;
    await new Promise<void>((resolve) => {
      let last = 0;
      let lastChange = Date.now();
      const watchdog = setInterval(() => {
        const now = Atomics.load(ticks, 0);
        if (now !== last) {
          last = now;
          lastChange = Date.now();
          return;
        }
        if (batch && Date.now() - lastChange > HANG_MS) {
          // ticks since the batch began: the stuck case is the n-th (from 1)
          const n = now - batch.ticks;
          record(totals, "hang", batch.name, `${batch.name}: case #${n} of the batch with seed ${batch.seed} made no progress for ${HANG_MS / 1000} s (replay: fc.check with seed ${batch.seed} and numRuns ${n})`);
          totals.cases.set(batch.name, (totals.cases.get(batch.name) ?? 0) + n);
          batch = undefined;
          void worker.terminate();
        }
      }, 500);
      worker.on("message", (m: FromWorker) => {
        if (m.type === "batch") {
          batch = m;
        } else if (m.type === "result") {
          batch = undefined;
          totals.cases.set(m.name, (totals.cases.get(m.name) ?? 0) + m.numRuns);
          if (m.failed) {
            const slow = /case took/.test(m.error ?? "");
            record(totals, slow ? "hang" : "crash", m.name, `${m.name}: seed ${m.seed}, path "${m.path}"\n      ${m.error}\n      counterexample: ${m.counterexample}`);
          }
        }
      });
      worker.on("error", (err) => {
        record(totals, "crash", "worker", `the worker died: ${err?.stack ?? err}`);
      });
      worker.on("exit", () => {
        clearInterval(watchdog);
        resolve();
      });
    });
  }
}

/** Random hostile streams through the real client until `deadline`. */
async function runEndToEnd(seed: number, deadline: number, totals: Totals): Promise<Map<string, number>> {
  process.env.QUICKNATS_NO_TESTS = "1";
  const { hostileArb, chunk } = await import(PARSER_TESTS);
  const { runHostileStream } = await import(HOSTILE_TESTS);
  const endings = new Map<string, number>();
  const name = "end-to-end hostile streams";
  const tripped: string[] = [];
  const onRejection = (r: unknown): void => void tripped.push(`unhandled rejection: ${String(r)}`);
  const onException = (e: unknown): void => void tripped.push(`uncaught exception: ${(e as Error)?.stack ?? e}`);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  try {
    for (let k = 0; Date.now() < deadline; k++) {
      const s = batchSeed(seed, 2_000_000 + k);
      const d = await fc.check(
        fc.asyncProperty(hostileArb, async (c: { bytes: Uint8Array; cuts: unknown }) => {
          const r = await runHostileStream(chunk(c.bytes, c.cuts));
          endings.set(r.ending, (endings.get(r.ending) ?? 0) + 1);
          if (r.problems.length > 0) throw new Error(r.problems.join("; "));
        }),
        { seed: s, numRuns: 100, interruptAfterTimeLimit: Math.max(1, deadline - Date.now()), markInterruptAsFailure: false },
      );
      totals.cases.set(name, (totals.cases.get(name) ?? 0) + d.numRuns);
      if (d.failed && d.counterexample !== null) {
        const what = `${name}: seed ${s}, path "${d.counterexamplePath}"\n      ${String((d.errorInstance as Error)?.message).slice(0, 600)}\n      counterexample: ${fc.stringify(d.counterexample).slice(0, 1500)}`;
        record(totals, /neither closed/.test(what) ? "hang" : "crash", name, what);
      }
      for (const t of tripped.splice(0)) record(totals, "crash", name, `${name}: ${t}`);
    }
  } finally {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onException);
    delete process.env.QUICKNATS_NO_TESTS;
  }
  return endings;
}

/** Connect/close cycles against a real server; returns a failure description or undefined. */
async function runCycles(cycles: number): Promise<string | undefined> {
  const { NatsServer } = await import(NATS_SERVER_HELPER);
  const { connect } = await import("@quicknats/node");
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const heap = async (): Promise<number> => {
    for (let k = 0; k < 3; k++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return process.memoryUsage().heapUsed;
  };
  const live = new Map<number, string>();
  const hook = createHook({
    init(id, type) {
      if (type === "Timeout" || type === "TCPWRAP") live.set(id, type);
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  const handles = (): Record<string, number> => {
    const c: Record<string, number> = {};
    for (const t of live.values()) c[`live ${t}`] = (c[`live ${t}`] ?? 0) + 1;
    for (const r of process.getActiveResourcesInfo()) if (r.startsWith("TCP") || r === "Timeout") c[r] = (c[r] ?? 0) + 1;
    c.listeners = process.eventNames().reduce((n, e) => n + process.listenerCount(e), 0);
    return c;
  };
  /** what `now` has more of than `before` (what the test had before may have gone meanwhile) */
  const excess = (before: Record<string, number>, now: Record<string, number>): string =>
    Object.entries(now).filter(([k, n]) => n > (before[k] ?? 0)).map(([k, n]) => `${n - (before[k] ?? 0)} ${k}`).join(", ");
  const srv = await NatsServer.start();
  try {
    const cycle = async (k: number): Promise<void> => {
      const nc = await connect({ servers: srv.url, reconnect: false });
      const sub = nc.subscribe(`cycle.${k % 10}`, { callback: () => {} });
      nc.publish(`cycle.${k % 10}`, "x");
      await nc.flush();
      sub.unsubscribe();
      await nc.close();
    };
    const warmup = Math.min(200, cycles);
    for (let k = 0; k < warmup; k++) await cycle(k);
    const h0 = handles();
    const heap0 = await heap();
    const t0 = performance.now();
    const samples: string[] = [];
    for (let k = 0; k < cycles; k++) {
      await cycle(k);
      if ((k + 1) % Math.max(1, Math.floor(cycles / 5)) === 0) samples.push(`${(((await heap()) - heap0) / 1048576).toFixed(2)}`);
    }
    const ms = performance.now() - t0;
    const growth = (await heap()) - heap0;
    let left = excess(h0, handles());
    for (let k = 0; k < 100 && left !== ""; k++) {
      await new Promise((r) => setTimeout(r, 20));
      left = excess(h0, handles());
    }
    console.log(`cycles: ${cycles} connect/subscribe/publish/flush/close in ${(ms / 1000).toFixed(1)} s (${(ms / Math.max(1, cycles)).toFixed(2)} ms each)`);
    console.log(`  heap after gc vs after ${warmup} warm-up cycles (MiB): ${samples.join(", ")}; final ${(growth / 1048576).toFixed(2)}`);
    console.log(`  handles, timers, listeners: ${left === "" ? "none left behind" : `left behind: ${left}`}`);
    if (growth > Math.max(4 * 1048576, cycles * 256)) return `heap grew by ${(growth / 1048576).toFixed(2)} MiB over ${cycles} cycles`;
    if (left !== "") return `left behind: ${left}`;
    return undefined;
  } finally {
    hook.disable();
    await srv.stop();
  }
}

async function main(): Promise<void> {
  const { seconds, seed, cycles } = parseArgs(process.argv.slice(2));
  const totals: Totals = { cases: new Map(), crashes: [], hangs: [], failuresOf: new Map() };
  console.log(`fuzz: ${seconds} s, seed ${seed} (--seed ${seed} repeats the generated cases), ${cycles} connect/close cycles`);
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  const [, endings] = await Promise.all([runProperties(seed, deadline, totals), runEndToEnd(seed, deadline, totals)]);
  const fuzzMs = Date.now() - t0;
  console.log(`properties and end-to-end streams: ${(fuzzMs / 1000).toFixed(1)} s`);
  for (const [name, n] of totals.cases) console.log(`  ${name}: ${n} cases`);
  console.log(`  end-to-end endings: ${[...endings].map(([k, n]) => `${k} ${n}`).join(", ") || "none"}`);
  let cycleFailure: string | undefined;
  if (cycles > 0) cycleFailure = await runCycles(cycles);
  const cases = [...totals.cases.values()].reduce((a, b) => a + b, 0);
  console.log("");
  console.log(`TOTAL: ${cases} cases, ${totals.crashes.length} crashes, ${totals.hangs.length} hangs` + (cycles > 0 ? `, ${cycles} cycles ${cycleFailure ? `FAILED (${cycleFailure})` : "ok"}` : ""));
  for (const [name, n] of totals.failuresOf) console.log(`  ${name}: ${n} failing batch(es), first one printed above`);
  process.exitCode = totals.crashes.length + totals.hangs.length > 0 || cycleFailure ? 1 : 0;
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  workerMain(workerData as WorkerInput).catch((err) => {
    // reported to the main thread as the worker's error event
    throw err;
  });
}
