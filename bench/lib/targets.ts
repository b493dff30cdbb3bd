/**
 * The scenarios' targets for quicknats (Scenario.target), checked on the
 * medians of this run against the official client's row, one line each:
 * met, not met, or not checked (a row missing from the run).
 */
import type { Scenario, Target } from "../scenarios/types.js";
import type { RowSummary } from "./report.js";
import { bytes } from "./table.js";

interface Check {
  text: string;
  ok: boolean;
}

const MiB = 1024 * 1024;

function mib(b: number): string {
  return `${Number.isInteger(b / MiB) ? b / MiB : (b / MiB).toFixed(1)} MiB`;
}

function verdict(ok: boolean): string {
  return ok ? "met" : "not met";
}

/** The target's bounds, each as a check; why not, if the run lacks a row a bound needs. */
function checks(t: Target, q: RowSummary, o: RowSummary | undefined): Check[] | string {
  const needsOfficial = t.minRatio !== undefined || t.maxPeakRssRatio !== undefined || t.maxKeptOverOfficial !== undefined;
  if (needsOfficial && (!o || o.value.n === 0)) return o ? "every official round failed" : "no official row in this run";
  const out: Check[] = [];
  if (t.minRatio !== undefined) {
    const r = q.ratio ?? NaN;
    out.push({ text: `throughput ${r.toFixed(2)}x official (≥ ${t.minRatio}x)`, ok: r >= t.minRatio });
  }
  if (t.maxPeakRssRatio !== undefined && o) {
    const r = q.rssGrowth / o.rssGrowth;
    out.push({
      text: `peak RSS ${bytes(q.rssGrowth)} vs ${bytes(o.rssGrowth)}: ${Number.isFinite(r) ? r.toFixed(2) : "—"}x (≤ ${t.maxPeakRssRatio.toFixed(1)}x)`,
      ok: r <= t.maxPeakRssRatio,
    });
  }
  if (t.maxPeakRss !== undefined) {
    out.push({ text: `peak RSS ${bytes(q.rssGrowth)} (≤ ${mib(t.maxPeakRss)})`, ok: q.rssGrowth <= t.maxPeakRss });
  }
  if (t.maxKeptOverOfficial !== undefined && o) {
    const more = q.keptAfterGc - o.keptAfterGc;
    out.push({
      text: `kept after GC ${bytes(q.keptAfterGc)} vs ${bytes(o.keptAfterGc)}: ${bytes(more)} (≤ +${mib(t.maxKeptOverOfficial)})`,
      ok: more <= t.maxKeptOverOfficial,
    });
  }
  return out;
}

function line(s: Scenario, group: RowSummary[]): string {
  const t = s.target as Target;
  const head = `- ${s.id} (${t.source}): `;
  const q = group.find((r) => r.client === "quicknats");
  if (!q) return `${head}not checked: no quicknats row in this run`;
  const o = group.find((r) => r.client === "official");
  const failed = q.failed.length ? `${q.failed.length} of ${q.rounds} quicknats rounds failed (${q.failed[0]})` : "";
  const cs = q.value.n === 0 ? [] : checks(t, q, o);
  if (typeof cs === "string") return `${head}not checked: ${cs}${failed ? `; ${failed}` : ""}`;
  const ok = !failed && cs.every((c) => c.ok);
  const parts = [...cs.map((c) => `${c.text} ${verdict(c.ok)}`), ...(failed ? [failed] : [])];
  return `${head}${ok ? "MET" : "NOT MET"}: ${parts.join("; ")}`;
}

/** One line per scenario of the run that has a target, in table order; empty if none. */
export function renderTargets(scenarios: readonly Scenario[], groups: RowSummary[][]): string {
  const lines: string[] = [];
  for (const group of groups) {
    const s = scenarios.find((x) => x.id === group[0]?.scenario);
    if (s?.target) lines.push(line(s, group));
  }
  if (!lines.length) return "";
  return ["Targets for quicknats (medians of this run; official = 1.0x):", ...lines].join("\n");
}
