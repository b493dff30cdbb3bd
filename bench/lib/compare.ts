/**
 * Lines under the table for the quicknats variants, when they are in the run:
 * - quicknats against quicknats-base (`--baseline`): how much slower (or
 *   faster) the current build is, from the medians and, rounds being
 *   interleaved, from the median of the round-by-round ratios (less
 *   sensitive to the machine's load drifting during the run), against a
 *   bound (issue 14: hooks compiled in and nobody listening cost ≤ 2 %);
 * - quicknats-otel against quicknats: what tracing costs per message.
 */
import type { ClientName } from "../clients/types.js";
import type { Unit } from "../scenarios/types.js";
import type { Row, RowSummary } from "./report.js";
import { median } from "./stats.js";
import { value } from "./table.js";

/** The bound on the current build's cost against the baseline, in percent. */
export const MAX_COST_PERCENT = 2;

const PER_MESSAGE: Partial<Record<Unit, string>> = { "msgs/s": "message", "req/s": "request", "deliveries/s": "delivery" };

/** Percent more time (or latency) `v` takes than `base`: > 0 is slower. */
function costPercent(v: number, base: number, better: "higher" | "lower"): number {
  return (better === "higher" ? base / v - 1 : v / base - 1) * 100;
}

function signed(x: number, digits = 1): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(digits)}`;
}

/** Per round, the ratio of two rows' headline numbers, where both rounds passed. */
function roundCosts(a: Row | undefined, b: Row | undefined, key: string, better: "higher" | "lower"): number[] {
  if (!a || !b) return [];
  const out: number[] = [];
  for (const ra of a.rounds) {
    const rb = b.rounds.find((r) => r.round === ra.round);
    const va = ra.ok ? ra.result?.metrics[key] : undefined;
    const vb = rb?.ok ? rb.result?.metrics[key] : undefined;
    if (va !== undefined && vb !== undefined && va > 0 && vb > 0) out.push(costPercent(va, vb, better));
  }
  return out;
}

function find<T extends { client: ClientName }>(list: T[], client: ClientName): T | undefined {
  return list.find((x) => x.client === client);
}

/** The comparison lines, or "" when the run has neither variant. */
export function renderComparisons(groups: RowSummary[][], rows: Row[][], baseline: string | undefined): string {
  const base: string[] = [];
  const otel: string[] = [];
  groups.forEach((g, i) => {
    const q = find(g, "quicknats");
    if (!q || q.value.n === 0) return;
    const { unit, better, key } = q.metric;
    const b = find(g, "quicknats-base");
    if (b && b.value.n > 0) {
      const cost = costPercent(q.value.median, b.value.median, better);
      const paired = roundCosts(find(rows[i], "quicknats"), find(rows[i], "quicknats-base"), key, better);
      const pairedMedian = median(paired);
      const within = cost <= MAX_COST_PERCENT && (paired.length === 0 || pairedMedian <= MAX_COST_PERCENT);
      const rounds = paired.length === 0
        ? "no round where both passed"
        : `round by round: median ${signed(pairedMedian)} %, from ${signed(Math.min(...paired))} to ${signed(Math.max(...paired))} %, ${paired.length} rounds`;
      base.push(
        `- ${q.scenario}: ${value(q.value.median, unit)} vs ${value(b.value.median, unit)}: ${signed(cost)} % time (${rounds})` +
          ` — ${within ? "within" : "OVER"} ${MAX_COST_PERCENT} %`,
      );
    }
    const o = find(g, "quicknats-otel");
    if (o && o.value.n > 0) {
      const what = PER_MESSAGE[unit];
      const cost = costPercent(o.value.median, q.value.median, better);
      let per = "";
      if (what) per = `${signed(1e6 / o.value.median - 1e6 / q.value.median, 2)} µs per ${what}, `;
      else if (unit === "µs") per = `${signed(o.value.median - q.value.median, 0)} µs, `;
      otel.push(`- ${q.scenario}: ${value(o.value.median, unit)} vs ${value(q.value.median, unit)}: ${per}${signed(cost, 0)} % time`);
    }
  });
  const out: string[] = [];
  if (base.length) {
    out.push(`quicknats (this build) against quicknats-base (${baseline}), hooks compiled in and nobody listening; > 0 is slower (bound: ${MAX_COST_PERCENT} %):`, ...base);
  }
  if (otel.length) {
    if (out.length) out.push("");
    out.push("Tracing on (quicknats-otel) against quicknats, per message:", ...otel);
  }
  return out.join("\n");
}
