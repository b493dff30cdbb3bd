/** Rounds -> per-client summaries: medians, ranges, ratios against the official client. */
import type { ClientName } from "../clients/types.js";
import type { MetricInfo, Scenario } from "../scenarios/types.js";
import type { ChildResult } from "./ipc.js";
import { median, summarize, type Summary } from "./stats.js";

export interface Round {
  round: number;
  ok: boolean;
  timeout?: boolean;
  error?: string;
  /** the measured child */
  result?: ChildResult;
  /** the feeding publisher or the responder, if the scenario has one */
  helper?: ChildResult;
  /** nats-server CPU over the window from "go" to the result, and that window */
  serverCpuMicros?: number;
  windowMs?: number;
  /** spawn to "ready" (connect and setup included) */
  setupMs?: number;
  /** the whole round: spawn, setup, measurement, exit */
  totalMs?: number;
}

export interface Row {
  scenario: Scenario;
  client: ClientName;
  n: number;
  rounds: Round[];
}

export interface RowSummary {
  scenario: string;
  title: string;
  client: ClientName;
  metric: MetricInfo;
  value: Summary;
  /** > 1 means better than the official client, whichever way the metric points */
  ratio: number | undefined;
  extras: { info: MetricInfo; median: number }[];
  clientCpu: number;
  serverCpu: number;
  rssGrowth: number;
  /** median RSS growth still held after the work and forced GCs (NaN where not measured) */
  keptAfterGc: number;
  /** rounds run, and the failed ones as "round N: error: message" */
  rounds: number;
  failed: string[];
  /** how many of the failed rounds timed out */
  timeouts: number;
}

function ok(row: Row): ChildResult[] {
  return row.rounds.flatMap((r) => (r.ok && r.result ? [r.result] : []));
}

export function summarizeRow(row: Row): Omit<RowSummary, "ratio"> {
  const results = ok(row);
  const okRounds = row.rounds.filter((r) => r.ok);
  return {
    scenario: row.scenario.id,
    title: row.scenario.title(row.n),
    client: row.client,
    metric: row.scenario.metric,
    value: summarize(results.map((r) => r.metrics[row.scenario.metric.key])),
    extras: (row.scenario.extras ?? []).map((info) => ({ info, median: median(results.map((r) => r.metrics[info.key])) })),
    clientCpu: median(results.map((r) => r.cpuMicros / (r.wallMs * 1000))),
    serverCpu: median(okRounds.map((r) => (r.serverCpuMicros ?? NaN) / ((r.windowMs ?? NaN) * 1000))),
    rssGrowth: median(results.map((r) => r.rssGrowth)),
    keptAfterGc: median(results.flatMap((r) => (r.keptAfterGc ? [r.keptAfterGc.rss] : []))),
    rounds: row.rounds.length,
    failed: row.rounds.filter((r) => !r.ok).map((r) => `round ${r.round}: ${r.timeout ? "timeout" : "error"}: ${firstLine(r.error)}`),
    timeouts: row.rounds.filter((r) => !r.ok && r.timeout).length,
  };
}

function firstLine(s: string | undefined): string {
  return (s ?? "").split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
}

/** Summaries of one scenario's rows, with ratios against the `official` row. */
export function summarizeScenario(rows: Row[]): RowSummary[] {
  const sums = rows.map(summarizeRow);
  const base = sums.find((s) => s.client === "official")?.value.median;
  return sums.map((s) => {
    const v = s.value.median;
    let ratio: number | undefined;
    if (base !== undefined && Number.isFinite(base) && Number.isFinite(v) && v > 0 && base > 0) {
      ratio = s.metric.better === "higher" ? v / base : base / v;
    }
    return { ...s, ratio };
  });
}
