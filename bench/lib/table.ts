/** The printed table: one group of rows per scenario, aligned Markdown so it can be pasted into the README. */
import type { Unit } from "../scenarios/types.js";
import type { RowSummary } from "./report.js";

function num(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return "—";
  switch (unit) {
    case "msgs/s":
    case "req/s":
    case "deliveries/s":
      if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
      if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)}k`;
      return v.toFixed(0);
    case "MiB/s":
      return v >= 100 ? v.toFixed(0) : v.toFixed(1);
    case "µs":
    case "B":
      return v.toFixed(0);
  }
}

export function value(v: number, unit: Unit): string {
  return Number.isFinite(v) ? `${num(v, unit)} ${unit}` : "—";
}

export function bytes(b: number): string {
  if (!Number.isFinite(b)) return "—";
  const mib = b / 2 ** 20;
  const sign = mib < 0 ? "−" : "+";
  const abs = Math.abs(mib);
  if (abs >= 1024) return `${sign}${(abs / 1024).toFixed(2)} GiB`;
  return `${sign}${abs.toFixed(abs < 10 ? 1 : 0)} MiB`;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${Math.round(x * 100)}%` : "—";
}

const HEADER = ["scenario", "client", "median", "min–max", "vs official", "CPU client", "CPU server", "peak RSS", "kept after GC", "also (medians)"];

function cells(s: RowSummary, first: boolean): string[] {
  const failed = s.value.n === 0;
  const unit = s.metric.unit;
  const label = s.metric.label ? `${s.metric.label} ` : "";
  return [
    first ? s.title : "",
    s.client,
    failed ? (s.timeouts > 0 ? "timeout" : "error") : `${label}${value(s.value.median, unit)}`,
    failed ? "" : `${num(s.value.min, unit)}–${num(s.value.max, unit)}`,
    s.ratio === undefined ? "—" : `${s.ratio.toFixed(2)}x`,
    pct(s.clientCpu),
    pct(s.serverCpu),
    bytes(s.rssGrowth),
    bytes(s.keptAfterGc),
    s.extras.map((e) => `${e.info.label ? e.info.label + " " : ""}${value(e.median, e.info.unit)}`).join(", "),
  ];
}

/** Renders every scenario's summaries (already in table order). */
export function renderTable(groups: RowSummary[][]): string {
  const rows = groups.flatMap((g) => g.map((s, i) => cells(s, i === 0)));
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => `| ${r.map((x, c) => x.padEnd(widths[c])).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(HEADER), rule, ...rows.map(line)].join("\n");
}
