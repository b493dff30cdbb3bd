/** Times a synchronous function over several iterations (after warm-up) and prints a small table. */
import { median } from "../lib/stats.js";

export interface MicroResult {
  name: string;
  /** operations (frames) per call of fn */
  ops: number;
  /** bytes per call of fn, for MB/s */
  bytes: number;
  nsPerOp: number;
  minNs: number;
  maxNs: number;
}

export interface MicroOptions {
  warmup: number;
  iterations: number;
}

export function micro(name: string, ops: number, bytes: number, fn: () => void, o: MicroOptions): MicroResult {
  for (let i = 0; i < o.warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < o.iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / ops);
  }
  return { name, ops, bytes, nsPerOp: median(times), minNs: Math.min(...times), maxNs: Math.max(...times) };
}

export function renderMicro(title: string, results: MicroResult[]): string {
  const rows = results.map((r) => {
    const secs = (r.nsPerOp * r.ops) / 1e9;
    return [
      r.name,
      `${r.nsPerOp.toFixed(1)} ns`,
      `${r.minNs.toFixed(1)}–${r.maxNs.toFixed(1)}`,
      `${(1e9 / r.nsPerOp / 1e6).toFixed(2)}M/s`,
      `${(r.bytes / secs / 2 ** 20).toFixed(0)} MiB/s`,
    ];
  });
  const header = [title, "per frame", "min–max ns", "frames/s", "throughput"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => `| ${r.map((x, c) => x.padEnd(widths[c])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}
