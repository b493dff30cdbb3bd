/**
 * A scenario: what the measured child process does, and how the orchestrator
 * labels its numbers. prepare() does the setup (connect, subscribe) before the
 * clock starts and returns the measured part.
 */
import type { BenchConn, ClientName } from "../clients/types.js";
import type { RssSampler } from "../lib/rss.js";

/** Named numbers a measurement produces; the scenario's `metric` is the headline one. */
export type Metrics = Record<string, number>;

export type Measure = () => Promise<Metrics>;

export type Unit = "msgs/s" | "MiB/s" | "req/s" | "deliveries/s" | "µs" | "B";

export interface ScenarioCtx {
  /** A new connection of this child's client to the benchmark server. */
  connect(): Promise<BenchConn>;
  client: ClientName;
  /** Messages (or requests, or subscriptions) to use. */
  n: number;
  rss: RssSampler;
  /** Bound for any wait inside the measurement. */
  timeoutMs: number;
}

export interface MetricInfo {
  key: string;
  unit: Unit;
  better: "higher" | "lower";
  label?: string;
}

export interface Scenario {
  id: string;
  /** As in the table: "publish 1M × 128 B, then flush". Counts are filled in from `n`. */
  title(n: number): string;
  metric: MetricInfo;
  /** Secondary numbers shown after the main one. */
  extras?: MetricInfo[];
  count: { full: number; quick: number };
  /** No raw row (e.g. heap per subscription). */
  noRaw?: boolean;
  /** Only these clients take part (default: all). */
  clients?: readonly ClientName[];
  /** Needs JetStream on the server. */
  jetstream?: boolean;
  /**
   * Also measure the memory still held once the work is done: after forced
   * GCs, against the same taken before "go" (lib/gc.ts).
   */
  keptAfterGc?: boolean;
  /** What quicknats must reach against the official client, checked under the table. */
  target?: Target;
  /**
   * A second process started next to the measured one: the raw publisher
   * feeding a subscriber, or a responder of the same client.
   */
  helper?: { client: "raw" | "same"; prepare(ctx: ScenarioCtx): Promise<Measure> };
  prepare(ctx: ScenarioCtx): Promise<Measure>;
}

/**
 * A goal for the quicknats row, checked on the medians of one run and printed
 * under the table as met / not met. Every bound given must hold, and every
 * quicknats round must have passed.
 */
export interface Target {
  /** Where the goal comes from, e.g. "issue 11". */
  source: string;
  /** quicknats ÷ official on the headline metric, at least. */
  minRatio?: number;
  /** quicknats peak RSS growth ÷ the official's, at most. */
  maxPeakRssRatio?: number;
  /** quicknats peak RSS growth, at most (bytes). */
  maxPeakRss?: number;
  /** quicknats RSS kept after GC minus the official's, at most (bytes). */
  maxKeptOverOfficial?: number;
}
