/** What the orchestrator and a child process say to each other (over fork()'s IPC channel). */
import type { ClientName } from "../clients/types.js";
import type { Metrics } from "../scenarios/types.js";
import type { MemoryAfterGc } from "./gc.js";

/** argv[2] of a child, as JSON. */
export interface Job {
  role: "main" | "helper";
  scenario: string;
  client: ClientName;
  n: number;
  url: string;
  /** bound for waits inside the measurement */
  timeoutMs: number;
}

export interface ChildResult {
  metrics: Metrics;
  /** user + system CPU of the child over the measured window */
  cpuMicros: number;
  /** the measured window: from "go" to the end of the measurement ("end" for helpers) */
  wallMs: number;
  /** peak RSS minus the RSS at "go" (after connect and setup) */
  rssGrowth: number;
  rssBaseline: number;
  /**
   * Scenarios with `keptAfterGc`: memory after the measurement and forced
   * GCs, minus the same taken (also after forced GCs) before "go".
   */
  keptAfterGc?: MemoryAfterGc;
}

/**
 * "measured" ends the measured window (the orchestrator reads nats-server's
 * CPU there); "result" follows, after any memory check that comes after it.
 */
export type ToParent =
  | { type: "ready" }
  | { type: "measured" }
  | { type: "result"; result: ChildResult }
  | { type: "error"; message: string; timeout: boolean };

/** A bounded wait (in a child or the orchestrator) that ran out: the round is reported as a timeout, not an error. */
export class TimedOut extends Error {
  override name = "TimedOut";
}

/**
 * "go" starts a measurement. A helper outlives rounds: after "go" it measures
 * until "end" (the measured child has reported), answers with its result, and
 * waits for the next "go" or "quit".
 */
export type ToChild = { type: "go" } | { type: "end" } | { type: "quit" };
