/**
 * The benchmark orchestrator: starts one nats-server, then for every scenario
 * runs interleaved rounds (client order rotated each round) with a fresh
 * child process per client and round, and prints a table of medians, ranges
 * and ratios against the official client; raw numbers go to a JSON file.
 *
 *   npm run bench                     # from the repository root: builds first
 *   npm run bench -- --quick          # one to two minutes
 *   npm run bench -- --only pub-128,rr-seq --clients quicknats,official --rounds 7
 *   npm run bench -- --micro          # parser and encoder microbenchmarks
 *   npm run bench -- --only pub-128,sub-cb,rr-seq --clients quicknats,quicknats-otel --baseline main --rounds 9
 *                                     # this build against main's, and with tracing on
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { natsServerBinary, NatsServer } from "../test/helpers/nats-server.js";
import type { ClientName } from "./clients/types.js";
import { parseOptions, type Options } from "./lib/args.js";
import { BASELINE_ENV } from "./clients/quicknats.js";
import { type Baseline, buildBaseline } from "./lib/baseline.js";
import { childEntry } from "./lib/build.js";
import { renderComparisons } from "./lib/compare.js";
import { procCpuMicros } from "./lib/cpu.js";
import { machineFacts, type MachineFacts } from "./lib/machine.js";
import { Helpers } from "./lib/helpers.js";
import { TimedOut } from "./lib/ipc.js";
import { ChildProc, type ChildEntry } from "./lib/proc.js";
import { summarizeScenario, type Round, type Row, type RowSummary } from "./lib/report.js";
import { renderTable, value } from "./lib/table.js";
import { renderTargets } from "./lib/targets.js";
import { scenarioById, scenarios } from "./scenarios/index.js";
import type { Scenario } from "./scenarios/types.js";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(benchDir, "..");

/** A round (setup + measurement of one client) past this is killed and reported as a timeout. */
const ROUND_TIMEOUT_MS = 60_000;
/** Waits inside a child end a little earlier, so it can say how far it got. */
const CHILD_WAIT_MS = 50_000;
const EXIT_GRACE_MS = 3_000;

/**
 * 1 MiB max_payload (16 KiB messages fit); the server may buffer 512 MiB for
 * a subscriber that reads slower than a raw publisher writes, and waits 60 s
 * on a blocked socket, so no benchmark connection is cut as a slow consumer.
 * No monitoring port: nothing else runs on the server.
 */
const SERVER_CONFIG = {
  max_payload: 1024 * 1024,
  max_pending: 512 * 1024 * 1024,
  write_deadline: "60s",
  http: undefined,
};

async function runRound(entry: ChildEntry, server: NatsServer, s: Scenario, helpers: Helpers | undefined, client: ClientName, n: number, round: number): Promise<Round> {
  const start = performance.now();
  const r = await measureRound(entry, server, s, helpers, client, n, round);
  r.totalMs = performance.now() - start;
  return r;
}

async function measureRound(entry: ChildEntry, server: NatsServer, s: Scenario, helpers: Helpers | undefined, client: ClientName, n: number, round: number): Promise<Round> {
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  const main = new ChildProc(entry, { role: "main", scenario: s.id, client, n, url: server.url, timeoutMs: CHILD_WAIT_MS });
  const helperClient: ClientName = s.helper?.client === "raw" ? "raw" : client;
  const helper = s.helper && helpers ? helpers.get(helperClient) : undefined;
  try {
    const spawned = performance.now();
    await Promise.all([main.expect("ready", deadline), helper?.ready]);
    const setupMs = performance.now() - spawned;
    const cpu0 = procCpuMicros(server.pid);
    const t0 = performance.now();
    main.send("go");
    helper?.proc.send("go");
    await main.expect("measured", deadline);
    const windowMs = performance.now() - t0;
    const serverCpuMicros = procCpuMicros(server.pid) - cpu0;
    const result = await main.expect("result", deadline);
    helper?.proc.send("end");
    const helperResult = await helper?.proc.expect("result", Math.min(deadline, Date.now() + EXIT_GRACE_MS));
    return { round, ok: true, result, helper: helperResult, serverCpuMicros, windowMs, setupMs };
  } catch (err) {
    if (helper) await helpers?.drop(helperClient); // its state is unknown: the next round gets a fresh one
    const message = err instanceof Error ? err.message : String(err);
    return { round, ok: false, timeout: err instanceof TimedOut, error: message };
  } finally {
    await main.finish(EXIT_GRACE_MS);
  }
}

function progress(s: Scenario, row: Row, r: Round, rounds: number): void {
  const what = r.ok && r.result
    ? `${s.metric.label ? s.metric.label + " " : ""}${value(r.result.metrics[s.metric.key], s.metric.unit)}`
    : `${r.timeout ? "TIMEOUT" : "ERROR"} ${r.error?.split("\n")[0]}`;
  console.error(`  ${s.id} round ${r.round}/${rounds} ${row.client.padEnd(13)} ${what}`);
}

async function runScenario(entry: ChildEntry, server: NatsServer, s: Scenario, opts: Options): Promise<Row[]> {
  const n = opts.quick ? s.count.quick : s.count.full;
  const clients = opts.clients.filter((c) => !(c === "raw" && s.noRaw) && (!s.clients || s.clients.includes(c)));
  const rows: Row[] = clients.map((client) => ({ scenario: s, client, n, rounds: [] }));
  console.error(`${s.title(n)}`);
  const helpers = s.helper
    ? new Helpers(entry, { role: "helper", scenario: s.id, client: "raw", n, url: server.url, timeoutMs: CHILD_WAIT_MS }, ROUND_TIMEOUT_MS, EXIT_GRACE_MS)
    : undefined;
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      // rotate the order every round so no client always goes first (or last)
      for (let k = 0; k < rows.length; k++) {
        const row = rows[(k + round - 1) % rows.length];
        const r = await runRound(entry, server, s, helpers, row.client, n, round);
        row.rounds.push(r);
        progress(s, row, r, opts.rounds);
      }
    }
  } finally {
    await helpers?.quitAll();
  }
  return rows;
}

function notes(facts: MachineFacts, opts: Options, serverCpuNote: boolean, baseline: Baseline | undefined): string {
  return [
    `Machine: ${facts.cpuModel}, ${facts.cores} cores, ${facts.memoryGiB} GiB; ${facts.os}; Node ${facts.node}; nats-server ${facts.natsServer}; load average at start ${facts.loadAverage.join(" ")}.`,
    `Clients: quicknats ${facts.versions["@quicknats/node"]} (default options), official = @nats-io/transport-node ${facts.versions["@nats-io/transport-node"]} (default options), official-fast = the same with noAsyncTraces: true, nats2 = nats ${facts.versions.nats}, raw = raw node:net sockets without client logic.`,
    `${opts.rounds} rounds${opts.quick ? " (--quick: smaller counts)" : ""}, interleaved, a fresh process per client and round; median and min–max over rounds.`,
    "vs official: this row's median against the official client's; > 1 is better (for µs and bytes, where lower is better, it is official ÷ this).",
    "CPU: share of one core over the measured window, of the client process and of nats-server" + (serverCpuNote ? "." : " (only from /proc: Linux)."),
    "Peak RSS: growth of the client process's RSS over its value after connect and setup (sampled every 10 ms and every 8192 messages).",
    "raw: a node:net socket, no client: prebuilt PUB frames, a reader that only finds frames, replies matched in order. sub-*: the raw publisher, nats-server and the subscriber share the machine's cores.",
    "Kept after GC (naive-* only): the RSS growth still held after the work, measured after forced full GCs until RSS stops falling, against the same taken before the work.",
    "naive-*: the official client's own loops, run unmodified on each library's NatsConnection: default options, no ready(), nothing caught; a publish that throws fails the round. No raw row.",
    "Publishing (the other scenarios): quicknats' publish() returns false when more than its high-water mark (8 MiB) waits for the socket; the publisher then awaits nc.ready() (its backpressure API). The raw publisher waits for 'drain'. The official clients never push back: they buffer.",
    ...(opts.clients.includes("quicknats-otel")
      ? ["quicknats-otel: quicknats with @quicknats/otel's instrument() on every connection of the process (responders too): the SDK's tracer (every span sampled, a batch processor, an exporter that drops them), W3C propagation, metrics aggregated by the SDK's meter provider."]
      : []),
    ...(baseline ? [`quicknats-base: @quicknats/node built from ${baseline.ref} (${baseline.commit}) in a temporary worktree, default options.`] : []),
  ].join("\n");
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), path.join(benchDir, "results", "latest.json"));
  const selected = opts.only ? opts.only.map(scenarioById) : [...scenarios];
  const baseline = opts.baseline === undefined ? undefined : buildBaseline(repoRoot, opts.baseline, (l) => console.error(l));
  try {
    if (opts.micro) {
      const { runMicro } = await import("./micro/index.js");
      await runMicro(opts.quick, baseline && { entry: baseline.entry, label: `${baseline.ref} (${baseline.commit})` });
      return;
    }
    if (baseline) process.env[BASELINE_ENV] = baseline.entry;
    await runAll(opts, selected, baseline);
  } finally {
    baseline?.remove();
  }
}

async function runAll(opts: Options, selected: Scenario[], baseline: Baseline | undefined): Promise<void> {
  const entry = await childEntry();
  const facts = machineFacts(natsServerBinary());
  // JetStream (memory streams only) when a scenario needs it; its store dir is the server's temp dir
  const server = await NatsServer.start(
    selected.some((s) => s.jetstream) ? { ...SERVER_CONFIG, jetstream: { max_memory_store: 1024 * 1024 * 1024 } } : SERVER_CONFIG,
  );
  const started = Date.now();
  const groups: RowSummary[][] = [];
  const allRows: Row[][] = [];
  const raw: { scenario: string; title: string; n: number; rows: { client: string; rounds: Round[] }[] }[] = [];
  try {
    for (const s of scenarios.filter((x) => selected.includes(x))) {
      const rows = await runScenario(entry, server, s, opts);
      groups.push(summarizeScenario(rows));
      allRows.push(rows);
      raw.push({
        scenario: s.id,
        title: s.title(rows[0]?.n ?? 0),
        n: rows[0]?.n ?? 0,
        rows: rows.map((r) => ({ client: r.client, rounds: r.rounds })),
      });
    }
  } finally {
    await server.stop();
  }
  const tableText = renderTable(groups);
  const failures = groups.flat().flatMap((s) => s.failed.map((f) => `${s.scenario} ${s.client} ${f}`));
  const targets = renderTargets(scenarios, groups);
  const compared = renderComparisons(groups, allRows, baseline ? `${baseline.ref}, ${baseline.commit}` : undefined);
  console.log(`\n${tableText}\n\n${notes(facts, opts, process.platform === "linux", baseline)}`);
  if (targets) console.log(`\n${targets}`);
  if (compared) console.log(`\n${compared}`);
  if (failures.length) console.log(`\nFailed rounds:\n${failures.map((f) => `- ${f}`).join("\n")}`);
  mkdirSync(path.dirname(opts.json), { recursive: true });
  const { micro: _micro, ...settings } = opts;
  writeFileSync(
    opts.json,
    JSON.stringify({ machine: facts, settings, baseline: baseline && { ref: baseline.ref, commit: baseline.commit }, server: SERVER_CONFIG, durationMs: Date.now() - started, summary: groups, scenarios: raw }, null, 2),
  );
  console.log(`\nRaw numbers: ${opts.json} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (failures.length) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
