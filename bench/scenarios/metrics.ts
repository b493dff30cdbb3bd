/** The numbers the scenarios report, each described once (key, unit, which way is better). */
import type { MetricInfo } from "./types.js";

export const msgsPerSec = { key: "msgsPerSec", unit: "msgs/s", better: "higher" } as const satisfies MetricInfo;
export const mibPerSec = { key: "mibPerSec", unit: "MiB/s", better: "higher" } as const satisfies MetricInfo;
export const reqPerSec = { key: "reqPerSec", unit: "req/s", better: "higher" } as const satisfies MetricInfo;
export const p50us = { key: "p50us", unit: "µs", better: "lower", label: "p50" } as const satisfies MetricInfo;
export const p99us = { key: "p99us", unit: "µs", better: "lower", label: "p99" } as const satisfies MetricInfo;
